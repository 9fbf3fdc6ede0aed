package luabind

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Argument checks in the style of Lua's own functions: "bad argument #1 to
// 'listdir' (string expected, got number)". For methods, arguments are
// numbered after self, as C Lua does.

func argError(L *lua.LState, n int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fname, msg)
}

func typeName(v lua.LValue) string {
	if v == lua.LNil {
		return "no value"
	}
	return v.Type().String()
}

// checkString takes a string argument at stack index idx; shown as
// argument number n. Numbers are refused: a path is never a number.
func checkString(L *lua.LState, idx, n int, fname string) string {
	v := L.Get(idx)
	s, ok := v.(lua.LString)
	if !ok {
		argError(L, n, fname, "string expected, got "+typeName(v))
	}
	return string(s)
}

// checkPath is checkString for a remote path: CR, LF and NUL are refused
// before anything reaches the server.
func checkPath(L *lua.LState, idx, n int, fname string) string {
	p := checkString(L, idx, n, fname)
	if strings.ContainsAny(p, "\r\n\x00") {
		argError(L, n, fname, "path contains CR, LF or NUL")
	}
	return p
}

func optString(L *lua.LState, idx, n int, fname, def string) string {
	if L.Get(idx) == lua.LNil {
		return def
	}
	return checkString(L, idx, n, fname)
}

func checkTable(L *lua.LState, idx, n int, fname string) *lua.LTable {
	v := L.Get(idx)
	t, ok := v.(*lua.LTable)
	if !ok {
		argError(L, n, fname, "table expected, got "+typeName(v))
	}
	return t
}

func checkFunction(L *lua.LState, idx, n int, fname string) *lua.LFunction {
	v := L.Get(idx)
	f, ok := v.(*lua.LFunction)
	if !ok {
		argError(L, n, fname, "function expected, got "+typeName(v))
	}
	return f
}

// option readers for option tables: errors name the key.

func optField(L *lua.LState, n int, fname, key string, v lua.LValue, want lua.LValueType) {
	if v.Type() != want {
		argError(L, n, fname, fmt.Sprintf("option '%s': %s expected, got %s", key, want, v.Type()))
	}
}
