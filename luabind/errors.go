package luabind

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// Error objects, as API.md "Errors" says: a table with class, code,
// message, command and path, whose metatable gives is() and __tostring.
// The classes are tables under ftputil.error with name, parent and is().

const (
	errorMT = "ftputil.error"
	classMT = "ftputil.error.class"
)

func registerErrors(L *lua.LState, mod *lua.LTable) {
	emt := L.NewTypeMetatable(errorMT)
	L.SetField(emt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"is": errorIs}))
	L.SetField(emt, "__tostring", L.NewFunction(errorToString))

	cmt := L.NewTypeMetatable(classMT)
	L.SetField(cmt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"is": classIs}))
	L.SetField(cmt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetField(L.CheckTable(1), "name"))
		return 1
	}))
	classes := L.NewTable()
	for _, c := range host.Classes() {
		t := L.NewTable()
		t.RawSetString("name", lua.LString(c))
		if p := c.Parent(); p != "" {
			t.RawSetString("parent", lua.LString(p))
		}
		L.SetMetatable(t, cmt)
		classes.RawSetString(string(c), t)
	}
	L.SetField(mod, "error", classes)
}

// className reads a class argument: a name or a class table.
func className(L *lua.LState, idx, n int, fname string) host.Class {
	switch v := L.Get(idx).(type) {
	case lua.LString:
		return host.Class(v)
	case *lua.LTable:
		if name, ok := v.RawGetString("name").(lua.LString); ok {
			return host.Class(name)
		}
	}
	argError(L, n, fname, "class name or ftputil.error class expected, got "+typeName(L.Get(idx)))
	return ""
}

// errorClass returns the class of an error object, or "" for any other value.
func errorClass(v lua.LValue) host.Class {
	t, ok := v.(*lua.LTable)
	if !ok {
		return ""
	}
	if c, ok := t.RawGetString("class").(lua.LString); ok {
		return host.Class(c)
	}
	return ""
}

// err:is(class)
func errorIs(L *lua.LState) int {
	c := errorClass(L.Get(1))
	want := className(L, 2, 1, "is")
	L.Push(lua.LBool(c != "" && c.IsA(want)))
	return 1
}

// ftputil.error.Class:is(err)
func classIs(L *lua.LState) int {
	want := className(L, 1, 0, "is")
	c := errorClass(L.Get(2))
	L.Push(lua.LBool(c != "" && c.IsA(want)))
	return 1
}

func errorToString(L *lua.LState) int {
	t := L.CheckTable(1)
	s := fmt.Sprintf("%s: %s", lua.LVAsString(t.RawGetString("class")), lua.LVAsString(t.RawGetString("message")))
	if p, ok := t.RawGetString("path").(lua.LString); ok && p != "" {
		if m := lua.LVAsString(t.RawGetString("message")); !strings.Contains(m, string(p)) {
			s += " (path: " + string(p) + ")"
		}
	}
	L.Push(lua.LString(s))
	return 1
}

// errorValue turns a Go error into an error object. Errors that are not
// *host.Error become FTPOSError without a code.
func errorValue(L *lua.LState, err error) *lua.LTable {
	var he *host.Error
	if !errors.As(err, &he) {
		he = &host.Error{Class: host.FTPOSError, Message: err.Error()}
	}
	t := L.NewTable()
	t.RawSetString("class", lua.LString(he.Class))
	if he.Code != 0 {
		t.RawSetString("code", lua.LNumber(he.Code))
	}
	t.RawSetString("message", lua.LString(he.Message))
	if he.Command != "" {
		t.RawSetString("command", lua.LString(he.Command))
	}
	if he.Path != "" {
		t.RawSetString("path", lua.LString(he.Path))
	}
	L.SetMetatable(t, L.GetTypeMetatable(errorMT))
	return t
}

// raise raises err as an error object; it does not return.
func raise(L *lua.LState, err error) {
	L.Error(errorValue(L, err), 1)
}
