package host

import (
	"context"
	"errors"
	"io"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/parse"
)

func options(s testservers.Server) Options {
	o := Options{Host: s.Host, Port: s.Port, User: s.User, Password: s.Password, Timeout: 20 * time.Second}
	if s.TLS {
		o.TLS, o.CAFile = TLSExplicit, s.CAFile
	}
	return o
}

func dial(t *testing.T, o Options) *Host {
	t.Helper()
	h, err := Dial(context.Background(), o)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestListdirEveryServer(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		if got := h.Getcwd(); got != "/" {
			t.Fatalf("Getcwd = %q", got)
		}
		names, err := h.Listdir(ctx, "sample")
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(names)
		if strings.Join(names, "|") != strings.Join(testservers.SampleNames, "|") {
			t.Errorf("Listdir(sample) = %q, want %q", names, testservers.SampleNames)
		}
		err = h.Chdir(ctx, "sample/nope")
		var he *Error
		if !errors.As(err, &he) || he.Class != PermanentError || he.Code != 550 || he.Path != "/sample/nope" {
			t.Fatalf("Chdir to a missing dir: %#v", err)
		}
		if !errors.Is(err, PermanentError) || !errors.Is(err, FTPOSError) || errors.Is(err, TemporaryError) {
			t.Error("errors.Is does not follow the class hierarchy")
		}
		var tp *textproto.Error
		if !errors.As(err, &tp) || tp.Code != 550 {
			t.Error("the reply is not kept as *textproto.Error")
		}
		if h.Getcwd() != "/" {
			t.Errorf("cwd changed after a failed Chdir: %q", h.Getcwd())
		}
	})
}

// rejectListA is an embedder's session: a real session that refuses
// "LIST -a" as some servers do, or lists nothing for it, as servers that
// take "-a" for a file name do.
type rejectListA struct {
	Session
	mode  string // "refuse" or "empty"
	lists []string
}

func (r *rejectListA) Transfer(ctx context.Context, cmd string, off int64) (io.ReadWriteCloser, error) {
	r.lists = append(r.lists, cmd)
	if cmd == "LIST -a" {
		if r.mode == "refuse" {
			return nil, &textproto.Error{Code: 501, Msg: "Illegal option"}
		}
		cmd = "LIST /sample/olddir" // an empty listing
	}
	return r.Session.Transfer(ctx, cmd, off)
}

