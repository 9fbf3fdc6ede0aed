package luabind

import (
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// FunctionName tells under which name the module offers fn, written as a
// script writes it: "ftputil.connect", "ftputil.parser.unix",
// "ftputil.localfs.walk", "host:listdir", "host.path.join",
// "host.stat_cache:clear", "file:read", "local_server:connect",
// "parser:parse_line", "err:is". ok is false for a function that is not
// the module's (or that L's module has not loaded). The ftplua prompt's
// help(host.listdir) uses it to find the manual's section.
func FunctionName(L *lua.LState, fn *lua.LFunction) (name string, ok bool) {
	if fn == nil {
		return "", false
	}
	mod, _ := L.GetField(L.GetField(L.Get(lua.RegistryIndex), "_LOADED"), "ftputil").(*lua.LTable)
	if mod == nil {
		mod, _ = L.GetGlobal("ftputil").(*lua.LTable)
	}
	if mod != nil {
		if n, ok := findIn(mod, fn, "ftputil.", 2); ok {
			return n, true
		}
	}
	// methods of the module's objects, asked of their __index with a
	// stand-in object (a method is found before the object is looked at)
	type kind struct {
		mt     string
		prefix string
		names  []string
		value  any
	}
	kinds := []kind{
		{hostMT, "host:", keys(hostMethods), &hostHandle{dbg: &debugSink{}}},
		{fileMT, "file:", keys(fileMethods), &fileHandle{}},
		{cacheMT, "host.stat_cache:", keys(cacheMethods), cacheRef{&hostHandle{dbg: &debugSink{}}}},
		{serverMT, "local_server:", []string{"close", "connect"}, &serverHandle{}},
		{parserMT, "parser:", nil, nil},
		{errorMT, "err:", nil, nil},
		{classMT, "ftputil.error.class:", nil, nil},
	}
	for _, k := range kinds {
		mt, ok := L.GetTypeMetatable(k.mt).(*lua.LTable)
		if !ok {
			continue
		}
		switch index := mt.RawGetString("__index").(type) {
		case *lua.LTable:
			if n, ok := findIn(index, fn, k.prefix, 1); ok {
				return n, true
			}
		case *lua.LFunction:
			if k.value == nil {
				continue
			}
			ud := L.NewUserData()
			ud.Value = k.value
			L.SetMetatable(ud, mt)
			for _, name := range k.names {
				if err := L.CallByParam(lua.P{Fn: index, NRet: 1, Protect: true}, ud, lua.LString(name)); err != nil {
					continue
				}
				v := L.Get(-1)
				L.Pop(1)
				if v == fn {
					return k.prefix + name, true
				}
			}
		}
	}
	// host.path functions belong to one host each: look in the hosts that
	// scripts opened and in the hosts held by globals
	var hosts []*hostHandle
	s := getState(L)
	s.mu.Lock()
	for c := range s.closers {
		if hh, ok := c.(*hostHandle); ok {
			hosts = append(hosts, hh)
		}
	}
	s.mu.Unlock()
	if g, ok := L.Get(lua.GlobalsIndex).(*lua.LTable); ok {
		g.ForEach(func(_, v lua.LValue) {
			if hh := hostOf(v); hh != nil {
				hosts = append(hosts, hh)
			}
		})
	}
	for _, hh := range hosts {
		if hh.paths != nil {
			if n, ok := findIn(hh.paths, fn, "host.path.", 1); ok {
				return n, true
			}
		}
	}
	return "", false
}

// findIn looks for fn among the string keys of t, and of the tables in t
// down to depth levels.
func findIn(t *lua.LTable, fn *lua.LFunction, prefix string, depth int) (string, bool) {
	var found string
	var sub []string
	t.ForEach(func(k, v lua.LValue) {
		name, ok := k.(lua.LString)
		if !ok || found != "" || len(name) >= 2 && name[:2] == "__" {
			return
		}
		if v == fn {
			found = prefix + string(name)
		}
		if _, ok := v.(*lua.LTable); ok {
			sub = append(sub, string(name))
		}
	})
	if found != "" || depth <= 1 {
		return found, found != ""
	}
	sort.Strings(sub)
	for _, name := range sub {
		if n, ok := findIn(t.RawGetString(name).(*lua.LTable), fn, prefix+name+".", depth-1); ok {
			return n, true
		}
	}
	return "", false
}

func keys(m map[string]lua.LGFunction) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
