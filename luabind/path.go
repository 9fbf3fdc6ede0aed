package luabind

import (
	"context"

	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// pathTable is host.path: functions called with a dot, as os.path
// (host.path.join("a", "b")); a colon call is accepted too.
func pathTable(L *lua.LState, hh *hostHandle) *lua.LTable {
	if hh.paths != nil {
		return hh.paths
	}
	t := L.NewTable()
	// base returns the stack index of the first real argument: 2 when
	// called with a colon (self is the path table), else 1.
	base := func(L *lua.LState) int {
		if L.Get(1) == t {
			return 2
		}
		return 1
	}
	str := func(fname string, f func(string) string) lua.LGFunction {
		return func(L *lua.LState) int {
			b := base(L)
			L.Push(lua.LString(f(checkString(L, b, 1, fname))))
			return 1
		}
	}
	two := func(fname string, f func(string) (string, string)) lua.LGFunction {
		return func(L *lua.LState) int {
			b := base(L)
			x, y := f(checkString(L, b, 1, fname))
			L.Push(lua.LString(x))
			L.Push(lua.LString(y))
			return 2
		}
	}
	L.SetFuncs(t, map[string]lua.LGFunction{
		"basename": str("basename", host.Basename),
		"dirname":  str("dirname", host.Dirname),
		"normpath": str("normpath", host.Normpath),
		"split":    two("split", host.Split),
		"splitext": two("splitext", host.Splitext),
		"isabs": func(L *lua.LState) int {
			L.Push(lua.LBool(host.Isabs(checkString(L, base(L), 1, "isabs"))))
			return 1
		},
		"join": func(L *lua.LState) int {
			b := base(L)
			var parts []string
			for i := b; i <= L.GetTop(); i++ {
				parts = append(parts, checkString(L, i, i-b+1, "join"))
			}
			if len(parts) == 0 {
				argError(L, 1, "join", "string expected, got no value")
			}
			L.Push(lua.LString(host.Join(parts...)))
			return 1
		},
		"exists": pathQuery(hh, base, "exists", func(h *host.Host) func(context.Context, string) (bool, error) { return h.Exists }),
		"isdir":  pathQuery(hh, base, "isdir", func(h *host.Host) func(context.Context, string) (bool, error) { return h.IsDir }),
		"isfile": pathQuery(hh, base, "isfile", func(h *host.Host) func(context.Context, string) (bool, error) { return h.IsFile }),
		"islink": pathQuery(hh, base, "islink", func(h *host.Host) func(context.Context, string) (bool, error) { return h.IsLink }),
		"getsize": func(L *lua.LState) int {
			p := checkPath(L, base(L), 1, "getsize")
			var n int64
			hh.run(L, func() (err error) { n, err = hh.h.GetSize(hh.ctx(L), p); return err })
			L.Push(lua.LNumber(n))
			return 1
		},
		"getmtime": func(L *lua.LState) int {
			p := checkPath(L, base(L), 1, "getmtime")
			var t float64
			hh.run(L, func() (err error) { t, err = hh.h.GetMtime(hh.ctx(L), p); return err })
			L.Push(lua.LNumber(t))
			return 1
		},
		"abspath": func(L *lua.LState) int {
			p := checkPath(L, base(L), 1, "abspath")
			L.Push(lua.LString(hh.h.Abspath(p)))
			return 1
		},
	})
	hh.paths = t
	return t
}
