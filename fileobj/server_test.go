package fileobj

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/ftpconn"
	"github.com/ftplua/ftplua/internal/testservers"
)

// These tests run every mode against every server: the built-in one
// (plain and TLS) and the eight real ones when their environment is set
// (see internal/testservers). Each writes only inside its Scratch
// directory and checks the result on disk, in the folder the server
// serves.

func config(t testing.TB, s testservers.Server) ftpconn.Config {
	t.Helper()
	cfg := ftpconn.Config{Addr: s.Addr(), User: s.User, Password: s.Password, Timeout: 20 * time.Second, UTF8: true}
	if s.TLS {
		pemBytes, err := os.ReadFile(s.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pemBytes)
		cfg.TLS = ftpconn.TLSExplicit
		cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: s.Host}
	}
	return cfg
}

// dialIn connects and changes to dir.
func dialIn(t testing.TB, s testservers.Server, dir string) *ftpconn.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := ftpconn.Dial(ctx, config(t, s))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if code, msg, err := c.Cmd(ctx, "CWD "+dir); err != nil || code != 250 {
		t.Fatalf("CWD %s: %d %q %v", dir, code, msg, err)
	}
	return c
}

func allServers(t *testing.T) []testservers.Server {
	return append(testservers.All(t), testservers.Builtin(t, true))
}

// serverEnv is one server with a connection in a fresh scratch directory.
type serverEnv struct {
	t     *testing.T
	s     testservers.Server
	c     *ftpconn.Conn
	local string // the scratch directory on disk
	rel   releases
}

func newEnv(t *testing.T, s testservers.Server) *serverEnv {
	dir := testservers.Scratch(t, s)
	return &serverEnv{t: t, s: s, c: dialIn(t, s, dir), local: filepath.Join(s.Root, dir)}
}

// open opens on the env's connection and checks that release comes once.
func (e *serverEnv) open(name string, o Options) (*File, error) {
	before := len(e.rel.calls)
	f, err := Open(context.Background(), e.c, name, o, e.rel.fn)
	if err != nil && len(e.rel.calls) != before+1 {
		e.t.Fatalf("failed Open did not release")
	}
	return f, err
}

func (e *serverEnv) put(name string, o Options, data string) {
	e.t.Helper()
	f, err := e.open(name, o)
	if err != nil {
		e.t.Fatalf("open %q %+v: %v", name, o, err)
	}
	if data != "" {
		if n, err := f.WriteString(data); err != nil || n != len(data) {
			e.t.Fatalf("write %q: %d %v", name, n, err)
		}
	}
	if err := f.Close(); err != nil {
		e.t.Fatalf("close %q %+v: %v", name, o, err)
	}
	if last := e.rel.calls[len(e.rel.calls)-1]; last != nil {
		e.t.Fatalf("released with %v", last)
	}
}

func (e *serverEnv) get(name string, o Options) string {
	e.t.Helper()
	f, err := e.open(name, o)
	if err != nil {
		e.t.Fatalf("open %q %+v: %v", name, o, err)
	}
	s, err := f.ReadChars(-1)
	if err != nil {
		e.t.Fatalf("read %q: %v", name, err)
	}
	if err := f.Close(); err != nil {
		e.t.Fatalf("close %q: %v", name, err)
	}
	return s
}

func (e *serverEnv) lines(name string, o Options) []string {
	e.t.Helper()
	f, err := e.open(name, o)
	if err != nil {
		e.t.Fatalf("open %q %+v: %v", name, o, err)
	}
	lines, err := f.ReadLines()
	if err != nil {
		e.t.Fatalf("readlines %q: %v", name, err)
	}
	if err := f.Close(); err != nil {
		e.t.Fatalf("close %q: %v", name, err)
	}
	return lines
}

// onDisk is the file's content as the server stored it.
func (e *serverEnv) onDisk(name string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.local, name))
	if err != nil {
		e.t.Fatalf("on disk: %v", err)
	}
	return string(b)
}

