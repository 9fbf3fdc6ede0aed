package luabind

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

const hostMT = "ftputil.host"

// hostHandle is the userdata value of a host.
type hostHandle struct {
	h     *host.Host
	dbg   *debugSink
	paths *lua.LTable    // host.path, made on first use
	cache *lua.LUserData // host.stat_cache, made on first use
}

func (hh *hostHandle) Close() error { return hh.h.Close() }

// debugSink collects the protocol dialogue of a host while a Go call runs
// and hands it to Lua after the call returns, so that a debug function
// that raises never unwinds through the network code.
type debugSink struct {
	mu     sync.Mutex
	lines  []string
	stderr bool
	fn     *lua.LFunction
}

func (d *debugSink) enabled() bool { return d.stderr || d.fn != nil }

func (d *debugSink) add(line string) {
	d.mu.Lock()
	d.lines = append(d.lines, line)
	d.mu.Unlock()
}

func (d *debugSink) flush(L *lua.LState) {
	d.mu.Lock()
	lines := d.lines
	d.lines = nil
	d.mu.Unlock()
	for _, line := range lines {
		if d.fn != nil {
			L.CallByParam(lua.P{Fn: d.fn, NRet: 0, Protect: false}, lua.LString(line))
		} else {
			fmt.Fprintln(getState(L).stderr(), "ftp: "+line)
		}
	}
}

var hostMethods = map[string]lua.LGFunction{
	"getcwd":            hostGetcwd,
	"chdir":             hostChdir,
	"listdir":           hostListdir,
	"stat":              hostStat("stat", true),
	"lstat":             hostStat("lstat", false),
	"walk":              hostWalk,
	"mkdir":             hostMkdir,
	"makedirs":          hostMakedirs,
	"rmdir":             hostRmdir,
	"rmtree":            hostRmtree,
	"remove":            hostRemove,
	"unlink":            hostRemove,
	"rename":            hostRename,
	"chmod":             hostChmod,
	"keep_alive":        hostKeepAlive,
	"set_time_shift":    hostSetTimeShift,
	"time_shift":        hostTimeShift,
	"synchronize_times": hostSynchronizeTimes,
	"set_parser":        hostSetParser,
	"open":              hostOpen,
	"upload":            transfer("upload", true, false),
	"download":          transfer("download", false, false),
	"upload_if_newer":   transfer("upload_if_newer", true, true),
	"download_if_newer": transfer("download_if_newer", false, true),
	"copyfileobj":       hostCopyfileobj,
	"sync_plan":         hostSyncPlan,
	"infer_time_shift":  hostInferTimeShift,
	"apply":             hostApply,
	"close":             hostClose,
}

func registerHost(L *lua.LState, mod *lua.LTable) {
	mt := L.NewTypeMetatable(hostMT)
	methods := L.SetFuncs(L.NewTable(), hostMethods)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		hh := checkHost(L, "__index")
		key := L.Get(2)
		if m := methods.RawGet(key); m != lua.LNil {
			L.Push(m)
			return 1
		}
		switch lua.LVAsString(key) {
		case "curdir":
			L.Push(lua.LString("."))
		case "pardir":
			L.Push(lua.LString(".."))
		case "sep":
			L.Push(lua.LString("/"))
		case "closed":
			L.Push(lua.LBool(hh.h.Closed()))
		case "path":
			L.Push(pathTable(L, hh))
		case "stat_cache":
			L.Push(cacheObject(L, hh))
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(checkHost(L, "tostring").h.String()))
		return 1
	}))
	L.SetField(mt, "__metatable", lua.LString(hostMT))
	L.SetField(mod, "Host", mt)
}

func checkHost(L *lua.LState, fname string) *hostHandle {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if hh, ok := ud.Value.(*hostHandle); ok {
			return hh
		}
	}
	L.RaiseError("calling '%s' on bad self (ftputil host expected, got %s; use host:%s(...))", fname, typeName(L.Get(1)), fname)
	return nil
}

