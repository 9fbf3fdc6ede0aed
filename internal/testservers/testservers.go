// Package testservers gives tests the FTP servers to run against: the
// built-in local server always, and the real servers (vsftpd, proftpd,
// pure-ftpd, pyftpdlib, each plain and with explicit TLS) whose addresses
// spec/servers/start.sh put in the environment (FTP_<NAME>_HOST, ..._PORT,
// ..._USER, ..._PASSWORD, ..._ROOT, ..._TLS, ..._STATUS and FTP_CA_CERT).
//
// Locally a real server that is not configured is skipped with a message;
// with CI=true it fails the test, so CI cannot pass without all of them.
package testservers

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/localserver"
)

// Names lists the real server instances, in the order tests run them.
var Names = []string{"vsftpd", "vsftpd-tls", "proftpd", "proftpd-tls",
	"pureftpd", "pureftpd-tls", "pyftpdlib", "pyftpdlib-tls"}

// Server is one server to test against.
type Server struct {
	Name     string // "builtin", "vsftpd", "vsftpd-tls", ...
	Host     string
	Port     int
	User     string
	Password string
	TLS      bool   // explicit TLS (AUTH TLS)
	CAFile   string // PEM of the server certificate (TLS)
	Root     string // local folder the server serves as its root
}

// Addr is "host:port".
func (s Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// URL is "ftp://user:password@host:port/" ("ftpes://" with TLS), with
// user and password escaped.
func (s Server) URL() string {
	scheme := "ftp"
	if s.TLS {
		scheme = "ftpes"
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword(s.User, s.Password), Host: s.Addr(), Path: "/"}
	return u.String()
}

// Kind is the server's name without "-tls".
func (s Server) Kind() string { return strings.TrimSuffix(s.Name, "-tls") }

// Builtin starts a local server over a fresh folder holding the sample tree
// (see Seed), stopped when the test ends.
func Builtin(t testing.TB, tls bool) Server {
	t.Helper()
	root := t.TempDir()
	Seed(t, root)
	ls, err := localserver.Start(localserver.Options{Root: root, User: "ftptest", Password: "ftptest", TLS: tls})
	if err != nil {
		t.Fatalf("starting the built-in server: %v", err)
	}
	t.Cleanup(func() { ls.Close() })
	name := "builtin"
	if tls {
		name = "builtin-tls"
	}
	return Server{Name: name, Host: ls.Host, Port: ls.Port, User: ls.User, Password: ls.Password,
		TLS: tls, CAFile: ls.CAFile, Root: root}
}

// Real returns the configured real servers. A missing one is skipped in a
// subtest of its own with a message, or fails the test when CI=true.
func Real(t *testing.T) []Server {
	t.Helper()
	var out []Server
	for _, name := range Names {
		s, why := fromEnv(name)
		if why != "" {
			if os.Getenv("CI") == "true" {
				t.Errorf("server %s is not available (%s); CI=true needs all eight", name, why)
				continue
			}
			t.Run(name, func(t *testing.T) {
				t.Skipf("server %s not configured (%s): run `bash spec/test.sh`, or spec/servers/start.sh and source its env file", name, why)
			})
			continue
		}
		out = append(out, s)
	}
	return out
}

// All returns the built-in server and the configured real servers.
func All(t *testing.T) []Server {
	t.Helper()
	return append([]Server{Builtin(t, false)}, Real(t)...)
}

// Each runs fn as a subtest per server of All.
func Each(t *testing.T, fn func(t *testing.T, s Server)) {
	t.Helper()
	for _, s := range All(t) {
		s := s
		t.Run(s.Name, func(t *testing.T) { fn(t, s) })
	}
}

func envKey(name, field string) string {
	return "FTP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_" + field
}

func fromEnv(name string) (Server, string) {
	get := func(f string) string { return os.Getenv(envKey(name, f)) }
	if get("HOST") == "" || get("PORT") == "" {
		return Server{}, envKey(name, "HOST") + " not set"
	}
	if st := get("STATUS"); st != "" && st != "running" {
		return Server{}, "status " + st
	}
	port, err := strconv.Atoi(get("PORT"))
	if err != nil {
		return Server{}, "bad port " + get("PORT")
	}
	s := Server{Name: name, Host: get("HOST"), Port: port, User: get("USER"),
		Password: get("PASSWORD"), TLS: get("TLS") == "1", Root: get("ROOT"),
		CAFile: os.Getenv("FTP_CA_CERT")}
	if s.TLS && s.CAFile == "" {
		return Server{}, "FTP_CA_CERT not set"
	}
	return s, ""
}

// Seed makes the sample tree of spec/servers/start.sh under root:
// sample/{file.txt, old.txt, .hidden, with space.txt, café.txt,
// subdir/inner.txt, olddir/, link -> file.txt, dirlink -> subdir,
// broken -> missing}.
func Seed(t testing.TB, root string) {
	t.Helper()
	s := filepath.Join(root, "sample")
	must := func(err error) {
		if err != nil {
			t.Fatalf("seeding %s: %v", root, err)
		}
	}
	must(os.MkdirAll(filepath.Join(s, "subdir"), 0o755))
	must(os.MkdirAll(filepath.Join(s, "olddir"), 0o755))
	for name, body := range map[string]string{
		"file.txt": "hello\n", "old.txt": "old\n", ".hidden": "hidden\n",
		"with space.txt": "space\n", "café.txt": "utf8\n", "subdir/inner.txt": "inner\n",
	} {
		must(os.WriteFile(filepath.Join(s, name), []byte(body), 0o644))
	}
	must(os.Symlink("file.txt", filepath.Join(s, "link")))
	must(os.Symlink("subdir", filepath.Join(s, "dirlink")))
	must(os.Symlink("missing", filepath.Join(s, "broken")))
	old := time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)
	must(os.Chtimes(filepath.Join(s, "old.txt"), old, old))
	must(os.Chtimes(filepath.Join(s, "olddir"), old, old))
}

// SampleNames are the names `listdir("sample")` returns on every server
// (LIST -a; "." and ".." removed), sorted.
var SampleNames = []string{".hidden", "broken", "café.txt", "dirlink", "file.txt",
	"link", "old.txt", "olddir", "subdir", "with space.txt"}

var counter atomic.Int64

// Scratch makes a fresh directory for one test in the server's root (as
// the server sees it: "/<name>") and removes it when the test ends. Tests
// of several packages run at once against the same servers, so every test
// writes only below its own scratch directory.
func Scratch(t testing.TB, s Server) string {
	t.Helper()
	name := fmt.Sprintf("t-%d-%d-%d", os.Getpid(), time.Now().UnixNano()%1e9, counter.Add(1))
	local := filepath.Join(s.Root, name)
	if err := os.Mkdir(local, 0o777); err != nil {
		t.Fatalf("scratch dir: %v", err)
	}
	// the servers run as the ftptest user; let them write here
	os.Chmod(local, 0o777)
	t.Cleanup(func() { os.RemoveAll(local) })
	return "/" + name
}