func (e *serverEnv) wantDisk(name, want string) {
	e.t.Helper()
	if got := e.onDisk(name); got != want {
		e.t.Errorf("%s on disk: %q, want %q", name, got, want)
	}
}

// noop shows the control connection is still in step.
func (e *serverEnv) noop() {
	e.t.Helper()
	if code, msg, err := e.c.Cmd(context.Background(), "NOOP"); err != nil || code != 200 {
		e.t.Fatalf("NOOP: %d %q %v", code, msg, err)
	}
}

func replyCode(err error) int {
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		return tpErr.Code
	}
	return 0
}

func TestServerWriteModes(t *testing.T) {
	binary := make([]byte, 0, 3*256)
	for i := 0; i < 3*256; i++ {
		binary = append(binary, byte(i))
	}
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			e := newEnv(t, s)
			// w, then a to an existing and to a new file
			e.put("text.txt", Options{Mode: "w"}, "line1\nlïne2\n")
			e.wantDisk("text.txt", "line1\nlïne2\n")
			e.put("text.txt", Options{Mode: "a"}, "line3\r\n")
			e.wantDisk("text.txt", "line1\nlïne2\nline3\r\n")
			e.put("new-a.txt", Options{Mode: "at"}, "fresh\n")
			e.wantDisk("new-a.txt", "fresh\n")
			// text with an encoding and a newline
			e.put("latin.txt", Options{Mode: "wt", Encoding: "latin-1", Newline: strp("\r\n")}, "line1\nlïne2\n")
			e.wantDisk("latin.txt", "line1\r\nl\xefne2\r\n")
			// wb, then ab
			e.put("data.bin", Options{Mode: "wb"}, string(binary))
			e.wantDisk("data.bin", string(binary))
			e.put("data.bin", Options{Mode: "ab"}, "\r\n\x00tail")
			e.wantDisk("data.bin", string(binary)+"\r\n\x00tail")
			e.put("new-ab.bin", Options{Mode: "ab"}, "\xff\xfe")
			e.wantDisk("new-ab.bin", "\xff\xfe")
			// w replaces
			e.put("new-ab.bin", Options{Mode: "wb"}, "short")
			e.wantDisk("new-ab.bin", "short")
			// read back, r and rb
			if got := e.get("text.txt", Options{}); got != "line1\nlïne2\nline3\n" {
				t.Errorf("r: %q", got)
			}
			if got := e.get("text.txt", Options{Mode: "rb"}); got != "line1\nlïne2\nline3\r\n" {
				t.Errorf("rb: %q", got)
			}
			if got := e.get("latin.txt", Options{Mode: "rt", Encoding: "latin-1"}); got != "line1\nlïne2\n" {
				t.Errorf("r latin-1: %q", got)
			}
			if got := e.get("data.bin", Options{Mode: "rb"}); got != string(binary)+"\r\n\x00tail" {
				t.Errorf("rb of binary data: %d bytes", len(got))
			}
			e.noop()
		})
	}
}

