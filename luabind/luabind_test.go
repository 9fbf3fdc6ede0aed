package luabind_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

func newState(t *testing.T, cfg luabind.Config) *lua.LState {
	t.Helper()
	L := lua.NewState()
	luabind.Preload(L, cfg)
	t.Cleanup(func() {
		luabind.CloseAll(L)
		L.Close()
	})
	return L
}

// An embedder connects in Go and hands the host to a script; a Go struct
// of its own travels through gopher-luar.
func TestEmbedderHandsGoValues(t *testing.T) {
	s := testservers.Builtin(t, false)
	h, err := host.Dial(context.Background(), host.Options{Host: s.Host, Port: s.Port, User: s.User, Password: s.Password})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	L := newState(t, luabind.Config{})
	if err := L.DoString(`ftputil = require("ftputil")`); err != nil {
		t.Fatal(err)
	}
	type job struct {
		Dir   string
		Count int
	}
	j := &job{Dir: "sample/subdir"}
	luabind.SetGlobal(L, "host", h)
	luabind.SetGlobal(L, "job", j)
	err = L.DoString(`
		local names = host:listdir(job.Dir)
		job.Count = #names
		result = tostring(host) .. " " .. names[1]
	`)
	if err != nil {
		t.Fatal(err)
	}
	if j.Count != 1 {
		t.Errorf("job.Count = %d, want 1", j.Count)
	}
	want := "FTPHost(ftptest@127.0.0.1:" + strconv.Itoa(s.Port) + ", open) inner.txt"
	if got := L.GetGlobal("result").String(); got != want {
		t.Errorf("result = %q, want %q", got, want)
	}
	luabind.CloseAll(L)
	if h.Closed() {
		t.Error("CloseAll closed a host the embedder owns")
	}
}

// CloseAll closes what scripts left open: hosts and local servers.
func TestCloseAllClosesWhatScriptsOpened(t *testing.T) {
	L := newState(t, luabind.Config{})
	err := L.DoString(`
		local ftputil = require("ftputil")
		srv = ftputil.local_server{ files = { ["a.txt"] = "A" } }
		h = srv:connect()
		assert(h:listdir("/")[1] == "a.txt")
	`)
	if err != nil {
		t.Fatal(err)
	}
	luabind.CloseAll(L)
	if err := L.DoString(`assert(h.closed == true, "host still open")`); err != nil {
		t.Fatal(err)
	}
	err = L.DoString(`
		local ftputil = require("ftputil")
		local ok, e = pcall(ftputil.connect, { host = srv.host, port = srv.port, user = srv.user,
			password = srv.password, timeout = 2 })
		assert(not ok and e:is("FTPOSError"), "server still accepts connections")
	`)
	if err != nil {
		t.Fatal(err)
	}
}

// One LState per goroutine: several run at once, each with its own
// module state (run under -race).
func TestStatesInParallel(t *testing.T) {
	s := testservers.Builtin(t, false)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			L := lua.NewState()
			defer L.Close()
			luabind.Preload(L, luabind.Config{})
			defer luabind.CloseAll(L)
			L.SetGlobal("URL", lua.LString(s.URL()))
			errs <- L.DoString(`
				local ftputil = require("ftputil")
				for i = 1, 3 do
					local h = ftputil.connect(URL)
					assert(#h:listdir("sample") == 10)
					h:close()
				end
			`)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// A context in Config stops a network operation and the error is a typed
// error object.
func TestContextCancelsOperations(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	L := newState(t, luabind.Config{Context: ctx})
	err := L.DoString(`
		local ftputil = require("ftputil")
		local srv = ftputil.local_server{}
		local ok, e = pcall(ftputil.connect, srv.url)
		assert(not ok, "connected despite a cancelled context")
		assert(e:is("FTPOSError"), tostring(e))
		assert(e.message:find("canceled"), e.message)
	`)
	if err != nil {
		t.Fatal(err)
	}
}

// debug=true writes the dialogue to Config.Stderr, password masked.
func TestDebugToStderr(t *testing.T) {
	var buf bytes.Buffer
	L := newState(t, luabind.Config{Stderr: &buf})
	err := L.DoString(`
		local ftputil = require("ftputil")
		local srv = ftputil.local_server{ password = "hunter2-secret" }
		local h = srv:connect({ debug = true, timeout = 5 })
		h:listdir("/")
		h:close()
	`)
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "hunter2") {
		t.Fatalf("password in debug output:\n%s", out)
	}
	for _, want := range []string{"ftp: > PASS ****", "ftp: > LIST -a", "ftp: < 226"} {
		if !strings.Contains(out, want) {
			t.Errorf("debug output lacks %q:\n%s", want, out)
		}
	}
}

