package luabind

import (
	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// host:walk(top [, {topdown=true, onerror=fn, followlinks=false}]) returns
// an iterator for a generic for: dirpath, dirnames, filenames. Top-down,
// removing names from dirnames in the loop body prunes the walk.
func hostWalk(L *lua.LState) int {
	hh := checkHost(L, "walk")
	top := checkPath(L, 2, 1, "walk")
	var o host.WalkOptions
	topdown := true
	var onerror *lua.LFunction
	if L.Get(3) != lua.LNil {
		opts := checkTable(L, 3, 2, "walk")
		opts.ForEach(func(k, v lua.LValue) {
			switch key := lua.LVAsString(k); key {
			case "topdown":
				optField(L, 2, "walk", key, v, lua.LTBool)
				topdown = bool(v.(lua.LBool))
			case "followlinks":
				optField(L, 2, "walk", key, v, lua.LTBool)
				o.FollowLinks = bool(v.(lua.LBool))
			case "onerror":
				optField(L, 2, "walk", key, v, lua.LTFunction)
				onerror = v.(*lua.LFunction)
			default:
				argError(L, 2, "walk", "unknown option '"+key+"'")
			}
		})
	}
	o.BottomUp = !topdown
	if onerror != nil {
		o.OnError = func(err error) error {
			// a Lua error raised here reaches the script through the
			// iterator, as an error of the for loop
			L.CallByParam(lua.P{Fn: onerror, NRet: 0, Protect: false}, errorValue(L, err))
			return nil
		}
	}
	w := hh.h.Walk(hh.ctx(L), top, o)
	var last *lua.LTable
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if last != nil && topdown {
			names := make([]string, 0, last.Len())
			for i := 1; i <= last.Len(); i++ {
				if s, ok := last.RawGetInt(i).(lua.LString); ok {
					names = append(names, string(s))
				}
			}
			w.SetDirnames(names)
		}
		var more bool
		hh.run(L, func() error {
			more = w.Next()
			return w.Err()
		})
		if !more {
			last = nil
			return 0
		}
		last = stringList(L, w.Dirnames())
		L.Push(lua.LString(w.Dir()))
		L.Push(last)
		L.Push(stringList(L, w.Filenames()))
		return 3
	}))
	return 1
}

func stringList(L *lua.LState, s []string) *lua.LTable {
	t := L.CreateTable(len(s), 0)
	for _, x := range s {
		t.Append(lua.LString(x))
	}
	return t
}
