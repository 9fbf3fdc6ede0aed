package luabind

import (
	"fmt"
	"time"

	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// connectOptions reads the argument of connect: a URL string or an option
// table (API.md "Connecting"). n is the argument's number in messages.
func connectOptions(L *lua.LState, idx, n int, fname string, dbg *debugSink) host.Options {
	switch v := L.Get(idx).(type) {
	case lua.LString:
		o, err := host.ParseURL(string(v))
		if err != nil {
			argError(L, n, fname, err.Error())
		}
		return o
	case *lua.LTable:
		var o host.Options
		applyOptions(L, v, n, fname, &o, dbg, true)
		return o
	default:
		argError(L, n, fname, "URL string or option table expected, got "+typeName(v))
	}
	return host.Options{}
}

// applyOptions sets o from the keys of t. With a URL, withTarget is false:
// host, user and password come from elsewhere.
func applyOptions(L *lua.LState, t *lua.LTable, n int, fname string, o *host.Options, dbg *debugSink, withTarget bool) {
	str := func(key string, v lua.LValue) string {
		optField(L, n, fname, key, v, lua.LTString)
		return string(v.(lua.LString))
	}
	boolean := func(key string, v lua.LValue) bool {
		optField(L, n, fname, key, v, lua.LTBool)
		return bool(v.(lua.LBool))
	}
	num := func(key string, v lua.LValue) float64 {
		optField(L, n, fname, key, v, lua.LTNumber)
		return float64(v.(lua.LNumber))
	}
	bad := func(key, msg string) { argError(L, n, fname, fmt.Sprintf("option '%s': %s", key, msg)) }
	if u := t.RawGetString("url"); u != lua.LNil {
		if !withTarget {
			bad("url", "not allowed here")
		}
		p, err := host.ParseURL(str("url", u))
		if err != nil {
			bad("url", err.Error())
		}
		o.Host, o.Port, o.User, o.Password, o.TLS, o.Dir = p.Host, p.Port, p.User, p.Password, p.TLS, p.Dir
	}
	t.ForEach(func(k, v lua.LValue) {
		key, ok := k.(lua.LString)
		if !ok {
			argError(L, n, fname, "option names must be strings, got "+k.Type().String())
		}
		switch string(key) {
		case "host":
			o.Host = str("host", v)
		case "port":
			p := num("port", v)
			if p != float64(int(p)) || p < 1 || p > 65535 {
				bad("port", "must be an integer from 1 to 65535")
			}
			o.Port = int(p)
		case "user":
			o.User = str("user", v)
		case "password":
			o.Password = str("password", v)
		case "account":
			o.Account = str("account", v)
		case "dir":
			o.Dir = str("dir", v)
		case "tls":
			switch v := v.(type) {
			case lua.LBool:
				o.TLS = host.TLSNone
				if v {
					o.TLS = host.TLSExplicit
				}
			case lua.LString:
				if v != host.TLSExplicit && v != host.TLSImplicit {
					bad("tls", `must be false, "explicit" or "implicit"`)
				}
				o.TLS = string(v)
			default:
				bad("tls", `must be false, "explicit" or "implicit"`)
			}
		case "tls_verify":
			o.InsecureSkipVerify = !boolean("tls_verify", v)
		case "ca_file":
			o.CAFile = str("ca_file", v)
		case "passive":
			o.Active = !boolean("passive", v)
		case "encoding":
			o.Encoding = str("encoding", v)
		case "timeout":
			s := num("timeout", v)
			if s <= 0 {
				bad("timeout", "must be a positive number of seconds")
			}
			o.Timeout = time.Duration(s * float64(time.Second))
		case "debug":
			switch v := v.(type) {
			case lua.LBool:
				dbg.stderr = bool(v)
			case *lua.LFunction:
				dbg.fn = v
			default:
				bad("debug", "true, false or a function expected, got "+v.Type().String())
			}
		case "use_list_a_option":
			o.NoListA = !boolean("use_list_a_option", v)
		case "use_mlsd":
			o.UseMLSD = boolean("use_mlsd", v)
		case "max_connections":
			m := num("max_connections", v)
			if m != float64(int(m)) || m < 1 {
				bad("max_connections", "must be a positive integer")
			}
			o.MaxConnections = int(m)
		case "url": // applied first, above
		default:
			argError(L, n, fname, fmt.Sprintf("unknown option '%s'", key))
		}
	})
	if withTarget && o.Host == "" {
		argError(L, n, fname, "option 'host' is required")
	}
}
