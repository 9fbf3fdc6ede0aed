package host

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/ftpconn"
	"github.com/ftplua/ftplua/internal/testservers"
)

// 200 files opened and closed in a row use at most max_connections
// connections, counted at the server: one, the host's own, lent to each
// file in turn (Host.lendMain), whether the file was written, read to its
// end, or closed early (ABOR). Files open at once get connections of
// their own, and the host keeps a place for its own while they are open.
//
// Telling this test's connections from those of the tests that run at the
// same time against the same servers (go test ./... runs packages in
// parallel, all logged in as the same user from 127.0.0.1): this test
// connects from an address of its own in 127.0.0.0/8 (Linux routes the
// whole block to the loopback interface; the servers listen on 127.0.0.1
// and accept any client address), chosen at random and unused when the
// test starts. Every log line and every socket with that address is this
// test's. Two counts, both required to be exact:
//
//   - the server's own log of logins, read from the offset the log had
//     when the test started: vsftpd "CONNECT: Client" and "OK LOGIN:
//     Client" lines, proftpd "PASS (hidden) -> 230" lines (ExtendedLog),
//     pyftpdlib "FTP session opened" and "logged in" lines. pure-ftpd logs
//     logins only to syslog, and the built-in server not at all;
//   - on every server, the TCP connections to the server's control port
//     from that address, from /proc/net/tcp: the set of client ports seen
//     after every Open and every Close, plus those still listed at the end
//     (a closed connection stays listed in TIME_WAIT for 60 s, on the side
//     that closed first, so a connection dropped and replaced between two
//     looks is still counted).
func TestFilesReuseOneChildConnection(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts connections in /proc/net/tcp and binds to 127.x.y.z: Linux only")
	}
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		t.Parallel() // each subtest has its own address
		ip := freeLoopback(t, s.Port)
		logPath := os.Getenv("FTP_" + strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_")) + "_LOG")
		var logStart int64 = -1
		if fi, err := os.Stat(logPath); err == nil && logFormats[s.Kind()] {
			logStart = fi.Size()
		}
		o := options(s)
		o.MaxConnections = 3
		o.SessionFactory = boundFactory(ip)
		h := dial(t, o)
		dir := testservers.Scratch(t, s)

		ports := map[int]bool{}
		look := func() {
			for p := range controlConns(t, ip, s.Port) {
				ports[p] = true
			}
		}
		look()
		if len(ports) != 1 {
			t.Fatalf("after Dial: %d connections from %s, want 1", len(ports), ip)
		}

		big := bytes.Repeat([]byte("0123456789abcde\n"), 1<<20/16) // 1 MiB
		writeFile(t, h, dir+"/big", "wb", big)
		look()
		const files = 200 // big is the first
		written := 1
		for i := 1; i < files; i++ {
			var err error
			switch i % 5 {
			case 1: // a binary write
				written++
				writeFile(t, h, fmt.Sprintf("%s/f%d", dir, i), "wb", []byte(fmt.Sprintf("file %d\n", i)))
			case 2: // a binary read to the end
				var got []byte
				got, err = readFile(h, fmt.Sprintf("%s/f%d", dir, i-1), "rb", -1)
				if want := fmt.Sprintf("file %d\n", i-1); err == nil && string(got) != want {
					err = fmt.Errorf("read back %q, want %q", got, want)
				}
			case 3: // a text write
				written++
				writeFile(t, h, fmt.Sprintf("%s/t%d", dir, i), "w", []byte("line one\nline two\n"))
			case 4: // a text read closed after one line of the big file: ABOR
				var got []byte
				got, err = readFile(h, dir+"/big", "r", 1)
				if err == nil && string(got) != "0123456789abcde\n" {
					err = fmt.Errorf("first line %q", got)
				}
			case 0: // a small file closed before reading: ABOR after the server sent it all
				_, err = readFile(h, fmt.Sprintf("%s/f%d", dir, i-4), "rb", 0)
			}
			if err != nil {
				t.Fatalf("file %d: %v", i, err)
			}
			look()
		}
		look()
		if len(ports) != 1 {
			t.Errorf("%d files opened and closed one after the other: %d connections to port %d from %s (ports %v), want 1 (the host's, lent to each file)",
				files, len(ports), s.Port, ip, ports)
		}
		checkLog := func(want int) {
			t.Helper()
			if logStart < 0 {
				return
			}
			connects, logins := countLogins(t, s.Kind(), logPath, logStart, ip, want)
			t.Logf("%s: server log: %d connects, %d logins from %s; /proc/net/tcp: %d connections", s.Name, connects, logins, ip, len(ports))
			if logins != want || (connects >= 0 && connects != want) {
				t.Errorf("server log %s: %d connects, %d logins from %s, want %d", logPath, connects, logins, ip, want)
			}
		}
		checkLog(1)
		if logStart < 0 {
			t.Logf("%s: no protocol log; counted %d connections in /proc/net/tcp", s.Name, len(ports))
		}

		// The counts do see new connections: two files open at once need
		// a second connection, max_connections (3) refuses a third file
		// (the host's place is kept), and the host, still usable, takes
		// that place with a third connection.
		f1, err := h.Open(context.Background(), dir+"/big", FileOptions{Mode: "rb"})
		if err != nil {
			t.Fatal(err)
		}
		f2, err := h.Open(context.Background(), dir+"/f1", FileOptions{Mode: "rb"})
		if err != nil {
			t.Fatal(err)
		}
		if f3, err := h.Open(context.Background(), dir+"/f1", FileOptions{Mode: "rb"}); err == nil {
			f3.Close()
			t.Errorf("a third file open at once: max_connections 3 did not refuse it")
		}
		look()
		if len(ports) != 2 {
			t.Errorf("two files open at once: %d connections (ports %v), want 2", len(ports), ports)
		}
		if names, err := h.Listdir(context.Background(), dir); err != nil || len(names) != written {
			t.Errorf("listdir while two files are open: %d names, %v", len(names), err)
		}
		look()
		f1.Close()
		f2.Close()
		if len(ports) != 3 {
			t.Errorf("two files open at once and a listing: %d connections (ports %v), want 3", len(ports), ports)
		}
		checkLog(3)
	})
}