// REST before RETR and before STOR. What a server does with REST+STOR is
// its own affair; these are the results, per server.
func TestServerRest(t *testing.T) {
	type restResult struct {
		existing string // "abcdefghijkl" after REST 3 + STOR "123"
		missing  string // a file that did not exist, after REST 3 + STOR "123"
		code     int    // or the refusal of that STOR, at Open
	}
	want := map[string]restResult{
		"builtin":   {"abc123ghijkl", "\x00\x00\x00123", 0},
		"vsftpd":    {"abc123ghijkl", "\x00\x00\x00123", 0},
		"proftpd":   {"abc123ghijkl", "", 554}, // "REST: invalid new.bin argument" (AllowStoreRestart on)
		"pureftpd":  {"abc123", "123", 0},      // truncates at the offset; ignores it for a new file
		"pyftpdlib": {"abc123ghijkl", "", 550}, // "No such file or directory."
	}
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			w, ok := want[s.Kind()]
			if !ok {
				t.Fatalf("no expectation for %s", s.Kind())
			}
			e := newEnv(t, s)
			const body = "line1\nläne2\r\nline3"
			e.put("rest.txt", Options{Mode: "wb"}, body)
			for _, rest := range []int64{3, 7, int64(len(body))} {
				if got := e.get("rest.txt", Options{Mode: "rb", Rest: rest}); got != body[rest:] {
					t.Errorf("rb rest %d: %q, want %q", rest, got, body[rest:])
				}
			}
			// a REST read closed early, then a plain one on the same connection
			f, err := e.open("rest.txt", Options{Mode: "rb", Rest: 6})
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := f.ReadChars(2); s != "lä"[:2] {
				t.Errorf("read %q", s)
			}
			if err := f.Close(); err != nil {
				t.Errorf("early close: %v", err)
			}
			if got := e.get("rest.txt", Options{Mode: "rb"}); got != body {
				t.Errorf("after early close: %q", got)
			}

			e.put("r.bin", Options{Mode: "wb"}, "abcdefghijkl")
			e.put("r.bin", Options{Mode: "wb", Rest: 3}, "123")
			e.wantDisk("r.bin", w.existing)
			f, err = e.open("new.bin", Options{Mode: "wb", Rest: 3})
			if w.code != 0 {
				if got := replyCode(err); got != w.code {
					t.Errorf("REST+STOR of a new file: %v, want reply %d", err, w.code)
				}
				if f != nil {
					f.Close()
				}
			} else {
				if err != nil {
					t.Fatalf("REST+STOR of a new file: %v", err)
				}
				f.WriteString("123")
				if err := f.Close(); err != nil {
					t.Fatalf("close: %v", err)
				}
				e.wantDisk("new.bin", w.missing)
			}
			e.noop()
		})
	}
}

func TestServerTextRead(t *testing.T) {
	utf8Body := "a\r\nb\rc\nü€\r\n\r\rlast"
	latinBody := "Gr\xfc\xdfe\r\nw\xf6rld\rend\n"
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			e := newEnv(t, s)
			e.put("u.txt", Options{Mode: "wb"}, utf8Body)
			e.put("l.txt", Options{Mode: "wb"}, latinBody)
			check := func(name string, o Options, want []string) {
				t.Helper()
				if got := e.lines(name, o); !equalLines(got, want) {
					t.Errorf("%s %+v: lines %q, want %q", name, o, got, want)
				}
				if got := e.get(name, o); got != strings.Join(want, "") {
					t.Errorf("%s %+v: read %q, want %q", name, o, got, strings.Join(want, ""))
				}
			}
			check("u.txt", Options{}, []string{"a\n", "b\n", "c\n", "ü€\n", "\n", "\n", "last"})
			check("u.txt", Options{Newline: strp("")}, []string{"a\r\n", "b\r", "c\n", "ü€\r\n", "\r", "\r", "last"})
			check("u.txt", Options{Newline: strp("\r\n")}, []string{"a\r\n", "b\rc\nü€\r\n", "\r\rlast"})
			check("u.txt", Options{Mode: "rb"}, []string{"a\r\n", "b\rc\n", "ü€\r\n", "\r\rlast"})
			check("l.txt", Options{Encoding: "latin-1"}, []string{"Grüße\n", "wörld\n", "end\n"})
			check("l.txt", Options{Encoding: "iso-8859-1", Newline: strp("\r")}, []string{"Grüße\r", "\nwörld\r", "end\n"})
			check("l.txt", Options{Errors: "replace"}, []string{"Gr\uFFFD\uFFFDe\n", "w\uFFFDrld\n", "end\n"})
			// strict UTF-8 on latin-1 bytes: an error, and the connection
			// stays usable after Close aborts the download
			f, err := e.open("l.txt", Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.ReadChars(-1)
			var de *DecodeError
			if got != "Gr" || !errors.As(err, &de) || de.Offset != 2 {
				t.Errorf("strict read of latin-1 as UTF-8: %q %v", got, err)
			}
			if err := f.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			e.noop()
		})
	}
}

