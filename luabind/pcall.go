package luabind

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua v1.1.2 closes the upvalues of every frame on the call stack
// when an error is raised under pcall (LState.raiseError and LState.Error
// call closeAllUpvalues unless an error handler is set), not only those of
// the frames the error unwinds. A closure then loses its link to a local
// of a function that is still running:
//
//	local n = 0
//	local function inc() n = n + 1 end
//	pcall(error, "x")
//	inc()
//	print(n) --> 0 in gopher-lua, 1 in Lua 5.1
//
// (yuin/gopher-lua#448, open). Scripts meet it all the time: a debug or
// progress callback counting into a local of the script stops counting
// after the first caught FTP error. FixPcall replaces pcall and xpcall
// with versions that behave as Lua 5.1's: they mark the state as having
// an error handler while the protected call runs, so that raising an
// error closes nothing, and give the call a handler that, at the point of
// the error (before the stack is unwound and its values cleared), closes
// the upvalues of the frames the error unwinds, and only those, as Lua
// 5.1 does when it unwinds.
//
// Three gopher-lua internals are used, each checked: the unexported
// LState.closeUpvalues is linked by name (a change fails at link time),
// and the fields LState.hasErrorFunc and LState.currentFrame.LocalBase are
// found by reflection; if a later gopher-lua lacks them, FixPcall leaves
// the library's pcall and xpcall in place.

//go:linkname closeUpvalues github.com/yuin/gopher-lua.(*LState).closeUpvalues
func closeUpvalues(L *lua.LState, idx int)

var (
	hasErrorFuncOffset uintptr // of LState.hasErrorFunc; 0: not found
	currentFrameIndex  []int   // of LState.currentFrame (*callFrame)
	localBaseIndex     []int   // of callFrame.LocalBase
)

func init() {
	t := reflect.TypeOf(lua.LState{})
	f, ok := t.FieldByName("hasErrorFunc")
	if !ok || f.Type.Kind() != reflect.Bool {
		return
	}
	cf, ok := t.FieldByName("currentFrame")
	if !ok || cf.Type.Kind() != reflect.Pointer || cf.Type.Elem().Kind() != reflect.Struct {
		return
	}
	lb, ok := cf.Type.Elem().FieldByName("LocalBase")
	if !ok || lb.Type.Kind() != reflect.Int {
		return
	}
	hasErrorFuncOffset, currentFrameIndex, localBaseIndex = f.Offset, cf.Index, lb.Index
}

func hasErrorFunc(L *lua.LState) *bool {
	return (*bool)(unsafe.Add(unsafe.Pointer(L), hasErrorFuncOffset))
}

// localBase is the stack index of argument 1 of the running Go function.
func localBase(L *lua.LState) int {
	return int(reflect.ValueOf(L).Elem().FieldByIndex(currentFrameIndex).Elem().FieldByIndex(localBaseIndex).Int())
}

// FixPcall installs the fixed pcall and xpcall as globals of L (Open does
// this; an embedder that opens the base library again afterwards calls it
// again).
func FixPcall(L *lua.LState) {
	if hasErrorFuncOffset == 0 {
		return
	}
	L.SetGlobal("pcall", L.NewFunction(pcall))
	L.SetGlobal("xpcall", L.NewFunction(xpcall))
}

// protect calls the function at argument fn of the running Go function
// with the nargs values above it, as L.PCall does, with Lua 5.1's
// handling of upvalues (see above); handler, if not nil, is xpcall's.
func protect(L *lua.LState, fn, nargs int, handler *lua.LFunction) error {
	// The called function's frame starts above it; the frames the error
	// unwinds are that one and those above.
	from := localBase(L) + fn
	errfunc := L.NewFunction(func(L *lua.LState) int {
		closeUpvalues(L, from)
		if handler == nil {
			return 1 // the error value, unchanged
		}
		L.Push(handler)
		L.Push(L.Get(1))
		L.Call(1, 1)
		return 1
	})
	flag := hasErrorFunc(L)
	saved := *flag
	*flag = true
	err := L.PCall(nargs, lua.MultRet, errfunc)
	*flag = saved // an inner PCall clears it when it returns
	return err
}

// pcallError is the value pcall returns for err.
func pcallError(err error) lua.LValue {
	if aerr, ok := err.(*lua.ApiError); ok {
		return aerr.Object
	}
	return lua.LString(err.Error())
}

// pcall is Lua 5.1's pcall(f, ...), as gopher-lua's basePCall.
func pcall(L *lua.LState) int {
	L.CheckAny(1)
	v := L.Get(1)
	if v.Type() != lua.LTFunction && L.GetMetaField(v, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + v.Type().String() + " value"))
		return 2
	}
	if err := protect(L, 1, L.GetTop()-1, nil); err != nil {
		L.Push(lua.LFalse)
		L.Push(pcallError(err))
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// xpcall is Lua 5.1's xpcall(f, handler), as gopher-lua's baseXPCall.
func xpcall(L *lua.LState) int {
	fn := L.CheckFunction(1)
	handler := L.CheckFunction(2)
	top := L.GetTop()
	L.Push(fn)
	if err := protect(L, top+1, 0, handler); err != nil {
		L.Push(lua.LFalse)
		L.Push(pcallError(err))
		return 2
	}
	L.Insert(lua.LTrue, top+1)
	return L.GetTop() - top
}
