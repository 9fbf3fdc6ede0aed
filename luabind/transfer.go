package luabind

import (
	lua "github.com/yuin/gopher-lua"
)

// chunkCallback wraps a Lua callback(chunk) for the host's transfers: it
// runs protected, and an error it raises stops the transfer and is raised
// again, as it was, once the host is done (see hostHandle.run).
func chunkCallback(L *lua.LState, fn *lua.LFunction) func([]byte) error {
	if fn == nil {
		return nil
	}
	return func(c []byte) error {
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, lua.LString(c)); err != nil {
			return &luaCallError{err}
		}
		return nil
	}
}

func optCallback(L *lua.LState, idx, n int, fname string) *lua.LFunction {
	if L.Get(idx) == lua.LNil {
		return nil
	}
	return checkFunction(L, idx, n, fname)
}

// transfer makes upload, download and their _if_newer forms.
func transfer(name string, upload, ifNewer bool) lua.LGFunction {
	return func(L *lua.LState) int {
		hh := checkHost(L, name)
		var local, remote string
		if upload {
			local = checkString(L, 2, 1, name)
			remote = checkPath(L, 3, 2, name)
		} else {
			remote = checkPath(L, 2, 1, name)
			local = checkString(L, 3, 2, name)
		}
		cb := chunkCallback(L, optCallback(L, 4, 3, name))
		local = getState(L).localPath(L, local, 1+boolInt(!upload), name)
		if !ifNewer {
			if n, ok := transferWithOptions(L, hh, name, upload, local, remote, cb); ok {
				return n
			}
		}
		did := true
		hh.run(L, func() (err error) {
			ctx := hh.ctx(L)
			switch {
			case upload && ifNewer:
				did, err = hh.h.UploadIfNewer(ctx, local, remote, cb)
			case upload:
				err = hh.h.Upload(ctx, local, remote, cb)
			case ifNewer:
				did, err = hh.h.DownloadIfNewer(ctx, remote, local, cb)
			default:
				err = hh.h.Download(ctx, remote, local, cb)
			}
			return err
		})
		if ifNewer {
			L.Push(lua.LBool(did))
			return 1
		}
		return 0
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// host:copyfileobj(src, dst [, length [, callback]]): copies until src's
// end, calling callback(chunk) after each chunk as ftputil does; src and
// dst are remote files or Lua io files (anything with read / write
// methods).
func hostCopyfileobj(L *lua.LState) int {
	checkHost(L, "copyfileobj")
	src, dst := L.Get(2), L.Get(3)
	length := 65536
	if v, ok := L.Get(4).(lua.LNumber); ok {
		if v < 1 {
			argError(L, 3, "copyfileobj", "length must be positive")
		}
		length = int(v)
	} else if L.Get(4) != lua.LNil {
		argError(L, 3, "copyfileobj", "number expected, got "+typeName(L.Get(4)))
	}
	var callback *lua.LFunction
	if L.Get(5) != lua.LNil {
		callback = checkFunction(L, 5, 4, "copyfileobj")
	}
	read := method(L, src, "read", 1)
	write := method(L, dst, "write", 2)
	for {
		L.Push(read)
		L.Push(src)
		L.Push(lua.LNumber(length))
		L.Call(2, 2)
		chunk, errv := L.Get(-2), L.Get(-1)
		L.Pop(2)
		if chunk == lua.LNil {
			if errv != lua.LNil {
				L.RaiseError("copyfileobj: reading: %s", lua.LVAsString(errv))
			}
			return 0
		}
		L.Push(write)
		L.Push(dst)
		L.Push(chunk)
		L.Call(2, 2)
		ok, errv := L.Get(-2), L.Get(-1)
		L.Pop(2)
		if ok == lua.LNil || ok == lua.LFalse {
			L.RaiseError("copyfileobj: writing: %s", lua.LVAsString(errv))
		}
		if callback != nil {
			L.Push(callback)
			L.Push(chunk)
			L.Call(1, 0)
		}
	}
}

// method looks up obj:name, for remote files and Lua io files alike.
func method(L *lua.LState, obj lua.LValue, name string, n int) lua.LValue {
	if obj.Type() != lua.LTUserData && obj.Type() != lua.LTTable {
		argError(L, n, "copyfileobj", "file expected, got "+typeName(obj))
	}
	m := L.GetField(obj, name)
	if m.Type() != lua.LTFunction {
		argError(L, n, "copyfileobj", "file with a "+name+" method expected")
	}
	return m
}