func TestServerEmptyFile(t *testing.T) {
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			e := newEnv(t, s)
			for _, mode := range []string{"w", "wb"} {
				name := "empty-" + mode
				e.put(name, Options{Mode: mode}, "")
				e.wantDisk(name, "")
				for _, rmode := range []string{"r", "rb"} {
					f, err := e.open(name, Options{Mode: rmode})
					if err != nil {
						t.Fatal(err)
					}
					if l, err := f.ReadLine(); l != "" || err != io.EOF {
						t.Errorf("%s %s: ReadLine %q %v", name, rmode, l, err)
					}
					if n, err := f.Read(make([]byte, 10)); n != 0 || err != io.EOF {
						t.Errorf("%s %s: Read %d %v", name, rmode, n, err)
					}
					if err := f.Close(); err != nil {
						t.Errorf("%s %s: Close %v", name, rmode, err)
					}
				}
			}
			e.noop()
		})
	}
}

func TestServerMissingFile(t *testing.T) {
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			e := newEnv(t, s)
			for _, mode := range []string{"r", "rb"} {
				_, err := e.open("missing.txt", Options{Mode: mode})
				var pe *fs.PathError
				if !errors.As(err, &pe) || pe.Op != "open" || pe.Path != "missing.txt" || replyCode(err) != 550 {
					t.Errorf("%s: %v, want a PathError holding a 550 reply", mode, err)
				}
				if last := e.rel.calls[len(e.rel.calls)-1]; last != nil {
					t.Errorf("released with %v after a refusal", last)
				}
			}
			e.noop()
			e.put("after.txt", Options{Mode: "w"}, "ok\n")
			if got := e.get("after.txt", Options{}); got != "ok\n" {
				t.Errorf("after a refusal: %q", got)
			}
		})
	}
}

// Uploads the server refuses. Every real server refuses at Open (the reply
// to STOR/APPE); none accepts and then fails the transfer at Close. The
// built-in server runs inside the test process, as root here: it can
// write into a 0555 directory; and it accepts RETR of a directory, failing
// it in the final reply, at Close (with TLS, the data connection may be
// reset first, which Read reports).
func TestServerRefusedUpload(t *testing.T) {
	type refusal struct {
		readOnly int // STOR into a 0555 directory, at Open
		storDir  int // STOR onto a directory's name, at Open
		retrDir  int // RETR of a directory, at Open
	}
	want := map[string]refusal{
		"builtin":   {0, 550, 0},
		"vsftpd":    {553, 553, 550}, // "Could not create file." / "Failed to open file."
		"proftpd":   {550, 550, 550}, // "x.txt: Permission denied" / "adir: Not a regular file"
		"pureftpd":  {553, 553, 550}, // "Can't open that file: Permission denied" / "...: Is a directory"
		"pyftpdlib": {550, 550, 550}, // "Permission denied." / "Is a directory."
	}
	root := os.Geteuid() == 0
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			w := want[s.Kind()]
			if s.Kind() == "builtin" && !root {
				w.readOnly = -1 // some refusal
			}
			e := newEnv(t, s)
			ro := filepath.Join(e.local, "ro")
			if err := os.Mkdir(ro, 0o555); err != nil {
				t.Fatal(err)
			}
			os.Chmod(ro, 0o555)
			if err := os.Mkdir(filepath.Join(e.local, "adir"), 0o777); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if code, _, err := e.c.Cmd(ctx, "CWD ro"); err != nil || code != 250 {
				t.Fatalf("CWD ro: %d %v", code, err)
			}
			for _, mode := range []string{"w", "wb", "a", "ab"} {
				f, err := e.open("x.txt", Options{Mode: mode})
				switch {
				case w.readOnly == 0:
					if err != nil {
						t.Fatalf("%s into 0555 as root: %v", mode, err)
					}
					f.WriteString("data\n")
					if err := f.Close(); err != nil {
						t.Fatalf("%s: close %v", mode, err)
					}
				case w.readOnly < 0 && replyCode(err)/100 != 5, w.readOnly > 0 && replyCode(err) != w.readOnly:
					t.Errorf("%s into 0555: %v, want reply %d at Open", mode, err, w.readOnly)
				}
				if f == nil && e.rel.calls[len(e.rel.calls)-1] != nil {
					t.Errorf("released with %v after a refusal", e.rel.calls[len(e.rel.calls)-1])
				}
			}
			if code, _, err := e.c.Cmd(ctx, "CWD .."); err != nil || code != 250 {
				t.Fatalf("CWD ..: %d %v", code, err)
			}
			if _, err := e.open("adir", Options{Mode: "wb"}); replyCode(err) != w.storDir {
				t.Errorf("STOR onto a directory: %v, want reply %d", err, w.storDir)
			}
			f, err := e.open("adir", Options{Mode: "rb"})
			if w.retrDir != 0 {
				if replyCode(err) != w.retrDir {
					t.Errorf("RETR of a directory: %v, want reply %d", err, w.retrDir)
				}
			} else {
				// accepted: the failure comes with the final reply. With
				// TLS the server may reset the data connection during the
				// handshake: then Read fails, and Close repeats that error.
				if err != nil {
					t.Fatalf("RETR of a directory: %v", err)
				}
				_, rerr := f.ReadChars(-1)
				cerr := f.Close()
				var pe *fs.PathError
				switch {
				case rerr == nil && (replyCode(cerr) != 550 || !errors.As(cerr, &pe) || pe.Op != "close"):
					t.Errorf("Close of RETR of a directory: %v, want a 550 reply", cerr)
				case rerr != nil && (!s.TLS || cerr == nil):
					t.Errorf("RETR of a directory: read %v, close %v", rerr, cerr)
				}
				if last := e.rel.calls[len(e.rel.calls)-1]; last != nil {
					t.Errorf("released with %v after a final 550", last)
				}
			}
			e.noop()
		})
	}
}

