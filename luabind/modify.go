package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// pathOp makes a method taking one remote path.
func pathOp(name string, op func(hh *hostHandle, L *lua.LState, p string) error) lua.LGFunction {
	return func(L *lua.LState) int {
		hh := checkHost(L, name)
		p := checkPath(L, 2, 1, name)
		hh.run(L, func() error { return op(hh, L, p) })
		return 0
	}
}

var (
	hostMkdir = pathOp("mkdir", func(hh *hostHandle, L *lua.LState, p string) error {
		return hh.h.Mkdir(hh.ctx(L), p)
	})
	hostRmdir = pathOp("rmdir", func(hh *hostHandle, L *lua.LState, p string) error {
		return hh.h.Rmdir(hh.ctx(L), p)
	})
	hostRemove = pathOp("remove", func(hh *hostHandle, L *lua.LState, p string) error {
		return hh.h.Remove(hh.ctx(L), p)
	})
)

// host:makedirs(path [, {exist_ok=false}])
func hostMakedirs(L *lua.LState) int {
	hh := checkHost(L, "makedirs")
	p := checkPath(L, 2, 1, "makedirs")
	existOK := false
	if L.Get(3) != lua.LNil {
		checkTable(L, 3, 2, "makedirs").ForEach(func(k, v lua.LValue) {
			switch key := lua.LVAsString(k); key {
			case "exist_ok":
				optField(L, 2, "makedirs", key, v, lua.LTBool)
				existOK = bool(v.(lua.LBool))
			default:
				argError(L, 2, "makedirs", "unknown option '"+key+"'")
			}
		})
	}
	hh.run(L, func() error { return hh.h.Makedirs(hh.ctx(L), p, existOK) })
	return 0
}

// host:rmtree(path [, {ignore_errors=false, onerror=fn(fname, path, err)}])
func hostRmtree(L *lua.LState) int {
	hh := checkHost(L, "rmtree")
	p := checkPath(L, 2, 1, "rmtree")
	ignore := false
	var onerror *lua.LFunction
	if L.Get(3) != lua.LNil {
		checkTable(L, 3, 2, "rmtree").ForEach(func(k, v lua.LValue) {
			switch key := lua.LVAsString(k); key {
			case "ignore_errors":
				optField(L, 2, "rmtree", key, v, lua.LTBool)
				ignore = bool(v.(lua.LBool))
			case "onerror":
				optField(L, 2, "rmtree", key, v, lua.LTFunction)
				onerror = v.(*lua.LFunction)
			default:
				argError(L, 2, "rmtree", "unknown option '"+key+"'")
			}
		})
	}
	var handler func(op, path string, err error) error
	if onerror != nil {
		handler = func(op, path string, err error) error {
			hh.dbg.flush(L)
			L.CallByParam(lua.P{Fn: onerror, NRet: 0, Protect: false},
				lua.LString(op), lua.LString(path), errorValue(L, err))
			return nil
		}
	}
	hh.run(L, func() error { return hh.h.Rmtree(hh.ctx(L), p, ignore, handler) })
	return 0
}

// host:rename(src, dst)
func hostRename(L *lua.LState) int {
	hh := checkHost(L, "rename")
	src := checkPath(L, 2, 1, "rename")
	dst := checkPath(L, 3, 2, "rename")
	hh.run(L, func() error { return hh.h.Rename(hh.ctx(L), src, dst) })
	return 0
}

// host:chmod(path, mode): mode is a number (use tonumber("644", 8)).
func hostChmod(L *lua.LState) int {
	hh := checkHost(L, "chmod")
	p := checkPath(L, 2, 1, "chmod")
	v, ok := L.Get(3).(lua.LNumber)
	if !ok {
		argError(L, 2, "chmod", "number expected, got "+typeName(L.Get(3)))
	}
	if float64(v) != float64(int64(v)) || v < 0 || v > 0o7777 {
		argError(L, 2, "chmod", "mode must be an integer from 0 to 4095 (0o7777)")
	}
	hh.run(L, func() error { return hh.h.Chmod(hh.ctx(L), p, uint32(v)) })
	return 0
}

func hostKeepAlive(L *lua.LState) int {
	hh := checkHost(L, "keep_alive")
	hh.run(L, func() error { return hh.h.KeepAlive(hh.ctx(L)) })
	return 0
}

func hostSetTimeShift(L *lua.LState) int {
	hh := checkHost(L, "set_time_shift")
	v, ok := L.Get(2).(lua.LNumber)
	if !ok {
		argError(L, 1, "set_time_shift", "number expected, got "+typeName(L.Get(2)))
	}
	hh.run(L, func() error { return hh.h.SetTimeShift(float64(v)) })
	return 0
}

func hostTimeShift(L *lua.LState) int {
	L.Push(lua.LNumber(checkHost(L, "time_shift").h.TimeShift()))
	return 1
}

func hostSynchronizeTimes(L *lua.LState) int {
	hh := checkHost(L, "synchronize_times")
	hh.run(L, func() error { return hh.h.SynchronizeTimes(hh.ctx(L)) })
	return 0
}