// run calls op, hands the debug lines to Lua, and raises op's error. An
// error that a Lua callback (a parser) raised is raised again as it was.
func (hh *hostHandle) run(L *lua.LState, op func() error) {
	err := op()
	hh.dbg.flush(L)
	if err == nil {
		return
	}
	var lc *luaCallError
	if errors.As(err, &lc) {
		var apiErr *lua.ApiError
		if errors.As(lc.err, &apiErr) {
			L.Error(apiErr.Object, 0)
		}
		L.RaiseError("%v", lc.err)
	}
	raise(L, err)
}

// ctx is the context of the host's network calls.
func (hh *hostHandle) ctx(L *lua.LState) context.Context { return getState(L).ctx(L) }

func pushHost(L *lua.LState, hh *hostHandle) {
	ud := L.NewUserData()
	ud.Value = hh
	L.SetMetatable(ud, L.GetTypeMetatable(hostMT))
	L.Push(ud)
}

// openHost connects with o, tracks the host for CloseAll and pushes it.
func openHost(L *lua.LState, o host.Options, dbg *debugSink) {
	st := getState(L)
	if dbg.enabled() {
		o.Debug = dbg.add
	}
	if o.SessionFactory == nil {
		o.SessionFactory = st.cfg.SessionFactory
	}
	if o.InsecureSkipVerify && o.TLS != host.TLSNone {
		st.warnInsecure(o.Host)
	}
	if (o.InsecureSkipVerify || o.CAFile != "") && o.TLS == host.TLSNone {
		st.warnPlain(o.Host)
	}
	h, err := host.Dial(st.ctx(L), o)
	dbg.flush(L)
	if err != nil {
		raise(L, err)
	}
	hh := &hostHandle{h: h, dbg: dbg}
	st.track(hh)
	pushHost(L, hh)
}

// ftputil.connect(url_or_opts)
func connect(L *lua.LState) int {
	dbg := &debugSink{}
	o := connectOptions(L, 1, 1, "connect", dbg)
	openHost(L, o, dbg)
	return 1
}

// ftputil.FTPHost(server, user, password [, opts])
func ftpHost(L *lua.LState) int {
	dbg := &debugSink{}
	o := host.Options{
		Host:     checkString(L, 1, 1, "FTPHost"),
		User:     optString(L, 2, 2, "FTPHost", ""),
		Password: optString(L, 3, 3, "FTPHost", ""),
	}
	if L.Get(4) != lua.LNil {
		applyOptions(L, checkTable(L, 4, 4, "FTPHost"), 4, "FTPHost", &o, dbg, false)
	}
	openHost(L, o, dbg)
	return 1
}

// ftputil.session(url_or_opts, fn): open, call fn(host), always close.
func session(L *lua.LState) int {
	fn := checkFunction(L, 2, 2, "session")
	L.SetTop(2)
	dbg := &debugSink{}
	o := connectOptions(L, 1, 1, "session", dbg)
	openHost(L, o, dbg)
	ud := L.Get(-1)
	hh := ud.(*lua.LUserData).Value.(*hostHandle)
	top := L.GetTop()
	L.Push(fn)
	L.Push(ud)
	err := L.PCall(1, lua.MultRet, nil)
	closeErr := hh.h.Close()
	getState(L).untrack(hh)
	if err != nil {
		reraise(L, err)
	}
	if closeErr != nil {
		raise(L, closeErr)
	}
	return L.GetTop() - top
}

func hostGetcwd(L *lua.LState) int {
	hh := checkHost(L, "getcwd")
	L.Push(lua.LString(hh.h.Getcwd()))
	return 1
}

func hostChdir(L *lua.LState) int {
	hh := checkHost(L, "chdir")
	p := checkPath(L, 2, 1, "chdir")
	hh.run(L, func() error { return hh.h.Chdir(hh.ctx(L), p) })
	return 0
}

func hostListdir(L *lua.LState) int {
	hh := checkHost(L, "listdir")
	p := checkPath(L, 2, 1, "listdir")
	var names []string
	hh.run(L, func() (err error) {
		names, err = hh.h.Listdir(hh.ctx(L), p)
		return err
	})
	t := L.CreateTable(len(names), 0)
	for _, n := range names {
		t.Append(lua.LString(n))
	}
	L.Push(t)
	return 1
}

func hostClose(L *lua.LState) int {
	hh := checkHost(L, "close")
	getState(L).untrack(hh)
	hh.run(L, hh.h.Close)
	return 0
}
