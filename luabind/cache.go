package luabind

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

// host.stat_cache (API.md "Stat cache"): resize(n), invalidate(path),
// clear(), enable(), disable(), size() (the capacity), count() and #cache
// (the entries), and the fields enabled and max_age (seconds, nil =
// forever, settable).

const cacheMT = "ftputil.stat_cache"

var cacheMethods = map[string]lua.LGFunction{
	"resize": func(L *lua.LState) int {
		hh := checkCache(L, "resize")
		v, ok := L.Get(2).(lua.LNumber)
		if !ok || float64(v) != float64(int(v)) || v <= 0 {
			argError(L, 1, "resize", "positive integer expected, got "+lua.LVAsString(L.Get(2)))
		}
		hh.h.StatCache().Resize(int(v))
		return 0
	},
	"invalidate": func(L *lua.LState) int {
		hh := checkCache(L, "invalidate")
		p := checkPath(L, 2, 1, "invalidate")
		hh.h.StatCache().InvalidateTree(hh.h.Abspath(p))
		return 0
	},
	"clear":   func(L *lua.LState) int { checkCache(L, "clear").h.StatCache().Clear(); return 0 },
	"enable":  func(L *lua.LState) int { checkCache(L, "enable").h.StatCache().Enable(); return 0 },
	"disable": func(L *lua.LState) int { checkCache(L, "disable").h.StatCache().Disable(); return 0 },
	"size": func(L *lua.LState) int {
		L.Push(lua.LNumber(checkCache(L, "size").h.StatCache().Size()))
		return 1
	},
	"count": func(L *lua.LState) int {
		L.Push(lua.LNumber(checkCache(L, "count").h.StatCache().Len()))
		return 1
	},
}

func registerCache(L *lua.LState) {
	mt := L.NewTypeMetatable(cacheMT)
	methods := L.SetFuncs(L.NewTable(), cacheMethods)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		hh := checkCache(L, "__index")
		key := L.Get(2)
		if m := methods.RawGet(key); m != lua.LNil {
			L.Push(m)
			return 1
		}
		c := hh.h.StatCache()
		switch lua.LVAsString(key) {
		case "enabled":
			L.Push(lua.LBool(c.Enabled()))
		case "max_age":
			if d := c.MaxAge(); d > 0 {
				L.Push(lua.LNumber(d.Seconds()))
			} else {
				L.Push(lua.LNil)
			}
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	L.SetField(mt, "__newindex", L.NewFunction(func(L *lua.LState) int {
		hh := checkCache(L, "__newindex")
		switch key := lua.LVAsString(L.Get(2)); key {
		case "max_age":
			switch v := L.Get(3).(type) {
			case *lua.LNilType:
				hh.h.StatCache().SetMaxAge(0)
			case lua.LNumber:
				if v <= 0 {
					L.RaiseError("stat_cache.max_age must be a positive number of seconds or nil")
				}
				hh.h.StatCache().SetMaxAge(time.Duration(float64(v) * float64(time.Second)))
			default:
				L.RaiseError("stat_cache.max_age must be a number or nil, got %s", typeName(v))
			}
		case "enabled":
			if lua.LVAsBool(L.Get(3)) {
				hh.h.StatCache().Enable()
			} else {
				hh.h.StatCache().Disable()
			}
		default:
			L.RaiseError("stat_cache has no field '%s' to set", key)
		}
		return 0
	}))
	L.SetField(mt, "__len", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(checkCache(L, "__len").h.StatCache().Len()))
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		c := checkCache(L, "tostring").h.StatCache()
		L.Push(lua.LString("stat_cache(" + lua.LNumber(c.Len()).String() + "/" + lua.LNumber(c.Size()).String() + ")"))
		return 1
	}))
	L.SetField(mt, "__metatable", lua.LString(cacheMT))
}

func checkCache(L *lua.LState, fname string) *hostHandle {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if hh, ok := ud.Value.(cacheRef); ok {
			return hh.hh
		}
	}
	L.RaiseError("calling '%s' on bad self (stat_cache expected, got %s; use host.stat_cache:%s(...))", fname, typeName(L.Get(1)), fname)
	return nil
}

type cacheRef struct{ hh *hostHandle }

func cacheObject(L *lua.LState, hh *hostHandle) *lua.LUserData {
	if hh.cache == nil {
		ud := L.NewUserData()
		ud.Value = cacheRef{hh}
		L.SetMetatable(ud, L.GetTypeMetatable(cacheMT))
		hh.cache = ud
	}
	return hh.cache
}
