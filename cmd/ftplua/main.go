// Command ftplua runs Lua scripts that use the ftputil module (FTP
// automation), as the lua command runs Lua:
//
//	ftplua script.lua [args...]   run a script; arg[0] is its name, arg[1..] its arguments
//	ftplua -e 'chunk' [args...]   run a chunk
//	ftplua [-i]                   the interactive prompt (REPL)
//	ftplua --url URL ...          open URL first, as the global host
//	ftplua --version | --help
//
// An uncaught error prints its class, code and message to stderr and the
// exit status is 1; a usage error exits with 2; os.exit(n) exits with n.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

const usage = `usage: ftplua [options] [script.lua [args...]]
  -e CHUNK        run the Lua chunk CHUNK (may be given more than once)
  -i              enter the interactive prompt after running the script or chunks
  --url URL       connect to URL first (ftp://user:password@host:port/dir,
                  ftpes:// for explicit TLS, ftps:// for implicit TLS) and
                  give the script or the prompt the host as the global host;
                  without a password in the URL, on a terminal, ftplua asks
  --ca-file FILE  trust the certificates in FILE (PEM) for --url's TLS
  -v              log the FTP dialogue to stderr (password masked), and
                  show the progress of transfers
  --progress      show the progress of transfers (on a terminal)
  --version       print the version and exit
  --help          print this help and exit
  -               run the script read from standard input

The module is preloaded, as the global ftputil and for require("ftputil").
The prompt keeps its history in ~/.ftplua_history ($FTPLUA_HISTORY; empty
for none), with passwords masked; Tab completes names and remote paths;
Ctrl-C cancels the running command; Ctrl-D leaves.
Exit status: 0, 1 when the script fails, 2 for a usage error, or the code
given to os.exit. Try: ftplua scripts/tour.lua
`

// helpText is what --help prints: the usage, then where the manual is.
const helpText = usage + "\n" + manualHint

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// options are the command line's.
type options struct {
	chunks      []string
	script      string // "" when none
	args        []string
	interactive bool
	url         string
	caFile      string
	verbose     bool
	progress    bool
}

// errHelp and errVersion are not errors: the answer is printed.
var errHelp, errVersion = errors.New("help"), errors.New("version")