func TestListAFallback(t *testing.T) {
	s := testservers.Builtin(t, false)
	for _, mode := range []string{"refuse", "empty"} {
		t.Run(mode, func(t *testing.T) {
			var sess *rejectListA
			o := options(s)
			o.SessionFactory = func(ctx context.Context, o *Options) (Session, error) {
				inner, err := DefaultSessionFactory(ctx, o)
				sess = &rejectListA{Session: inner, mode: mode}
				return sess, err
			}
			h := dial(t, o)
			ctx := context.Background()
			for i := 0; i < 2; i++ {
				names, err := h.Listdir(ctx, "sample/subdir")
				if err != nil || len(names) != 1 || names[0] != "inner.txt" {
					t.Fatalf("Listdir = %q, %v", names, err)
				}
			}
			// the first listing found out; the second went straight to LIST
			want := "LIST -a,LIST,LIST"
			if got := strings.Join(sess.lists, ","); got != want {
				t.Errorf("listing commands %q, want %q", got, want)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	o, err := ParseURL("ftpes://bob:p%40ss@example.com:2121/pub/a%20b")
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Host: "example.com", Port: 2121, User: "bob", Password: "p@ss", TLS: TLSExplicit, Dir: "pub/a b"}
	if o.Host != want.Host || o.Port != want.Port || o.User != want.User || o.Password != want.Password || o.TLS != want.TLS || o.Dir != want.Dir {
		t.Errorf("ParseURL = %+v", o)
	}
	if o, _ := ParseURL("ftps://[::1]/"); o.Host != "::1" || o.TLS != TLSImplicit || o.port() != 990 {
		t.Errorf("implicit TLS IPv6: %+v port %d", o, o.port())
	}
	for _, bad := range []string{"http://u:s3cret@h/", "ftp://u:s3cret@h:99999/", "ftp://u:s3cret@/x",
		"ftp://u:s3cret@h/?q=1", "ftp://u:s3cret@h:%zz/", "u:s3cret@host", "ftp://:1", "ftp://u:s3cret@:21/"} {
		_, err := ParseURL(bad)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL(%q) error shows the password: %v", bad, err)
		}
	}
}

func TestCredentials(t *testing.T) {
	dir := t.TempDir()
	netrc := filepath.Join(dir, "netrc")
	os.WriteFile(netrc, []byte("machine ftp.example.com login alice password wonder\n"+
		"machine ftp.example.com login bob password builder\n"+
		"default login anonymous password guest@\n"), 0o600)
	t.Setenv("NETRC", netrc)
	t.Setenv("FTPLUA_PASSWORD", "")
	cases := []struct {
		in, want Options
	}{
		{Options{Host: "ftp.example.com"}, Options{User: "alice", Password: "wonder"}},
		{Options{Host: "ftp.example.com", User: "bob"}, Options{User: "bob", Password: "builder"}},
		{Options{Host: "ftp.example.com", User: "bob", Password: "given"}, Options{User: "bob", Password: "given"}},
		{Options{Host: "other.org"}, Options{User: "anonymous", Password: "guest@"}},
		{Options{Host: "other.org", User: "carol"}, Options{User: "carol", Password: ""}},
	}
	for _, c := range cases {
		o := c.in
		o.fillCredentials()
		if o.User != c.want.User || o.Password != c.want.Password {
			t.Errorf("%+v: got user %q password %q, want %q %q", c.in, o.User, o.Password, c.want.User, c.want.Password)
		}
	}
	t.Setenv("FTPLUA_PASSWORD", "from-env")
	o := Options{Host: "ftp.example.com", User: "bob"}
	o.fillCredentials()
	if o.Password != "from-env" {
		t.Errorf("FTPLUA_PASSWORD not used: %q", o.Password)
	}
	t.Setenv("NETRC", filepath.Join(dir, "none"))
	o = Options{Host: "x"} // $FTPLUA_PASSWORD is not given away to an anonymous login
	o.fillCredentials()
	if o.User != "anonymous" || o.Password != "anonymous@" {
		t.Errorf("anonymous with $FTPLUA_PASSWORD set: %q %q", o.User, o.Password)
	}
	t.Setenv("FTPLUA_PASSWORD", "")
	o = Options{Host: "x"}
	o.fillCredentials()
	if o.User != "anonymous" || o.Password != "anonymous@" {
		t.Errorf("anonymous default: %q %q", o.User, o.Password)
	}
}

func TestErrorClasses(t *testing.T) {
	cases := []struct {
		code  int
		class Class
	}{{421, TemporaryError}, {450, TemporaryError}, {500, PermanentError}, {502, CommandNotImplementedError},
		{530, PermanentError}, {550, PermanentError}, {226, FTPOSError}}
	for _, c := range cases {
		e := replyError(c.code, "text", "PASS secret", "/p")
		if e.Class != c.class || e.Code != c.code || e.Message != strconv.Itoa(c.code)+" text" || e.Command != "PASS ****" {
			t.Errorf("replyError(%d) = %+v", c.code, e)
		}
	}
	if !CommandNotImplementedError.IsA(PermanentError) || !FTPIOError.IsA("OSError") || FTPIOError.IsA(FTPOSError) ||
		!RecursiveLinksError.IsA(FTPError) || ParserError.IsA(FTPOSError) || !TemporaryError.IsA("OSError") {
		t.Error("class hierarchy")
	}
	for _, c := range Classes() {
		if !c.Known() || (c != FTPError && c.Parent() == "") {
			t.Errorf("class %s has no parent", c)
		}
	}
	e := &Error{Class: PermanentError, Message: "550 Failed to change directory.", Path: "/x"}
	if got := e.Error(); got != "PermanentError: 550 Failed to change directory. (path: /x)" {
		t.Errorf("Error() = %q", got)
	}
	err := wrapError(context.DeadlineExceeded, "LIST", "/d")
	var he *Error
	if !errors.As(err, &he) || he.Class != FTPOSError || he.Code != 0 || !strings.HasPrefix(he.Message, "timed out") {
		t.Errorf("timeout maps to %#v", err)
	}
}

func TestRefusedPathsSendNothing(t *testing.T) {
	s := testservers.Builtin(t, false)
	var lines []string
	o := options(s)
	o.Debug = func(l string) { lines = append(lines, l) }
	h := dial(t, o)
	n := len(lines)
	ctx := context.Background()
	for _, p := range []string{"a\r\nDELE b", "x\ny", "nul\x00"} {
		if _, err := h.Listdir(ctx, p); err == nil {
			t.Errorf("Listdir(%q) accepted", p)
		}
		if err := h.Chdir(ctx, p); err == nil {
			t.Errorf("Chdir(%q) accepted", p)
		}
	}
	if len(lines) != n {
		t.Errorf("commands were sent: %q", lines[n:])
	}
}

func TestClosedHost(t *testing.T) {
	s := testservers.Builtin(t, false)
	h := dial(t, options(s))
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err := h.Listdir(context.Background(), "/")
	if !errors.Is(err, FTPOSError) || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Listdir on a closed host: %v", err)
	}
	if !strings.HasSuffix(h.String(), ", closed)") {
		t.Errorf("String() = %q", h.String())
	}
}

func TestInitialDirAndPWD(t *testing.T) {
	s := testservers.Builtin(t, false)
	o := options(s)
	o.Dir = "sample/subdir"
	h := dial(t, o)
	if h.Getcwd() != "/sample/subdir" {
		t.Errorf("Getcwd = %q", h.Getcwd())
	}
	o.Dir = "missing"
	if _, err := Dial(context.Background(), o); !errors.Is(err, PermanentError) {
		t.Errorf("Dial into a missing dir: %v", err)
	}
	for in, want := range map[string]string{
		`"/" is the current directory`:        "/",
		`"/a ""b"" c" is current`:             `/a "b" c`,
		`"/home/x/" is your current location`: "/home/x/",
	} {
		if got, ok := parsePWD(in); !ok || got != want {
			t.Errorf("parsePWD(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := parsePWD("no quotes"); ok {
		t.Error("parsePWD accepted a reply without quotes")
	}
}

func TestEncodingLatin1(t *testing.T) {
	s := testservers.Builtin(t, false)
	// a name stored as latin-1 bytes on the server
	if err := os.WriteFile(filepath.Join(s.Root, "sample", "d\xe9j\xe0.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o := options(s)
	o.Encoding = "latin-1"
	h := dial(t, o)
	names, err := h.Listdir(context.Background(), "sample")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		if n == "déjà.txt" {
			found = true
		}
	}
	if !found {
		t.Errorf("latin-1 name not decoded: %q", names)
	}
	o.Encoding = "klingon"
	if _, err := Dial(context.Background(), o); !errors.Is(err, NoEncodingError) {
		t.Errorf("unknown encoding: %v", err)
	}
}

// refuseChmod is an embedder's session over a real one whose server has
// no SITE CHMOD (it answers 502).
type refuseChmod struct{ Session }

func (r refuseChmod) Cmd(ctx context.Context, line string) (int, string, error) {
	if strings.HasPrefix(line, "SITE CHMOD") {
		return 502, "Command not implemented.", nil
	}
	return r.Session.Cmd(ctx, line)
}

func TestChmodRefused(t *testing.T) {
	s := testservers.Builtin(t, false)
	o := options(s)
	o.SessionFactory = func(ctx context.Context, o *Options) (Session, error) {
		inner, err := DefaultSessionFactory(ctx, o)
		return refuseChmod{inner}, err
	}
	h := dial(t, o)
	err := h.Chmod(context.Background(), "/sample/file.txt", 0o600)
	var he *Error
	if !errors.As(err, &he) || he.Class != CommandNotImplementedError || he.Code != 502 ||
		he.Command != "SITE CHMOD 0600 file.txt" || !errors.Is(err, PermanentError) {
		t.Errorf("chmod refused with 502: %#v", err)
	}
}

// Changes invalidate exactly the cache entries they affect.
func TestCacheInvalidation(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		d := testservers.Scratch(t, s)
		if err := h.Makedirs(ctx, d+"/a/b", false); err != nil {
			t.Fatal(err)
		}
		h.Mkdir(ctx, d+"/keep")
		for _, p := range []string{d, d + "/a", d + "/a/b"} {
			if _, err := h.Listdir(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		c := h.StatCache()
		for _, k := range []string{d + "/a", d + "/a/b", d + "/keep"} {
			if !c.Contains(k) {
				t.Fatalf("%s not cached after listing", k)
			}
		}
		if err := h.Rename(ctx, d+"/a", d+"/z"); err != nil {
			t.Fatal(err)
		}
		if c.Contains(d+"/a") || c.Contains(d+"/a/b") {
			t.Error("rename left entries of the old tree in the cache")
		}
		if !c.Contains(d + "/keep") {
			t.Error("rename dropped an unrelated entry")
		}
		if ok, _ := h.IsDir(ctx, d+"/z/b"); !ok {
			t.Error("renamed tree not found")
		}
		if err := h.Rmtree(ctx, d+"/z", false, nil); err != nil {
			t.Fatal(err)
		}
		if c.Contains(d+"/z") || c.Contains(d+"/z/b") {
			t.Error("rmtree left entries in the cache")
		}
		if ok, _ := h.Exists(ctx, d+"/z"); ok {
			t.Error("removed tree still exists")
		}
	})
}

// Close closes the children too, and is idempotent.
func TestCloseClosesChildren(t *testing.T) {
	s := testservers.Builtin(t, false)
	var sessions []*countClose
	o := options(s)
	o.SessionFactory = func(ctx context.Context, o *Options) (Session, error) {
		inner, err := DefaultSessionFactory(ctx, o)
		c := &countClose{Session: inner}
		sessions = append(sessions, c)
		return c, err
	}
	h := dial(t, o)
	ctx := context.Background()
	f1, _ := h.Open(ctx, "/sample/file.txt", FileOptions{})
	f2, _ := h.Open(ctx, "/sample/old.txt", FileOptions{})
	f2.Close()
	h.Close()
	h.Close()
	if len(sessions) != 2 { // the host's, lent to f1, and f2's
		t.Fatalf("%d sessions, want 2", len(sessions))
	}
	for i, c := range sessions {
		if c.closed != 1 {
			t.Errorf("session %d closed %d times", i, c.closed)
		}
	}
	f1.Close() // its child is gone: no panic, no hang
	if _, err := h.Open(ctx, "/sample/file.txt", FileOptions{}); !errors.Is(err, FTPOSError) {
		t.Errorf("open on a closed host: %v", err)
	}
}

type countClose struct {
	Session
	closed int
}

func (c *countClose) Close() error { c.closed++; return c.Session.Close() }

// hostileParser renames listed entries to names a hostile server might
// send, to show that none of them leads outside a local target folder.
type hostileParser struct{ parse.Unix }

func (p hostileParser) ParseLine(line string, ts float64) (StatResult, error) {
	st, err := p.Unix.ParseLine(line, ts)
	switch st.Name {
	case "file.txt":
		st.Name = "../escape"
	case "old.txt":
		st.Name = "a/../../b"
	case ".hidden":
		st.Name = "/etc/passwd"
	case "with space.txt":
		st.Name = "x\r\ny"
	case "café.txt":
		st.Name = "nul\x00byte"
	}
	return st, err
}

func TestHostileNames(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		h.SetParser(hostileParser{})
		names, err := h.Listdir(ctx, "/sample")
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(names)
		if got := strings.Join(names, ","); got != "broken,dirlink,link,olddir,subdir" {
			t.Errorf("listdir kept hostile names: %q", names)
		}
		parent := t.TempDir()
		target := filepath.Join(parent, "mirror")
		plan, err := h.SyncPlan(ctx, SyncOptions{Src: "/sample", Dst: target, Direction: "down"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Apply(ctx, plan, ApplyOptions{Parallel: 2}); err != nil {
			t.Fatal(err)
		}
		var outside []string
		filepath.Walk(parent, func(p string, fi os.FileInfo, err error) error {
			if err == nil && p != parent && p != target && !strings.HasPrefix(p, target+string(filepath.Separator)) {
				outside = append(outside, p)
			}
			return nil
		})
		if len(outside) > 0 {
			t.Errorf("written outside the target: %q", outside)
		}
		for _, a := range plan {
			if strings.Contains(a.Path, "..") || strings.ContainsAny(a.Path, "\r\n\x00") || strings.HasPrefix(a.Path, "/") {
				t.Errorf("plan holds %+v", a)
			}
		}
	})
}