// Closing a download early aborts it without error, on every server, and
// leaves the connection usable (ftpconn sends ABOR; pure-ftpd over TLS
// used to leave it broken before that), within well under a second.
// Closing a download at its exact end (before io.EOF was seen) is not an
// abort.
func TestServerAbortRead(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef\n"), 4<<20/17) // ~4 MiB
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			e := newEnv(t, s)
			if err := os.WriteFile(filepath.Join(e.local, "big.txt"), big, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, mode := range []string{"rb", "r"} {
				f, err := e.open("big.txt", Options{Mode: mode})
				if err != nil {
					t.Fatal(err)
				}
				if l, err := f.ReadLine(); l != "0123456789abcdef\n" || err != nil {
					t.Fatalf("%s: %q %v", mode, l, err)
				}
				start := time.Now()
				if err := f.Close(); err != nil {
					t.Errorf("%s: early Close: %v", mode, err)
				}
				if d := time.Since(start); d > 500*time.Millisecond {
					t.Errorf("%s: early Close took %v", mode, d)
				}
				if last := e.rel.calls[len(e.rel.calls)-1]; last != nil {
					t.Fatalf("%s: released with %v after an abort", mode, last)
				}
				e.noop()
			}
			n, err := func() (int64, error) {
				f, err := e.open("big.txt", Options{Mode: "rb"})
				if err != nil {
					return 0, err
				}
				defer f.Close()
				return f.WriteTo(io.Discard)
			}()
			if n != int64(len(big)) || err != nil {
				t.Errorf("WriteTo: %d %v", n, err)
			}
			e.put("small.txt", Options{Mode: "wb"}, "1234")
			f, err := e.open("small.txt", Options{Mode: "rb"})
			if err != nil {
				t.Fatal(err)
			}
			if s, err := f.ReadChars(4); s != "1234" || err != nil {
				t.Fatalf("read %q %v", s, err)
			}
			if err := f.Close(); err != nil { // EOF not yet seen
				t.Errorf("Close at the exact end: %v", err)
			}
			if last := e.rel.calls[len(e.rel.calls)-1]; last != nil {
				t.Errorf("released with %v after a close at the end", last)
			}
			e.noop()
		})
	}
}
