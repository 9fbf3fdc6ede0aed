package ftpconn

import "testing"

// The size a 150 reply announces, as the servers word it.
func TestAnnouncedSize(t *testing.T) {
	for msg, want := range map[string]int64{
		"Opening BINARY mode data connection for f0448 (1024 bytes).":    1024, // vsftpd
		"Opening BINARY mode data connection for a (b).txt (0 bytes)":    0,    // proftpd
		"Opening BINARY mode data connection for x (12 bytes) (5 bytes)": 5,
		"File status okay. About to open data connection.":               -1, // pyftpdlib
		"Accepted data connection":                                       -1,
		"0.2 kbytes to download":                                         -1, // pure-ftpd
		"Opening data connection for f (-3 bytes)":                       -1,
		"Opening data connection for f (many bytes)":                     -1,
	} {
		n, ok := announcedSize(msg)
		if !ok {
			n = -1
		}
		if n != want {
			t.Errorf("%q: %d, want %d", msg, n, want)
		}
	}
}
