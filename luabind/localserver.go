package luabind

import (
	"fmt"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/internal/localserver"
	lua "github.com/yuin/gopher-lua"
)

const serverMT = "ftputil.local_server"

type serverHandle struct{ s *localserver.Server }

func (sh *serverHandle) Close() error { return sh.s.Close() }

func registerLocalServer(L *lua.LState, mod *lua.LTable) {
	mt := L.NewTypeMetatable(serverMT)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"close":   serverClose,
		"connect": serverConnect,
	})
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		sh := checkServer(L, "__index")
		key := L.Get(2)
		if m := methods.RawGet(key); m != lua.LNil {
			L.Push(m)
			return 1
		}
		s := sh.s
		switch lua.LVAsString(key) {
		case "url":
			L.Push(lua.LString(s.URL()))
		case "host":
			L.Push(lua.LString(s.Host))
		case "root":
			L.Push(lua.LString(s.Root))
		case "port":
			L.Push(lua.LNumber(s.Port))
		case "user":
			L.Push(lua.LString(s.User))
		case "password":
			L.Push(lua.LString(s.Password))
		case "tls":
			L.Push(lua.LBool(s.TLS))
		case "ca_file":
			if s.CAFile == "" {
				L.Push(lua.LNil)
			} else {
				L.Push(lua.LString(s.CAFile))
			}
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		s := checkServer(L, "tostring").s
		L.Push(lua.LString(fmt.Sprintf("local_server(%s@%s)", s.User, s.Addr())))
		return 1
	}))
	L.SetField(mt, "__metatable", lua.LString(serverMT))
}

func checkServer(L *lua.LState, fname string) *serverHandle {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if sh, ok := ud.Value.(*serverHandle); ok {
			return sh
		}
	}
	L.RaiseError("calling '%s' on bad self (ftputil local server expected, got %s)", fname, typeName(L.Get(1)))
	return nil
}

// ftputil.local_server{root=dir, user=, password=, port=0, tls=false,
// files={["path"]="content", ["dir/"]=""}}; without root, a temporary
// folder that close() removes.
func localServer(L *lua.LState) int {
	t := checkTable(L, 1, 1, "local_server")
	var o localserver.Options
	t.ForEach(func(k, v lua.LValue) {
		key := lua.LVAsString(k)
		switch key {
		case "root", "user", "password":
			optField(L, 1, "local_server", key, v, lua.LTString)
			s := string(v.(lua.LString))
			switch key {
			case "root":
				o.Root = getState(L).localPath(L, s, 1, "local_server")
			case "user":
				o.User = s
			default:
				o.Password = s
			}
		case "files":
			optField(L, 1, "local_server", key, v, lua.LTTable)
			o.Files = map[string]string{}
			v.(*lua.LTable).ForEach(func(name, body lua.LValue) {
				n, ok1 := name.(lua.LString)
				b, ok2 := body.(lua.LString)
				if !ok1 || !ok2 {
					argError(L, 1, "local_server", "option 'files': table of path = content strings expected")
				}
				o.Files[string(n)] = string(b)
			})
		case "port":
			optField(L, 1, "local_server", key, v, lua.LTNumber)
			p := float64(v.(lua.LNumber))
			if p != float64(int(p)) || p < 0 || p > 65535 {
				argError(L, 1, "local_server", "option 'port': must be an integer from 0 to 65535")
			}
			o.Port = int(p)
		case "tls":
			optField(L, 1, "local_server", key, v, lua.LTBool)
			o.TLS = bool(v.(lua.LBool))
		default:
			argError(L, 1, "local_server", fmt.Sprintf("unknown option '%s'", key))
		}
	})
	if o.Root == "" && getState(L).cfg.Sandbox {
		argError(L, 1, "local_server", "option 'root' is required in a sandbox")
	}
	s, err := localserver.Start(o)
	if err != nil {
		raise(L, err)
	}
	sh := &serverHandle{s: s}
	getState(L).track(sh)
	ud := L.NewUserData()
	ud.Value = sh
	L.SetMetatable(ud, L.GetTypeMetatable(serverMT))
	L.Push(ud)
	return 1
}

func serverClose(L *lua.LState) int {
	sh := checkServer(L, "close")
	getState(L).untrack(sh)
	sh.s.Close()
	return 0
}

// srv:connect([opts]): a host on this server, trusting its certificate.
func serverConnect(L *lua.LState) int {
	s := checkServer(L, "connect").s
	o := host.Options{Host: s.Host, Port: s.Port, User: s.User, Password: s.Password}
	if s.TLS {
		o.TLS, o.CAFile = host.TLSExplicit, s.CAFile
	}
	dbg := &debugSink{}
	if L.Get(2) != lua.LNil {
		applyOptions(L, checkTable(L, 2, 1, "connect"), 1, "connect", &o, dbg, false)
	}
	openHost(L, o, dbg)
	return 1
}
