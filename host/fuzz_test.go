package host

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseURL: any string gives Options or an error, never a panic, and
// an error never shows the password.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"ftp://u:p@h/", "ftpes://bob:s3cret@example.com:2121/pub/a%20b", "ftps://[::1]/",
		"ftp://u:p@h:99999/", "http://x", "ftp://u:p%zz@h/", "ftp://h/?q", "ftp://:@/", "ftp://u:p@h:0/",
		"ftp://u:pa:ss@h/", "ftp://u@h@i/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		o, err := ParseURL(raw)
		if err != nil {
			// the password is whatever stands between the first ':' after
			// "://" and the last '@'; it must not be shown (text equal to
			// it that stands elsewhere in the URL may be)
			if i := strings.Index(raw, "://"); i >= 0 {
				rest := raw[i+3:]
				if at := strings.LastIndex(rest, "@"); at > 0 {
					if c := strings.Index(rest[:at], ":"); c >= 0 {
						start, end := i+3+c+1, i+3+at
						pw := raw[start:end]
						redacted := raw[:start] + "****" + raw[end:]
						// (the message quotes the URL: compare with its quoted form too)
						if len(pw) >= 4 && strings.Contains(err.Error(), pw) && !strings.Contains(redacted, pw) &&
							!strings.Contains(strconv.Quote(redacted), pw) {
							t.Fatalf("ParseURL(%q) error shows the password: %v", raw, err)
						}
					}
				}
			}
			return
		}
		if o.Host == "" {
			t.Fatalf("ParseURL(%q) accepted an empty host", raw)
		}
		if o.Port < 0 || o.Port > 65535 {
			t.Fatalf("ParseURL(%q) port %d", raw, o.Port)
		}
	})
}
