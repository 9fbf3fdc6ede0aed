package ftpconn

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
)

func config(t *testing.T, s testservers.Server) Config {
	t.Helper()
	cfg := Config{Addr: s.Addr(), User: s.User, Password: s.Password, Timeout: 20 * time.Second, UTF8: true}
	if s.TLS {
		pemBytes, err := os.ReadFile(s.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pemBytes)
		cfg.TLS = TLSExplicit
		cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: s.Host}
	}
	return cfg
}

func dial(t *testing.T, cfg Config) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func allServers(t *testing.T) []testservers.Server {
	return append(testservers.All(t), testservers.Builtin(t, true))
}

// TestLinkedInternals exercises the two jlaffaye internals linked by name
// (cmd for commands, checkDataShut for final replies) and the data
// connections opened here, on every server: a raw LIST, uploads (empty and
// not), a download, SITE CHMOD, and NOOP at the end to show the control
// stream is still in step. It fails if jlaffaye changes what those
// internals do.
func TestLinkedInternals(t *testing.T) {
	for _, s := range allServers(t) {
		s := s
		t.Run(s.Name, func(t *testing.T) {
			for _, active := range []bool{false, true} {
				cfg := config(t, s)
				cfg.Active = active
				checkConn(t, s, cfg)
			}
		})
	}
}