func parseArgs(args []string) (options, error) {
	var o options
	i := 0
	// the value of an option: --name=value or --name value
	value := func(name string) (string, error) {
		if v, ok := strings.CutPrefix(args[i], name+"="); ok {
			return v, nil
		}
		if i+1 >= len(args) {
			return "", fmt.Errorf("%s needs an argument", name)
		}
		i++
		return args[i], nil
	}
	for ; i < len(args); i++ {
		a := args[i]
		var err error
		switch {
		case a == "-e":
			var c string
			c, err = value("-e")
			o.chunks = append(o.chunks, c)
		case a == "-i":
			o.interactive = true
		case a == "-v" || a == "--verbose":
			o.verbose = true
		case a == "--progress":
			o.progress = true
		case a == "--url" || strings.HasPrefix(a, "--url="):
			o.url, err = value("--url")
			if err == nil && o.url == "" {
				err = errors.New("--url needs a URL")
			}
		case a == "--ca-file" || strings.HasPrefix(a, "--ca-file="):
			o.caFile, err = value("--ca-file")
		case a == "--version":
			return o, errVersion
		case a == "--help" || a == "-h":
			return o, errHelp
		case a == "--":
			if i+1 < len(args) {
				o.script, o.args = args[i+1], args[i+2:]
			}
			return o, nil
		case a == "-" || !strings.HasPrefix(a, "-"):
			o.script, o.args = a, args[i+1:]
			return o, nil
		default:
			return o, fmt.Errorf("unknown option %s", a)
		}
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	switch err {
	case nil:
	case errHelp:
		fmt.Fprint(stdout, helpText)
		return 0
	case errVersion:
		fmt.Fprintf(stdout, "ftplua %s (ftputil for Lua; gopher-lua %s)\n", luabind.Version, lua.PackageVersion)
		return 0
	default:
		fmt.Fprintf(stderr, "ftplua: %v\n%s", err, usage)
		return 2
	}
	if o.script == "" && len(o.chunks) == 0 {
		o.interactive = true
	}
	if o.caFile != "" && o.url == "" {
		fmt.Fprintf(stderr, "ftplua: --ca-file goes with --url\n%s", usage)
		return 2
	}

	L, err := newState(stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ftplua: %v\n", err)
		return 1
	}
	defer L.Close()
	defer luabind.CloseAll(L)
	if o.verbose {
		debugByDefault(L)
	}
	if o.verbose || o.progress {
		progressByDefault(L)
	}

	argt := L.NewTable()
	argt.RawSetInt(-1, lua.LString("ftplua"))
	if o.script != "" {
		argt.RawSetInt(0, lua.LString(o.script))
	}
	for k, a := range o.args {
		argt.RawSetInt(k+1, lua.LString(a))
	}
	L.SetGlobal("arg", argt)

	if o.url != "" {
		if code := openURL(L, o, stdin, stderr); code != 0 {
			return code
		}
	}
	for _, c := range o.chunks {
		fn, err := L.Load(strings.NewReader(c), "(command line)")
		if err != nil {
			fmt.Fprintf(stderr, "ftplua: %v\n", err)
			return 1
		}
		if code, failed := call(L, fn, nil, stderr); failed {
			return code
		}
	}
	if o.script != "" {
		var fn *lua.LFunction
		var err error
		if o.script == "-" {
			src, rerr := io.ReadAll(stdin)
			if rerr != nil {
				fmt.Fprintf(stderr, "ftplua: reading stdin: %v\n", rerr)
				return 1
			}
			fn, err = L.Load(strings.NewReader(string(src)), "stdin")
		} else {
			fn, err = L.LoadFile(o.script)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ftplua: %v\n", err)
			return 1
		}
		vargs := make([]lua.LValue, len(o.args))
		for k, a := range o.args {
			vargs[k] = lua.LString(a)
		}
		if code, failed := call(L, fn, vargs, stderr); failed {
			return code
		}
	}
	if !o.interactive {
		return 0
	}
	var in LineReader
	if stdinIsTerminal(stdin) {
		if lr := newLinerReader(); lr != nil {
			in = lr
			fmt.Fprintf(stdout, "ftplua %s: ftputil for Lua, loaded as ftputil. Tab completes; Ctrl-C cancels; Ctrl-D leaves.\n", luabind.Version)
		}
	}
	if in == nil {
		in = newPlainReader(stdin)
	}
	defer in.Close()
	return repl(L, in, stdout, stderr)
}

// newState makes the LState of a run: the module open (the global
// ftputil), print and io pointed at stdout and stderr, os.exit ending the
// run rather than the process.
func newState(stdout, stderr io.Writer) (*lua.LState, error) {
	L := lua.NewState(lua.Options{RegistryMaxSize: 1 << 20})
	if err := luabind.Open(L, luabind.Config{Stderr: stderr}); err != nil {
		L.Close()
		return nil, err
	}
	setOutput(L, stdout, stderr)
	setExit(L)
	return L, nil
}

// openURL connects to o.url and sets the global host. On a terminal, a
// URL with a user and no password makes it ask for the password (unless
// $FTPLUA_PASSWORD or ~/.netrc has one).
func openURL(L *lua.LState, o options, stdin io.Reader, stderr io.Writer) int {
	u, err := host.ParseURL(o.url)
	if err != nil {
		fmt.Fprintf(stderr, "ftplua: --url: %v\n", err)
		return 2
	}
	opts := L.NewTable()
	opts.RawSetString("url", lua.LString(o.url))
	if o.caFile != "" {
		opts.RawSetString("ca_file", lua.LString(o.caFile))
	}
	if o.verbose {
		opts.RawSetString("debug", lua.LTrue)
	}
	if u.User != "" && !urlHasPassword(o.url) && os.Getenv("FTPLUA_PASSWORD") == "" &&
		!netrcHasPassword(u.Host, u.User) && stdinIsTerminal(stdin) {
		pw, err := askPassword(fmt.Sprintf("Password for %s@%s: ", u.User, u.Host))
		if err != nil {
			fmt.Fprintf(stderr, "ftplua: no password: %v\n", err)
			return 1
		}
		opts.RawSetString("password", lua.LString(pw))
	}
	connect := L.GetField(L.GetGlobal("ftputil"), "connect")
	fn := L.NewFunction(func(L *lua.LState) int {
		L.Push(connect)
		L.Push(opts)
		L.Call(1, 1)
		L.SetGlobal("host", L.Get(-1))
		return 0
	})
	code, _ := call(L, fn, nil, stderr)
	return code
}

// call runs fn protected: on an error it reports it and returns failed
// with the exit status (1, or the code of os.exit, which is no failure
// when 0 but ends the run all the same).
func call(L *lua.LState, fn *lua.LFunction, args []lua.LValue, stderr io.Writer) (code int, failed bool) {
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 0, L.NewFunction(traceback))
	if err == nil {
		return 0, false
	}
	if code, ok := exitStatus(err); ok {
		return code, true
	}
	report(stderr, err)
	return 1, true
}

// traceback is the message handler: it keeps error objects as they are and
// adds the stack to them, and to strings.
func traceback(L *lua.LState) int {
	v := L.Get(1)
	if isExit(v) {
		L.Push(v)
		return 1
	}
	dbg := L.GetField(L.GetGlobal("debug"), "traceback")
	var trace string
	if f, ok := dbg.(*lua.LFunction); ok {
		if err := L.CallByParam(lua.P{Fn: f, NRet: 1, Protect: true}, lua.LString(""), lua.LNumber(2)); err == nil {
			trace = strings.TrimSpace(L.ToString(-1))
			L.Pop(1)
		}
	}
	if t, ok := v.(*lua.LTable); ok {
		if t.RawGetString("traceback") == lua.LNil && trace != "" {
			t.RawSetString("traceback", lua.LString(trace))
		}
		L.Push(t)
		return 1
	}
	L.Push(lua.LString(L.ToStringMeta(v).String() + "\n" + trace))
	return 1
}