// tls_verify=false is said once on stderr, per host.
func TestInsecureWarning(t *testing.T) {
	s := testservers.Builtin(t, true)
	var buf bytes.Buffer
	L := newState(t, luabind.Config{Stderr: &buf})
	L.SetGlobal("PORT", lua.LNumber(s.Port))
	err := L.DoString(`
		local ftputil = require("ftputil")
		for i = 1, 3 do
			local h = ftputil.connect{ host = "127.0.0.1", port = PORT, user = "ftptest", password = "ftptest",
				tls = "explicit", tls_verify = false }
			h:close()
		end
		local ok, e = pcall(ftputil.connect, { host = "127.0.0.1", port = PORT, user = "ftptest",
			password = "ftptest", tls = "explicit" })
		assert(not ok and e:is("FTPOSError") and e.message:find("certificate"), tostring(e))
	`)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "warning: tls_verify=false"); got != 1 {
		t.Errorf("%d warnings, want 1:\n%s", got, buf.String())
	}
}

// TLS options on a plain connection are said once on stderr, per host:
// the script asked for something that does not happen.
func TestPlainWithTLSOptionsWarning(t *testing.T) {
	s := testservers.Builtin(t, false)
	var buf bytes.Buffer
	L := newState(t, luabind.Config{Stderr: &buf})
	L.SetGlobal("PORT", lua.LNumber(s.Port))
	err := L.DoString(`
		local ftputil = require("ftputil")
		for i = 1, 2 do
			ftputil.connect{ host = "127.0.0.1", port = PORT, user = "ftptest", password = "ftptest",
				ca_file = "ca.pem" }:close()
			ftputil.connect{ url = "ftp://ftptest:ftptest@127.0.0.1:" .. PORT .. "/", tls_verify = false }:close()
		end
		ftputil.connect{ host = "127.0.0.1", port = PORT, user = "ftptest", password = "ftptest" }:close()
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := "ftplua: warning: ca_file or tls_verify given, but the connection to 127.0.0.1 is plain FTP: " +
		"nothing is encrypted (use an ftpes:// or ftps:// URL, or tls = \"explicit\")\n"
	if buf.String() != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// Sixteen states in parallel goroutines, each with its own host on the
// same server (run under -race).
func TestSixteenStates(t *testing.T) {
	servers := []testservers.Server{testservers.Builtin(t, false)}
	for _, s := range testservers.Real(t) {
		if s.Name == "vsftpd" {
			servers = append(servers, s)
		}
	}
	for _, s := range servers {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				L := lua.NewState()
				defer L.Close()
				luabind.Open(L, luabind.Config{})
				defer luabind.CloseAll(L)
				L.SetGlobal("URL", lua.LString(s.URL()))
				errs <- L.DoString(`
					local h = ftputil.connect(URL)
					for i = 1, 5 do
						assert(#h:listdir("sample") == 10)
						assert(h:stat("sample/file.txt").st_size == 6)
						assert(h:open("sample/file.txt"):with(function(f) return f:read("*a") end) == "hello\n")
					end
					h:close()
				`)
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		}
	}
}
