// Package luabind is the Lua face of ftplua: the module "ftputil" of
// API.md for gopher-lua, with hosts, remote paths, error objects and the
// local server.
//
// An application opens it in a state it owns (see the package example):
//
//	L := lua.NewState()
//	defer L.Close()
//	luabind.Open(L, luabind.Config{Context: ctx, Sandbox: true, LocalRoot: dir})
//	defer luabind.CloseAll(L) // closes the hosts, files and servers scripts left open
//	err := L.DoString(`for _, n in ipairs(ftputil.connect(url):listdir("/")) do print(n) end`)
//
// Open is Preload (require("ftputil") works) plus the global ftputil, the
// sandbox and the context; ftplua itself uses it. Config.Context bounds
// every network operation: cancelling it stops a running transfer within
// moments. With Sandbox, scripts get no io library, no os.execute and no
// loading of files, and local paths (upload, download, local_server) stay
// inside Config.LocalRoot, symbolic links included.
//
// SetGlobal and Value hand scripts Go values: a *host.Host the application
// made becomes a host object; anything else goes through gopher-luar.
//
// Errors reach scripts as error objects (class, code, message, command,
// path, is()); argument errors as Lua's own "bad argument #1 to 'listdir'
// (string expected, got number)". An error raised inside a callback (chunk
// callback, onerror, a parser written in Lua) reaches the script as it was
// raised, and the host stays usable.
//
// Each LState belongs to one goroutine, as gopher-lua requires; the module
// keeps its state per LState, so several states may run at once.
package luabind

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// Version is the module's version, ftputil.version.
const Version = "0.1.0"

// Config configures the module for one LState.
type Config struct {
	// Context bounds every network operation; nil: the LState's context
	// if it has one, else context.Background().
	Context context.Context
	// Stderr receives debug output of debug=true; nil: os.Stderr.
	Stderr io.Writer
	// SessionFactory replaces the FTP connection layer; nil: the default.
	SessionFactory host.SessionFactory
	// LocalRoot, if set, confines the local paths of upload, download and
	// local_server to this folder (symbolic links resolved); a path
	// outside raises an argument error.
	LocalRoot string
	// Sandbox removes what lets a script reach the machine beyond the
	// module: the io library, os.execute, os.exit, os.remove, os.rename,
	// os.tmpname, os.getenv, loadfile, dofile and require of files.
	// Local paths are then allowed only inside LocalRoot (none at all
	// without one).
	Sandbox bool
}

// state is the module's per-LState state: its config and what scripts
// opened, so that it can be closed when the script ends.
type state struct {
	cfg      Config
	mu       sync.Mutex
	closers  map[io.Closer]struct{}
	insecure map[string]bool // warnings given (warnOnce keys)
}

// warnInsecure says on stderr, once per host and state, that a TLS
// connection does not verify the server's certificate.
func (s *state) warnInsecure(host string) {
	s.warnOnce("insecure "+host, "tls_verify=false: the certificate of "+host+
		" is not checked; anyone between here and there can read and change the connection")
}

// warnPlain says once per host that TLS options were given for a
// connection without TLS, which would otherwise look protected.
func (s *state) warnPlain(host string) {
	s.warnOnce("plain "+host, "ca_file or tls_verify given, but the connection to "+host+
		" is plain FTP: nothing is encrypted (use an ftpes:// or ftps:// URL, or tls = \"explicit\")")
}

// warnOnce writes "ftplua: warning: msg" to the state's stderr the first
// time key is seen.
func (s *state) warnOnce(key, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.insecure == nil {
		s.insecure = map[string]bool{}
	}
	if s.insecure[key] {
		return
	}
	s.insecure[key] = true
	fmt.Fprintf(s.stderr(), "ftplua: warning: %s\n", msg)
}

var states sync.Map // *lua.LState -> *state

func getState(L *lua.LState) *state {
	if s, ok := states.Load(L); ok {
		return s.(*state)
	}
	s, _ := states.LoadOrStore(L, &state{closers: map[io.Closer]struct{}{}})
	return s.(*state)
}

func (s *state) track(c io.Closer) {
	s.mu.Lock()
	s.closers[c] = struct{}{}
	s.mu.Unlock()
}

func (s *state) untrack(c io.Closer) {
	s.mu.Lock()
	delete(s.closers, c)
	s.mu.Unlock()
}

func (s *state) stderr() io.Writer {
	if s.cfg.Stderr != nil {
		return s.cfg.Stderr
	}
	return os.Stderr
}

// ctx is the context for a network operation.
func (s *state) ctx(L *lua.LState) context.Context {
	if s.cfg.Context != nil {
		return s.cfg.Context
	}
	if c := L.Context(); c != nil {
		return c
	}
	return context.Background()
}

// Preload makes require("ftputil") load the module in L.
func Preload(L *lua.LState, cfg Config) {
	getState(L).cfg = cfg
	L.PreloadModule("ftputil", Loader)
}

// Open prepares L for scripts as ftplua does: it preloads the module,
// sets the global ftputil, applies the sandbox if asked, and gives L the
// context (so that a script busy in Lua stops too, not only its network
// calls). Call CloseAll(L) when the script is done.
func Open(L *lua.LState, cfg Config) error {
	if cfg.Sandbox {
		sandbox(L)
	}
	Preload(L, cfg)
	FixPcall(L)
	if cfg.Context != nil {
		L.SetContext(cfg.Context)
	}
	return L.DoString(`ftputil = require("ftputil")`)
}

// CloseAll closes every host, file and local server that scripts in L
// opened and did not close, and forgets L. Call it before L.Close().
func CloseAll(L *lua.LState) {
	v, ok := states.LoadAndDelete(L)
	if !ok {
		return
	}
	s := v.(*state)
	s.mu.Lock()
	cs := make([]io.Closer, 0, len(s.closers))
	for c := range s.closers {
		cs = append(cs, c)
	}
	s.closers = map[io.Closer]struct{}{}
	s.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}

// Loader is the module loader of "ftputil".
func Loader(L *lua.LState) int {
	mod := L.NewTable()
	L.SetFuncs(mod, map[string]lua.LGFunction{
		"connect":      connect,
		"FTPHost":      ftpHost,
		"session":      session,
		"local_server": localServer,
	})
	L.SetField(mod, "version", lua.LString(Version))
	registerErrors(L, mod)
	registerHost(L, mod)
	registerLocalServer(L, mod)
	registerParsers(L, mod)
	registerCache(L)
	registerFile(L, mod)
	registerProgress(L, mod)
	registerLocal(L, mod)
	registerSync(L, mod)
	L.Push(mod)
	return 1
}

// localPath checks a local path argument against Config.LocalRoot.
func (s *state) localPath(L *lua.LState, p string, n int, fname string) string {
	if s.cfg.LocalRoot == "" {
		if s.cfg.Sandbox {
			argError(L, n, fname, "local files are not allowed here (sandbox without a local folder)")
		}
		return p
	}
	abs, err := confine(s.cfg.LocalRoot, p)
	if err != nil {
		argError(L, n, fname, err.Error())
	}
	return abs
}