// report prints an uncaught error: class, code and message for error
// objects, the message for anything else, then the stack.
func report(w io.Writer, err error) {
	var apiErr *lua.ApiError
	if !errors.As(err, &apiErr) {
		fmt.Fprintf(w, "ftplua: %v\n", err)
		return
	}
	if t, ok := apiErr.Object.(*lua.LTable); ok && t.RawGetString("class") != lua.LNil {
		class := lua.LVAsString(t.RawGetString("class"))
		msg := lua.LVAsString(t.RawGetString("message"))
		code := ""
		if c, ok := t.RawGetString("code").(lua.LNumber); ok {
			code = fmt.Sprintf(" [code %d]", int(c))
		}
		path := ""
		if p := lua.LVAsString(t.RawGetString("path")); p != "" && !strings.Contains(msg, p) {
			path = " (path: " + p + ")"
		}
		fmt.Fprintf(w, "ftplua: %s%s: %s%s\n", class, code, msg, path)
		if cmd := lua.LVAsString(t.RawGetString("command")); cmd != "" {
			fmt.Fprintf(w, "  command: %s\n", cmd)
		}
		if tb := lua.LVAsString(t.RawGetString("traceback")); tb != "" {
			fmt.Fprintln(w, tb)
		}
		return
	}
	fmt.Fprintf(w, "ftplua: %s\n", lua.LVAsString(apiErr.Object))
}

// setOutput points print, io.write, io.stdout and io.stderr at the
// writers when they are not the process's own (in tests).
func setOutput(L *lua.LState, stdout, stderr io.Writer) {
	if stdout != os.Stdout {
		L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
			n := L.GetTop()
			for i := 1; i <= n; i++ {
				if i > 1 {
					io.WriteString(stdout, "\t")
				}
				io.WriteString(stdout, L.ToStringMeta(L.Get(i)).String())
			}
			io.WriteString(stdout, "\n")
			return 0
		}))
	}
	iot, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return
	}
	if stdout != os.Stdout {
		out := writerFile(L, stdout)
		L.SetField(iot, "stdout", out)
		write := L.GetField(out, "write")
		L.SetField(iot, "write", L.NewFunction(func(L *lua.LState) int {
			n := L.GetTop()
			L.Push(write)
			L.Push(out)
			for i := 1; i <= n; i++ {
				L.Push(L.Get(i))
			}
			L.Call(n+1, 1)
			return 1
		}))
	}
	if stderr != os.Stderr {
		L.SetField(iot, "stderr", writerFile(L, stderr))
	}
}

// writerFile is a stand-in for an io file that writes to w: write (which
// returns the file), flush, close and setvbuf.
func writerFile(L *lua.LState, w io.Writer) *lua.LTable {
	f := L.NewTable()
	L.SetFuncs(f, map[string]lua.LGFunction{
		"write": func(L *lua.LState) int {
			for i := 2; i <= L.GetTop(); i++ {
				switch v := L.Get(i).(type) {
				case lua.LString, lua.LNumber:
					io.WriteString(w, v.String())
				default:
					L.ArgError(i-1, "string expected, got "+v.Type().String())
				}
			}
			L.Push(L.Get(1))
			return 1
		},
		"flush":   func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		"close":   func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		"setvbuf": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
	})
	return f
}

// exitCode is the value os.exit raises: the run ends with code after the
// hosts are closed (gopher-lua's os.exit would end the process at once,
// tests included).
type exitCode struct{ code int }

func setExit(L *lua.LState) {
	ost, ok := L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	L.SetField(ost, "exit", L.NewFunction(func(L *lua.LState) int {
		code := 0
		switch v := L.Get(1).(type) {
		case *lua.LNilType:
		case lua.LBool:
			if !v {
				code = 1
			}
		case lua.LNumber:
			code = int(v)
		default:
			L.ArgError(1, "number or boolean expected, got "+v.Type().String())
		}
		ud := L.NewUserData()
		ud.Value = exitCode{code}
		L.Error(ud, 0)
		return 0
	}))
}

func isExit(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return false
	}
	_, ok = ud.Value.(exitCode)
	return ok
}

// exitStatus: the code of an os.exit that ended a call.
func exitStatus(err error) (int, bool) {
	var apiErr *lua.ApiError
	if !errors.As(err, &apiErr) {
		return 0, false
	}
	if ud, ok := apiErr.Object.(*lua.LUserData); ok {
		if e, ok := ud.Value.(exitCode); ok {
			return e.code, true
		}
	}
	return 0, false
}
