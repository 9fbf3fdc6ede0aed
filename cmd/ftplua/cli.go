package main

import (
	"bufio"
	"net/url"
	"os"
	"path"
	"path/filepath"

	lua "github.com/yuin/gopher-lua"
)

// What -v and --progress change in the module for a run: hosts opened
// without a debug option log their dialogue (debug=true), and transfers
// without a callback show their progress (ftputil.progress). The
// module's functions and methods are Go functions; the wrappers below
// adjust the arguments and call them in the same frame, so that argument
// errors read as they do without the flags.

// debugByDefault makes ftputil.connect, ftputil.session, ftputil.FTPHost
// and local_server:connect open hosts with debug=true unless the script
// sets debug itself.
func debugByDefault(L *lua.LState) {
	mod, ok := L.GetGlobal("ftputil").(*lua.LTable)
	if !ok {
		return
	}
	for name, idx := range map[string]int{"connect": 1, "session": 1, "FTPHost": 4} {
		if f, ok := mod.RawGetString(name).(*lua.LFunction); ok && f.IsG {
			mod.RawSetString(name, L.NewFunction(withDebug(f.GFunction, idx)))
		}
	}
	wrapMethods(L, "ftputil.local_server", map[string]func(lua.LGFunction) lua.LGFunction{
		"connect": func(g lua.LGFunction) lua.LGFunction { return withDebug(g, 2) },
	})
}

// withDebug calls g with debug=true added to its option argument at idx
// (a URL string becomes {url=...}).
func withDebug(g lua.LGFunction, idx int) lua.LGFunction {
	return func(L *lua.LState) int {
		if L.GetTop() < idx {
			L.SetTop(idx)
		}
		switch v := L.Get(idx).(type) {
		case lua.LString:
			if idx == 1 {
				t := L.NewTable()
				t.RawSetString("url", v)
				t.RawSetString("debug", lua.LTrue)
				L.Replace(idx, t)
			}
		case *lua.LTable:
			if v.RawGetString("debug") == lua.LNil {
				t := L.NewTable()
				v.ForEach(func(k, x lua.LValue) { t.RawSet(k, x) })
				t.RawSetString("debug", lua.LTrue)
				L.Replace(idx, t)
			}
		case *lua.LNilType:
			if idx > 1 {
				t := L.NewTable()
				t.RawSetString("debug", lua.LTrue)
				L.Replace(idx, t)
			}
		}
		return g(L)
	}
}

// progressByDefault gives host:upload, download, upload_if_newer and
// download_if_newer a progress callback (ftputil.progress, as the module
// table has it at the time, with the size and the file's name) when the
// script passes none. Without ftputil.progress nothing changes.
func progressByDefault(L *lua.LState) {
	mod, ok := L.GetGlobal("ftputil").(*lua.LTable)
	if !ok {
		return
	}
	if _, ok := mod.RawGetString("progress").(*lua.LFunction); !ok {
		return
	}
	wrap := func(upload bool) func(lua.LGFunction) lua.LGFunction {
		return func(g lua.LGFunction) lua.LGFunction {
			return func(L *lua.LState) int {
				src, ok := L.Get(2).(lua.LString)
				if !ok || L.Get(4) != lua.LNil {
					return g(L)
				}
				var total lua.LValue = lua.LNil
				var label string
				if upload {
					label = filepath.Base(string(src))
					if fi, err := os.Stat(string(src)); err == nil {
						total = lua.LNumber(fi.Size())
					}
				} else {
					label = path.Base(string(src))
					total = remoteSize(L, L.Get(1), src)
				}
				// ftputil.progress as it is now: a script may replace it
				progress := mod.RawGetString("progress")
				if progress.Type() != lua.LTFunction {
					return g(L)
				}
				if err := L.CallByParam(lua.P{Fn: progress, NRet: 1, Protect: true}, total, lua.LString(label)); err != nil {
					return g(L)
				}
				cb := L.Get(-1)
				L.Pop(1)
				if L.GetTop() < 4 {
					L.SetTop(4)
				}
				L.Replace(4, cb)
				return g(L)
			}
		}
	}
	wrapMethods(L, "ftputil.host", map[string]func(lua.LGFunction) lua.LGFunction{
		"upload":            wrap(true),
		"upload_if_newer":   wrap(true),
		"download":          wrap(false),
		"download_if_newer": wrap(false),
	})
}

// remoteSize is host.path.getsize(p), or nil when that fails (the
// transfer then reports the failure itself).
func remoteSize(L *lua.LState, h lua.LValue, p lua.LString) lua.LValue {
	size := L.NewFunction(func(L *lua.LState) int {
		getsize := L.GetField(L.GetField(L.Get(1), "path"), "getsize")
		L.Push(getsize)
		L.Push(L.Get(2))
		L.Call(1, 1)
		return 1
	})
	if err := L.CallByParam(lua.P{Fn: size, NRet: 1, Protect: true}, h, p); err != nil {
		return lua.LNil
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// wrapMethods replaces methods of the module's userdata type typeName:
// its __index (a Go function) is wrapped so that name gives
// wrap(original). The original methods are Go functions as well.
func wrapMethods(L *lua.LState, typeName string, wraps map[string]func(lua.LGFunction) lua.LGFunction) {
	mt, ok := L.GetTypeMetatable(typeName).(*lua.LTable)
	if !ok {
		return
	}
	index, ok := mt.RawGetString("__index").(*lua.LFunction)
	if !ok {
		return
	}
	wrapped := map[string]*lua.LFunction{}
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		self, key := L.Get(1), L.Get(2)
		L.Push(index)
		L.Push(self)
		L.Push(key)
		L.Call(2, 1)
		k, ok := key.(lua.LString)
		if !ok || wraps[string(k)] == nil {
			return 1
		}
		orig, ok := L.Get(-1).(*lua.LFunction)
		if !ok || !orig.IsG {
			return 1
		}
		w := wrapped[string(k)]
		if w == nil {
			w = L.NewFunction(wraps[string(k)](orig.GFunction))
			wrapped[string(k)] = w
		}
		L.Pop(1)
		L.Push(w)
		return 1
	}))
}

// urlHasPassword tells whether a URL's user info has a password, even an
// empty one ("ftp://bob:@host/").
func urlHasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// netrcHasPassword tells whether the netrc file ($NETRC, else ~/.netrc)
// has a password for user on host (a machine entry, or default).
func netrcHasPassword(host, user string) bool {
	name := os.Getenv("NETRC")
	if name == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		name = filepath.Join(home, ".netrc")
	}
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	type entry struct {
		machine, login, password string
		isDefault                bool
	}
	var entries []*entry
	var cur *entry
	sc := bufio.NewScanner(f)
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		switch tok := sc.Text(); tok {
		case "machine":
			cur = &entry{}
			entries = append(entries, cur)
			if sc.Scan() {
				cur.machine = sc.Text()
			}
		case "default":
			cur = &entry{isDefault: true}
			entries = append(entries, cur)
		case "login", "password", "account", "macdef":
			if !sc.Scan() || cur == nil {
				continue
			}
			switch tok {
			case "login":
				cur.login = sc.Text()
			case "password":
				cur.password = sc.Text()
			}
		}
	}
	for _, e := range entries {
		if (e.machine == host || e.isDefault) && (e.login == "" || e.login == user) && e.password != "" {
			return true
		}
	}
	return false
}
