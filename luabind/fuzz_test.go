package luabind_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftplua/ftplua/internal/localserver"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

var hostMethods = []string{"getcwd", "chdir", "listdir", "stat", "lstat", "walk", "mkdir", "makedirs",
	"rmdir", "rmtree", "remove", "unlink", "rename", "chmod", "open", "upload", "download",
	"upload_if_newer", "download_if_newer", "copyfileobj", "set_time_shift", "time_shift",
	"synchronize_times", "keep_alive", "set_parser", "sync_plan", "apply"}

var pathFuncs = []string{"join", "split", "dirname", "basename", "splitext", "normpath", "isabs",
	"abspath", "exists", "isdir", "isfile", "islink", "getsize", "getmtime"}

// luaValue turns fuzz bytes into a Lua expression.
func luaValue(b byte, s string) string {
	switch b % 9 {
	case 0:
		return "nil"
	case 1:
		return fmt.Sprintf("%d", int(b)-100)
	case 2:
		return fmt.Sprintf("%q", s)
	case 3:
		return "{}"
	case 4:
		return "true"
	case 5:
		return "function() end"
	case 6:
		return fmt.Sprintf("{%q, %d, x = %q}", s, b, s)
	case 7:
		return "h"
	default:
		return fmt.Sprintf("%q", "/"+s)
	}
}

// FuzzLuaArgs calls every host method and path function with arguments
// made from the input, in a sandboxed state confined to a temporary folder
// against the built-in server: every failure must be a Lua error (an
// argument error or an error object), never a Go panic.
func FuzzLuaArgs(f *testing.F) {
	root, local := f.TempDir(), f.TempDir()
	srv, err := localserver.Start(localserver.Options{Root: root, User: "u", Password: "p",
		Files: map[string]string{"a.txt": "A", "d/b.txt": "B"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	L := lua.NewState()
	f.Cleanup(L.Close)
	if err := luabind.Open(L, luabind.Config{Sandbox: true, LocalRoot: local}); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { luabind.CloseAll(L) })
	L.SetGlobal("URL", lua.LString(srv.URL()))
	if err := L.DoString(`h = ftputil.connect(URL)`); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"\x00\x01a.txt", "\x10\x02d", "\x05\x03\x02\x07x", "\x30\x02\x09/", "\xff\xff\xff"} {
		f.Add([]byte(seed), "a.txt")
	}
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		if len(b) < 2 {
			return
		}
		var call string
		n := int(b[1]) % 4
		args := make([]string, 0, n)
		for i := 0; i < n && 2+i < len(b); i++ {
			args = append(args, luaValue(b[2+i], s))
		}
		if b[0]%2 == 0 {
			call = fmt.Sprintf("h:%s(%s)", hostMethods[int(b[0]/2)%len(hostMethods)], strings.Join(args, ", "))
		} else {
			call = fmt.Sprintf("h.path.%s(%s)", pathFuncs[int(b[0]/2)%len(pathFuncs)], strings.Join(args, ", "))
		}
		err := L.DoString("local ok, e = pcall(function() return " + call + " end)\n" +
			"if not ok then _last = tostring(e) else _last = nil end\n" +
			"if h.closed then h = ftputil.connect(URL) end")
		if err != nil {
			t.Fatalf("%s: the guard itself failed: %v", call, err)
		}
		msg := lua.LVAsString(L.GetGlobal("_last"))
		for _, bad := range []string{"runtime error", "invalid memory address", "interface conversion", "goroutine ", "panic"} {
			if strings.Contains(msg, bad) {
				t.Fatalf("%s: a Go panic reached Lua: %s", call, msg)
			}
		}
	})
}
