// Command ftplua runs Lua scripts that use the ftputil module (FTP
// automation), as the lua command runs Lua:
//
//	ftplua script.lua [args...]   run a script; arg[0] is its name, arg[1..] its arguments
//	ftplua -e 'chunk' [args...]   run a chunk
//	ftplua [-i]                   the interactive prompt (REPL)
//	ftplua --version | --help
//
// An uncaught error prints its class, code and message to stderr and the
// exit status is 1; a usage error exits with 2.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

const usage = `usage: ftplua [options] [script.lua [args...]]
  -e CHUNK    run the Lua chunk CHUNK (may be given more than once)
  -i          enter the interactive prompt after running the script or chunks
  --version   print the version and exit
  --help      print this help and exit
  -           run the script read from standard input

The module is preloaded: local ftputil = require("ftputil").
Try: ftplua scripts/tour.lua
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var chunks []string
	var script string
	haveScript, interactive := false, false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-e":
			if i+1 >= len(args) {
				fmt.Fprint(stderr, "ftplua: -e needs an argument\n"+usage)
				return 2
			}
			chunks = append(chunks, args[i+1])
			i++
			continue
		case a == "-i":
			interactive = true
			continue
		case a == "--version":
			fmt.Fprintf(stdout, "ftplua %s (ftputil for Lua; gopher-lua %s)\n", luabind.Version, lua.PackageVersion)
			return 0
		case a == "--help" || a == "-h":
			fmt.Fprint(stdout, usage)
			return 0
		case a == "--":
			i++
		case a == "-":
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(stderr, "ftplua: unknown option %s\n%s", a, usage)
			return 2
		}
		if i < len(args) {
			script, haveScript = args[i], true
		}
		break
	}
	if !haveScript && len(chunks) == 0 {
		interactive = true
	}

	L := lua.NewState(lua.Options{RegistryMaxSize: 1 << 20})
	defer L.Close()
	luabind.Preload(L, luabind.Config{Stderr: stderr})
	defer luabind.CloseAll(L)
	setOutput(L, stdout)

	var rest []string
	if haveScript {
		rest = args[i+1:]
	} else if i < len(args) {
		rest = args[i:]
	}
	argt := L.NewTable()
	argt.RawSetInt(-1, lua.LString("ftplua"))
	if haveScript {
		argt.RawSetInt(0, lua.LString(script))
	}
	for k, a := range rest {
		argt.RawSetInt(k+1, lua.LString(a))
	}
	L.SetGlobal("arg", argt)

	for _, c := range chunks {
		fn, err := L.LoadString(c)
		if err != nil {
			fmt.Fprintf(stderr, "ftplua: %v\n", err)
			return 1
		}
		if err := call(L, fn, nil); err != nil {
			report(stderr, err)
			return 1
		}
	}
	if haveScript {
		var fn *lua.LFunction
		var err error
		if script == "-" {
			src, rerr := io.ReadAll(stdin)
			if rerr != nil {
				fmt.Fprintf(stderr, "ftplua: reading stdin: %v\n", rerr)
				return 1
			}
			fn, err = L.Load(strings.NewReader(string(src)), "=stdin")
		} else {
			fn, err = L.LoadFile(script)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ftplua: %v\n", err)
			return 1
		}
		vargs := make([]lua.LValue, len(rest))
		for k, a := range rest {
			vargs[k] = lua.LString(a)
		}
		if err := call(L, fn, vargs); err != nil {
			report(stderr, err)
			return 1
		}
	}
	if interactive {
		var in LineReader
		if f, ok := stdin.(*os.File); ok && f == os.Stdin {
			if lr := newLinerReader(); lr != nil {
				in = lr
				fmt.Fprintf(stdout, "ftplua %s: ftputil for Lua. ftputil is loaded; Ctrl-D leaves.\n", luabind.Version)
			}
		}
		if in == nil {
			in = newPlainReader(stdin)
		}
		defer in.Close()
		if err := L.DoString(`ftputil = require("ftputil")`); err != nil {
			fmt.Fprintf(stderr, "ftplua: %v\n", err)
			return 1
		}
		repl(L, in, stdout, stderr)
	}
	return 0
}

func call(L *lua.LState, fn *lua.LFunction, args []lua.LValue) error {
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	return L.PCall(len(args), 0, L.NewFunction(traceback))
}

// traceback is the message handler: it keeps error objects as they are and
// adds the stack to them, and to strings.
func traceback(L *lua.LState) int {
	v := L.Get(1)
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

// setOutput points print and io.write at w (for tests; os.Stdout otherwise).
func setOutput(L *lua.LState, w io.Writer) {
	if w == os.Stdout {
		return
	}
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		n := L.GetTop()
		for i := 1; i <= n; i++ {
			if i > 1 {
				io.WriteString(w, "\t")
			}
			io.WriteString(w, L.ToStringMeta(L.Get(i)).String())
		}
		io.WriteString(w, "\n")
		return 0
	}))
}