func checkConn(t *testing.T, s testservers.Server, cfg Config) {
	ctx := context.Background()
	c := dial(t, cfg)
	dir := testservers.Scratch(t, s)
	if code, msg, err := c.Cmd(ctx, "CWD "+dir); err != nil || code != 250 {
		t.Fatalf("CWD %s: %d %q %v", dir, code, msg, err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 6553) // 104,848 bytes
	for name, data := range map[string][]byte{"up.bin": body, "empty.bin": nil} {
		w, err := c.Transfer(ctx, "STOR "+name, 0)
		if err != nil {
			t.Fatalf("active=%v STOR %s: %v", cfg.Active, name, err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatalf("write: %v", err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("active=%v close after STOR %s: %v", cfg.Active, name, err)
		}
	}
	code, msg, err := c.Cmd(ctx, "SITE CHMOD 600 up.bin")
	if err != nil || code != 200 {
		t.Fatalf("SITE CHMOD: %d %q %v", code, msg, err)
	}
	r, err := c.Transfer(ctx, "RETR up.bin", 0)
	if err != nil {
		t.Fatalf("RETR: %v", err)
	}
	if s.TLS && (s.Kind() == "vsftpd" || s.Kind() == "proftpd") {
		// these two refuse a data connection that does not resume the
		// control connection's TLS session; show that it did
		tc := r.(*dataConn).conn.(*tlsData).Conn
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		if !tc.ConnectionState().DidResume {
			t.Errorf("data connection did not resume the TLS session")
		}
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("close after RETR: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("RETR returned %d bytes, want %d", len(got), len(body))
	}
	lines := list(t, c, "LIST -a")
	var sawUp, sawEmpty bool
	for _, l := range lines {
		if strings.HasSuffix(l, " up.bin") {
			sawUp = true
			if !strings.HasPrefix(l, "-rw-------") {
				t.Errorf("after SITE CHMOD 600: %q", l)
			}
			if !strings.Contains(l, " 104848 ") {
				t.Errorf("size of up.bin not in %q", l)
			}
		}
		if strings.HasSuffix(l, " empty.bin") {
			sawEmpty = true
		}
	}
	if !sawUp || !sawEmpty {
		t.Errorf("LIST -a lines %q lack up.bin or empty.bin", lines)
	}
	// REST: a download from an offset
	r, err = c.Transfer(ctx, "RETR up.bin", 100000)
	if err != nil {
		t.Fatalf("REST+RETR: %v", err)
	}
	got, _ = io.ReadAll(r)
	if err := r.Close(); err != nil || !bytes.Equal(got, body[100000:]) {
		t.Fatalf("REST 100000: %d bytes, close %v", len(got), err)
	}
	// a refused transfer is a reply error and leaves the stream in step
	_, err = c.Transfer(ctx, "RETR does-not-exist", 0)
	var tpErr *textproto.Error
	if !errors.As(err, &tpErr) || tpErr.Code != 550 {
		t.Fatalf("RETR of a missing file: %v, want a 550 reply", err)
	}
	for _, cmd := range []string{"DELE up.bin", "DELE empty.bin"} {
		if code, msg, err := c.Cmd(ctx, cmd); err != nil || code != 250 {
			t.Fatalf("%s: %d %q %v", cmd, code, msg, err)
		}
	}
	if code, _, err := c.Cmd(ctx, "NOOP"); err != nil || code != 200 {
		t.Fatalf("NOOP after all: %d %v", code, err)
	}
}

func list(t *testing.T, c *Conn, cmd string) []string {
	t.Helper()
	d, err := c.Transfer(context.Background(), cmd, 0)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("%s: read: %v", cmd, err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("%s: close: %v", cmd, err)
	}
	return strings.Split(strings.TrimRight(string(b), "\r\n"), "\r\n")
}

func TestRawListOfSample(t *testing.T) {
	for _, s := range testservers.All(t) {
		s := s
		t.Run(s.Name, func(t *testing.T) {
			c := dial(t, config(t, s))
			if code, _, err := c.Cmd(context.Background(), "CWD /sample"); err != nil || code != 250 {
				t.Fatalf("CWD /sample: %d %v", code, err)
			}
			lines := list(t, c, "LIST -a")
			joined := strings.Join(lines, "\n")
			for _, want := range []string{" file.txt", " .hidden", " with space.txt", " café.txt", " link -> file.txt", " dirlink -> subdir"} {
				if !strings.Contains(joined, want) {
					t.Errorf("raw LIST -a lacks %q:\n%s", want, joined)
				}
			}
		})
	}
}

func TestCommandInjectionRefused(t *testing.T) {
	s := testservers.Builtin(t, false)
	c := dial(t, config(t, s))
	for _, line := range []string{"NOOP\r\nDELE x", "CWD a\nb", "MKD x\r"} {
		if _, _, err := c.Cmd(context.Background(), line); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("Cmd(%q) = %v, want ErrInvalidCommand", line, err)
		}
		if _, err := c.Transfer(context.Background(), "RETR "+line, 0); !errors.Is(err, ErrInvalidCommand) {
			t.Errorf("Transfer(%q) = %v, want ErrInvalidCommand", line, err)
		}
	}
	if code, _, err := c.Cmd(context.Background(), "NOOP"); err != nil || code != 200 {
		t.Fatalf("NOOP: %d %v", code, err)
	}
}

func TestDebugMasksPassword(t *testing.T) {
	s := testservers.Builtin(t, false)
	cfg := config(t, s)
	cfg.Password = "s3cr3t-pw"
	cfg.User = "ftptest"
	var lines []string
	cfg.Debug = func(l string) { lines = append(lines, l) }
	_, err := Dial(context.Background(), cfg)
	if err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	var tpErr *textproto.Error
	if !errors.As(err, &tpErr) || tpErr.Code != 530 {
		t.Fatalf("wrong password: %v, want a 530 reply", err)
	}
	all := strings.Join(lines, "\n")
	if strings.Contains(all, "s3cr3t") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("password leaked:\n%s\n%v", all, err)
	}
	if !strings.Contains(all, "> PASS ****") || !strings.Contains(all, "> USER ftptest") || !strings.Contains(all, "< 220 ") {
		t.Fatalf("transcript lacks the login:\n%s", all)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	// a server that greets and then never answers
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("220 hello\r\n"))
			go io.Copy(io.Discard, c)
		}
	}()
	start := time.Now()
	_, err = Dial(context.Background(), Config{Addr: ln.Addr().String(), User: "u", Password: "p", Timeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("login to a silent server succeeded")
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	_, err = Dial(ctx, Config{Addr: ln.Addr().String(), User: "u", Password: "p"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled login: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("cancel took %v", d)
	}
}

func TestParsePassiveReplies(t *testing.T) {
	for msg, want := range map[string]int{
		"Entering Extended Passive Mode (|||30007|)": 30007,
		"EPSV ok (!!!1234!)":                         1234,
	} {
		if got, err := parseEPSV(msg); err != nil || got != want {
			t.Errorf("parseEPSV(%q) = %d, %v", msg, got, err)
		}
	}
	for _, bad := range []string{"", "(|||0|)", "(|||x|)", "(||||)", "(|||70000|)"} {
		if _, err := parseEPSV(bad); err == nil {
			t.Errorf("parseEPSV(%q) accepted", bad)
		}
	}
	for msg, want := range map[string]int{
		"Entering Passive Mode (127,0,0,1,117,51).": 30003,
		"Entering Passive Mode 127,0,0,1,4,1":       1025,
	} {
		if got, err := parsePASV(msg); err != nil || got != want {
			t.Errorf("parsePASV(%q) = %d, %v", msg, got, err)
		}
	}
	for _, bad := range []string{"", "(1,2,3)", "(127,0,0,1,300,1)", "(127,0,0,1,0,0)"} {
		if _, err := parsePASV(bad); err == nil {
			t.Errorf("parsePASV(%q) accepted", bad)
		}
	}
}

// A download closed early leaves the connection usable on every server,
// at once: before it read anything (TLS: the handshake is completed first,
// or vsftpd and pure-ftpd end the session), after a few bytes, in the
// middle, and after the server had sent the whole (small) file. Close
// sends ABOR and reads up to the reply of a NOOP (Conn.abort); PWD and
// NOOP afterwards must get their own replies (257, 200), so no reply was
// left unread nor a NOOP's reply taken for another's. Passive and active.
func TestAbortedDownloadKeepsConnection(t *testing.T) {
	for _, s := range allServers(t) {
		s := s
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := testservers.Scratch(t, s)
			files := map[string]int{"big": 4 << 20, "small": 1000}
			for _, active := range []bool{false, true} {
				cfg := config(t, s)
				cfg.Active = active
				var transcript []string
				cfg.Debug = func(l string) { transcript = append(transcript, l) }
				c := dial(t, cfg)
				if !active {
					for name, size := range files {
						w, err := c.Transfer(ctx, "STOR "+dir+"/"+name, 0)
						if err != nil {
							t.Fatal(err)
						}
						w.Write(bytes.Repeat([]byte("z"), size))
						if err := w.Close(); err != nil {
							t.Fatalf("upload of %s: %v", name, err)
						}
					}
				}
				for _, tc := range []struct {
					name string
					n    int
				}{{"big", 0}, {"big", 100}, {"big", 1 << 20}, {"small", 0}, {"small", 100}} {
					r, err := c.Transfer(ctx, "RETR "+dir+"/"+tc.name, 0)
					if err != nil {
						t.Fatal(err)
					}
					if tc.n > 0 {
						if _, err := io.ReadFull(r, make([]byte, tc.n)); err != nil {
							t.Fatal(err)
						}
					}
					if tc.name == "small" {
						time.Sleep(20 * time.Millisecond) // let the server finish
					}
					mark := len(transcript)
					start := time.Now()
					if err := r.Close(); err != nil {
						t.Errorf("active=%v: close of %s after %d bytes: %v", active, tc.name, tc.n, err)
					}
					took := time.Since(start)
					if c.Broken() {
						t.Fatalf("active=%v: connection broken by closing %s after %d bytes (%v):\n%s",
							active, tc.name, tc.n, took, strings.Join(transcript[mark:], "\n"))
					}
					if took > 500*time.Millisecond {
						t.Errorf("active=%v: closing %s after %d bytes took %v:\n%s",
							active, tc.name, tc.n, took, strings.Join(transcript[mark:], "\n"))
					}
					if code, msg, err := c.Cmd(ctx, "PWD"); err != nil || code != 257 {
						t.Fatalf("active=%v: PWD after closing %s at byte %d: %d %q %v\n%s",
							active, tc.name, tc.n, code, msg, err, strings.Join(transcript[mark:], "\n"))
					}
					if code, msg, err := c.Cmd(ctx, "NOOP"); err != nil || code != 200 {
						t.Fatalf("active=%v: NOOP after closing %s at byte %d: %d %q %v", active, tc.name, tc.n, code, msg, err)
					}
				}
				// the 4 MiB arrived whole (no reset lost the tail), and a
				// download read to its end needs no ABOR
				r, err := c.Transfer(ctx, "RETR "+dir+"/big", 0)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(r)
				mark := len(transcript)
				if err := r.Close(); err != nil {
					t.Errorf("close after a whole download: %v", err)
				}
				if len(got) != files["big"] {
					t.Errorf("read back %d bytes of %d", len(got), files["big"])
				}
				for _, l := range transcript[mark:] {
					if strings.HasPrefix(l, "> ABOR") {
						t.Errorf("ABOR sent after a whole download")
					}
				}
			}
		})
	}
}

// LocalAddr binds the control and the passive data connections.
func TestLocalAddr(t *testing.T) {
	s := testservers.Builtin(t, false)
	cfg := config(t, s)
	cfg.LocalAddr = "127.0.0.2"
	c := dial(t, cfg)
	if ip := c.ctrl.LocalAddr().(*net.TCPAddr).IP.String(); ip != "127.0.0.2" {
		t.Errorf("control connection from %s", ip)
	}
	r, err := c.Transfer(context.Background(), "LIST /sample", 0)
	if err != nil {
		t.Fatal(err)
	}
	if ip := r.(*dataConn).conn.LocalAddr().(*net.TCPAddr).IP.String(); ip != "127.0.0.2" {
		t.Errorf("data connection from %s", ip)
	}
	io.Copy(io.Discard, r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.LocalAddr = "not-an-ip"
	if _, err := Dial(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "not an IP") {
		t.Errorf("LocalAddr not-an-ip: %v", err)
	}
}
