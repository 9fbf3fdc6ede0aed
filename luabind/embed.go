package luabind

import (
	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
	luar "layeh.com/gopher-luar"
)

// Value converts a Go value for Lua, for an embedder that hands scripts
// values of its own. A *host.Host becomes the module's host object, with
// every method of API.md (the embedder keeps ownership: CloseAll does not
// close it). Anything else goes through gopher-luar: structs, maps, slices
// and functions become userdata that Lua can index and call.
//
// The module must be loaded in L (Preload, then require) before a host is
// handed over.
func Value(L *lua.LState, v any) lua.LValue {
	if h, ok := v.(*host.Host); ok {
		hh := &hostHandle{h: h, dbg: &debugSink{}}
		ud := L.NewUserData()
		ud.Value = hh
		L.SetMetatable(ud, L.GetTypeMetatable(hostMT))
		return ud
	}
	return luar.New(L, v)
}

// SetGlobal sets a global variable to Value(L, v).
func SetGlobal(L *lua.LState, name string, v any) {
	L.SetGlobal(name, Value(L, v))
}
