// Package spec runs the Lua spec files of this folder (*_spec.lua)
// against every configured server: the built-in local server always, and
// vsftpd, proftpd, pure-ftpd and pyftpdlib, plain and over explicit TLS,
// when spec/servers/start.sh has put their addresses in the environment
// (see internal/testservers).
//
// A spec file uses describe / it / expect (runner.lua) and these globals:
//
//	SERVER      {name, kind, host, port, user, password, tls, ca_file, url}
//	connect([opts])  a host on SERVER (opts are added to the server's)
//	scratch()   a fresh remote directory for this test, removed after it
//	tempdir()   a fresh local directory, removed after the test
//	SERVER_ROOT the server's root folder on this machine
//	age(path, seconds)  sets a file's modification time that many seconds
//	            into the past: a remote path (starting with "/") in the
//	            server's root folder, else a local path
//	fixture(path, content)  writes a file at the remote path behind the
//	            server's back, owned by the server's user (so the server
//	            may change it)
package spec

import (
	_ "embed"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

//go:embed runner.lua
var runner string

func TestSpecs(t *testing.T) {
	files, err := filepath.Glob("*_spec.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no spec files: %v", err)
	}
	sort.Strings(files)
	for _, s := range testservers.All(t) {
		s := s
		t.Run(s.Name, func(t *testing.T) {
			for _, f := range files {
				f := f
				t.Run(f, func(t *testing.T) { runSpecFile(t, s, f) })
			}
		})
	}
}

func runSpecFile(t *testing.T, s testservers.Server, file string) {
	L := lua.NewState(lua.Options{RegistryMaxSize: 1 << 20})
	defer L.Close()
	luabind.Preload(L, luabind.Config{})
	luabind.FixPcall(L) // as ftplua's luabind.Open
	defer luabind.CloseAll(L)
	var cur *testing.T // the subtest now running; scratch dirs belong to it
	cur = t

	srv := L.NewTable()
	for k, v := range map[string]lua.LValue{
		"name": lua.LString(s.Name), "kind": lua.LString(s.Kind()), "host": lua.LString(s.Host),
		"port": lua.LNumber(s.Port), "user": lua.LString(s.User), "password": lua.LString(s.Password),
		"tls": lua.LBool(s.TLS), "url": lua.LString(s.URL()),
	} {
		srv.RawSetString(k, v)
	}
	if s.CAFile != "" {
		srv.RawSetString("ca_file", lua.LString(s.CAFile))
	}
	L.SetGlobal("SERVER", srv)
	// the server's root folder on this machine, to set up fixtures
	L.SetGlobal("SERVER_ROOT", lua.LString(s.Root))
	L.SetGlobal("scratch", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(testservers.Scratch(cur, s)))
		return 1
	}))
	L.SetGlobal("fixture", L.NewFunction(func(L *lua.LState) int {
		writeFixture(cur, s.Root, L.CheckString(1), L.CheckString(2))
		return 0
	}))
	L.SetGlobal("age", L.NewFunction(func(L *lua.LState) int {
		age(cur, s.Root, L.CheckString(1), L.CheckNumber(2))
		return 0
	}))
	L.SetGlobal("tempdir", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(cur.TempDir()))
		return 1
	}))
	if err := L.DoString(connectHelper); err != nil {
		t.Fatal(err)
	}
	if err := L.DoString(runner); err != nil {
		t.Fatalf("runner.lua: %v", err)
	}
	if err := L.DoFile(file); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("_spec_tests"), NRet: 1, Protect: true}); err != nil {
		t.Fatal(err)
	}
	tests := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if tests.Len() == 0 {
		t.Fatalf("%s defines no tests", file)
	}
	for i := 1; i <= tests.Len(); i++ {
		tc := tests.RawGetInt(i).(*lua.LTable)
		name := lua.LVAsString(tc.RawGetString("name"))
		fn := tc.RawGetString("fn").(*lua.LFunction)
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			cur = t
			defer func() { cur = nil }()
			L.Push(fn)
			if err := L.PCall(0, 0, L.NewFunction(traceback)); err != nil {
				t.Errorf("%s", describe(err))
			}
		})
	}
}

// connectHelper defines connect(opts): a host on SERVER.
const connectHelper = `
local ftputil = require("ftputil")
function connect(opts)
  local o = { host = SERVER.host, port = SERVER.port, user = SERVER.user,
              password = SERVER.password, timeout = 20 }
  if SERVER.tls then o.tls = "explicit"; o.ca_file = SERVER.ca_file end
  for k, v in pairs(opts or {}) do o[k] = v end
  return ftputil.connect(o)
end
`

// traceback is the message handler: the error as text, then the stack.
func traceback(L *lua.LState) int {
	msg := L.ToStringMeta(L.Get(1)).String()
	if f, ok := L.GetField(L.GetGlobal("debug"), "traceback").(*lua.LFunction); ok {
		if L.CallByParam(lua.P{Fn: f, NRet: 1, Protect: true}, lua.LString(msg), lua.LNumber(2)) == nil {
			return 1
		}
	}
	L.Push(lua.LString(msg))
	return 1
}

func describe(err error) string {
	if apiErr, ok := err.(*lua.ApiError); ok {
		return lua.LVAsString(apiErr.Object) + "\n" + apiErr.StackTrace
	}
	return err.Error()
}

// writeFixture writes content at the remote path p in the server's root
// folder and gives it the owner of that root folder.
func writeFixture(t *testing.T, root, p, content string) {
	t.Helper()
	local := filepath.Join(root, filepath.FromSlash(p))
	if err := os.WriteFile(local, []byte(content), 0o644); err != nil {
		t.Fatalf("fixture %s: %v", p, err)
	}
	// the server's user owns its root folder; give the file to it, so that
	// the server may change it (scratch folders themselves belong to root)
	if fi, err := os.Stat(root); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			os.Chown(local, int(st.Uid), int(st.Gid))
		}
	}
}

// age moves a file's modification time secs seconds into the past.
func age(t *testing.T, root, p string, secs lua.LNumber) {
	t.Helper()
	local := p
	if strings.HasPrefix(p, "/") && !strings.HasPrefix(p, os.TempDir()) {
		local = filepath.Join(root, filepath.FromSlash(p))
	}
	when := time.Now().Add(-time.Duration(float64(secs) * float64(time.Second)))
	if err := os.Chtimes(local, when, when); err != nil {
		t.Fatalf("age %s: %v", p, err)
	}
}