// writeFile writes body to a new remote file through Open.
func writeFile(t *testing.T, h *Host, name, mode string, body []byte) {
	t.Helper()
	f, err := h.Open(context.Background(), name, FileOptions{Mode: mode})
	if err != nil {
		t.Fatalf("open %s for writing: %v", name, err)
	}
	if _, err := f.Write(body); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close %s: %v", name, err)
	}
}

// readFile reads a remote file through Open: all of it (lines < 0), its
// first lines (ReadLine), or nothing (lines == 0), then closes it.
func readFile(h *Host, name, mode string, lines int) ([]byte, error) {
	f, err := h.Open(context.Background(), name, FileOptions{Mode: mode})
	if err != nil {
		return nil, err
	}
	var got []byte
	if lines < 0 {
		got, err = io.ReadAll(f)
	}
	for ; lines > 0 && err == nil; lines-- {
		var l string
		l, err = f.ReadLine()
		got = append(got, l...)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return got, err
}

// boundFactory is DefaultSessionFactory connecting from ip.
func boundFactory(ip string) SessionFactory {
	return func(ctx context.Context, o *Options) (Session, error) {
		cfg := ftpconn.Config{
			Addr:      net.JoinHostPort(o.Host, strconv.Itoa(o.port())),
			User:      o.User,
			Password:  o.Password,
			Account:   o.Account,
			Active:    o.Active,
			Timeout:   o.timeout(),
			Debug:     o.Debug,
			UTF8:      o.encoding() == "utf-8",
			LocalAddr: ip,
		}
		if o.TLS != TLSNone {
			tc, err := o.tlsConfig()
			if err != nil {
				return nil, err
			}
			cfg.TLS, cfg.TLSConfig = ftpconn.TLSExplicit, tc
		}
		return ftpconn.Dial(ctx, cfg)
	}
}

// freeLoopback picks an address 127.a.b.c (a != 0) that no socket of
// this machine uses with the server's port.
func freeLoopback(t *testing.T, port int) string {
	t.Helper()
	for range 20 {
		ip := fmt.Sprintf("127.%d.%d.%d", 100+rand.IntN(150), 1+rand.IntN(254), 1+rand.IntN(254))
		if len(controlConns(t, ip, port)) == 0 {
			return ip
		}
	}
	t.Fatal("no free loopback address found")
	return ""
}

// controlConns returns the client ports of the TCP connections between ip
// and 127.0.0.1:port, in any state, seen from either end.
func controlConns(t *testing.T, ip string, port int) map[int]bool {
	t.Helper()
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Fatalf("counting connections: %v", err)
	}
	defer f.Close()
	server := net.IPv4(127, 0, 0, 1).To4()
	client := net.ParseIP(ip).To4()
	out := map[int]bool{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 {
			continue
		}
		lip, lport, ok1 := procAddr(fields[1])
		rip, rport, ok2 := procAddr(fields[2])
		if !ok1 || !ok2 {
			continue
		}
		switch {
		case lip.Equal(client) && rip.Equal(server) && rport == port:
			out[lport] = true
		case lip.Equal(server) && lport == port && rip.Equal(client):
			out[rport] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading /proc/net/tcp: %v", err)
	}
	return out
}

// procAddr decodes "0100007F:2745": the address as a 32-bit word in host
// byte order (little-endian on the machines this runs on), the port in
// hex.
func procAddr(s string) (net.IP, int, bool) {
	a, p, ok := strings.Cut(s, ":")
	b, err := hex.DecodeString(a)
	if !ok || err != nil || len(b) != 4 {
		return nil, 0, false
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return nil, 0, false
	}
	return net.IPv4(b[3], b[2], b[1], b[0]), int(port), true
}

// logFormats are the servers whose protocol log countLogins reads.
var logFormats = map[string]bool{"vsftpd": true, "proftpd": true, "pyftpdlib": true}

// countLogins counts, in what the server logged from offset on, the
// connections (-1: the log does not show them) and the logins from ip.
func countLogins(t *testing.T, kind, path string, offset int64, ip string, want int) (connects, logins int) {
	t.Helper()
	var conn, login *regexp.Regexp
	q := regexp.QuoteMeta(ip)
	switch kind {
	case "vsftpd":
		conn = regexp.MustCompile(`\] CONNECT: Client "` + q + `"$`)
		login = regexp.MustCompile(`\] OK LOGIN: Client "` + q + `"$`)
	case "proftpd":
		login = regexp.MustCompile(` ` + q + ` PASS \S+ -> 230$`)
	case "pyftpdlib":
		conn = regexp.MustCompile(` ` + q + `:\d+-\[\] FTP session opened \(connect\)$`)
		login = regexp.MustCompile(` ` + q + `:\d+-\[[^\]]*\] USER '[^']*' logged in\.$`)
	default:
		t.Fatalf("no log format known for %s", kind)
	}
	// the servers write each line as it happens; give a slow one a moment
	deadline := time.Now().Add(2 * time.Second)
	for {
		connects, logins = 0, 0
		if conn == nil {
			connects = -1
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("server log: %v", err)
		}
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if conn != nil && conn.MatchString(line) {
				connects++
			}
			if login.MatchString(line) {
				logins++
			}
		}
		f.Close()
		if logins >= want || time.Now().After(deadline) {
			return connects, logins
		}
		time.Sleep(100 * time.Millisecond)
	}
}
