package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
)

func runFtplua(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestConnectFailureExitsOneWithoutSecret(t *testing.T) {
	start := time.Now()
	code, out, errOut := runFtplua(t, "", "-e", `require("ftputil").connect("ftp://u:secret@127.0.0.1:1/")`)
	if code != 1 {
		t.Fatalf("exit status %d, want 1 (stderr %q)", code, errOut)
	}
	if !strings.HasPrefix(errOut, "ftplua: FTPOSError: ") || !strings.Contains(errOut, "connection refused") {
		t.Errorf("stderr %q lacks the class and cause", errOut)
	}
	if strings.Contains(out+errOut, "secret") {
		t.Errorf("the password appears in the output:\n%s%s", out, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// A server that accepts and never speaks: the connect fails after the
// timeout with FTPOSError.
func TestConnectTimeout(t *testing.T) {
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
			go io.Copy(io.Discard, c)
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	start := time.Now()
	code, out, errOut := runFtplua(t, "", "-e",
		`require("ftputil").connect{host="127.0.0.1", port=`+strconv.Itoa(port)+`, user="u", password="secret", timeout=0.5}`)
	d := time.Since(start)
	if code != 1 || !strings.HasPrefix(errOut, "ftplua: FTPOSError: ") || !strings.Contains(errOut, "timeout") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if d < 400*time.Millisecond || d > 4*time.Second {
		t.Errorf("failed after %v, want about the 0.5 s timeout", d)
	}
	if strings.Contains(out+errOut, "secret") {
		t.Error("password in output")
	}
}

func TestUncaughtErrorShowsClassCodeMessage(t *testing.T) {
	s := testservers.Builtin(t, false)
	code, _, errOut := runFtplua(t, "", "-e",
		`local h = require("ftputil").connect("`+s.URL()+`"); h:chdir("nope")`)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	first := strings.SplitN(errOut, "\n", 2)[0]
	if !strings.HasPrefix(first, "ftplua: PermanentError [code 550]: 550 ") || !strings.Contains(first, "/nope") {
		t.Errorf("first line %q", first)
	}
	if !strings.Contains(errOut, "  command: CWD /nope") || !strings.Contains(errOut, "stack traceback:") {
		t.Errorf("stderr %q lacks the command or the traceback", errOut)
	}
}

func TestUsageAndVersion(t *testing.T) {
	if code, _, errOut := runFtplua(t, "", "--frobnicate"); code != 2 || !strings.Contains(errOut, "unknown option --frobnicate") {
		t.Errorf("unknown option: %d %q", code, errOut)
	}
	if code, _, errOut := runFtplua(t, "", "-e"); code != 2 || !strings.Contains(errOut, "-e needs an argument") {
		t.Errorf("-e without chunk: %d %q", code, errOut)
	}
	if code, out, _ := runFtplua(t, "", "--version"); code != 0 || !strings.HasPrefix(out, "ftplua ") {
		t.Errorf("--version: %d %q", code, out)
	}
	if code, out, _ := runFtplua(t, "", "--help"); code != 0 || !strings.Contains(out, "usage: ftplua") {
		t.Errorf("--help: %d %q", code, out)
	}
	if code, _, errOut := runFtplua(t, "", "/no/such/script.lua"); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing script: %d %q", code, errOut)
	}
	if code, _, errOut := runFtplua(t, "", "-e", "x = = 1"); code != 1 || !strings.Contains(errOut, "syntax error") {
		t.Errorf("syntax error: %d %q", code, errOut)
	}
}

func TestScriptArguments(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "args.lua")
	os.WriteFile(script, []byte(`print(arg[0], arg[1], arg[2], #arg, select("#", ...), ...)`), 0o644)
	code, out, errOut := runFtplua(t, "", script, "a b", "-x")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := script + "\ta b\t-x\t2\t2\ta b\t-x\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	// a script from stdin
	code, out, _ = runFtplua(t, `print("from stdin", ...)`, "-", "z")
	if code != 0 || out != "from stdin\tz\n" {
		t.Errorf("stdin script: %d %q", code, out)
	}
}

func TestREPLFromPipe(t *testing.T) {
	in := "x = 40\nx + 2\nfor i = 1, 2 do\n  print(i)\nend\nerror('boom')\n\"still here\"\n"
	code, out, errOut := runFtplua(t, in, "-i")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out != "42\n1\n2\nstill here\n" {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(errOut, "boom") {
		t.Errorf("stderr %q lacks the error", errOut)
	}
}

func TestMaskSecrets(t *testing.T) {
	for in, want := range map[string]string{
		`h = ftputil.connect("ftp://bob:pa55@host/")`:          `h = ftputil.connect("ftp://bob:****@host/")`,
		`ftputil.connect{host="h", password = "pa55"}`:         `ftputil.connect{host="h", password = "****"}`,
		`ftputil.connect{host="h", password='pa55', user="u"}`: `ftputil.connect{host="h", password="****", user="u"}`,
		`h = ftputil.FTPHost("h", "bob", "pa55")`:              `h = ftputil.FTPHost("h", "bob", "****")`,
		`print(h:listdir("."))`:                                `print(h:listdir("."))`,
		`x = "ftpes://bob:p@ss@word@h/"`:                       `x = "ftpes://bob:****@h/"`,
	} {
		if got := maskSecrets(in); got != want {
			t.Errorf("maskSecrets(%q) = %q, want %q", in, got, want)
		}
	}
}

// The tour runs on a fresh machine against the built-in server.
func TestTour(t *testing.T) {
	code, out, errOut := runFtplua(t, "", "../../scripts/tour.lua")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Login directory: /\n",
		"In /: README.txt, incoming, pub\n",
		"chdir(\"pub\") -> /pub\n",
		"  /pub/report 2026.csv\n",
		"listdir of a missing directory: PermanentError: 550 ",
		"  class=PermanentError code=550 is PermanentError: true\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tour output lacks %q:\n%s", want, out)
		}
	}
}

// A script connects over explicit TLS to vsftpd, which demands that data
// connections resume the control connection's TLS session
// (require_ssl_reuse=YES), and lists a directory.
func TestScriptOverTLSToVsftpd(t *testing.T) {
	var srv *testservers.Server
	for _, s := range testservers.Real(t) {
		if s.Name == "vsftpd-tls" {
			s := s
			srv = &s
		}
	}
	if srv == nil {
		return // skipped (locally) or failed (CI) by testservers.Real
	}
	script := filepath.Join(t.TempDir(), "tls.lua")
	os.WriteFile(script, []byte(`
		local ftputil = require("ftputil")
		local h = ftputil.connect{ url = arg[1], ca_file = arg[2] }
		local names = h:listdir("sample")
		table.sort(names)
		print(table.concat(names, ","))
		h:close()
	`), 0o644)
	code, out, errOut := runFtplua(t, "", script, srv.URL(), srv.CAFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := ".hidden,broken,café.txt,dirlink,file.txt,link,old.txt,olddir,subdir,with space.txt\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
}
