package luabind

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// Remote files (API.md "Files"): Lua io conventions (read formats, lines,
// write returning the file, close, closed) plus ftputil's readline,
// readlines, writelines, and with(fn). Failures raise FTPIOError objects;
// end of file is nil, as in io.

const fileMT = "ftputil.file"

type fileHandle struct {
	f    *host.File
	path string // absolute remote path
}

func (fh *fileHandle) Close() error { return fh.f.Close() }

var fileMethods = map[string]lua.LGFunction{
	"read":       fileRead,
	"lines":      fileLines,
	"write":      fileWrite,
	"close":      fileClose,
	"readline":   fileReadline,
	"readlines":  fileReadlines,
	"writelines": fileWritelines,
	"with":       fileWith,
	"seek":       fileSeek,
	"flush":      fileFlush,
}

func registerFile(L *lua.LState, mod *lua.LTable) {
	mt := L.NewTypeMetatable(fileMT)
	methods := L.SetFuncs(L.NewTable(), fileMethods)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		fh := checkFileAny(L, "__index")
		key := L.Get(2)
		if m := methods.RawGet(key); m != lua.LNil {
			L.Push(m)
			return 1
		}
		switch lua.LVAsString(key) {
		case "closed":
			L.Push(lua.LBool(fh.f.Closed()))
		case "name":
			L.Push(lua.LString(fh.path))
		case "mode":
			L.Push(lua.LString(fh.f.Mode()))
		case "encoding":
			if e := fh.f.Encoding(); e != "" {
				L.Push(lua.LString(e))
			} else {
				L.Push(lua.LNil)
			}
		default:
			L.Push(lua.LNil)
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		fh := checkFileAny(L, "tostring")
		state := ""
		if fh.f.Closed() {
			state = ", closed"
		}
		L.Push(lua.LString(fmt.Sprintf("ftputil file (%s, %q%s)", fh.path, fh.f.Mode(), state)))
		return 1
	}))
	L.SetField(mt, "__metatable", lua.LString(fileMT))
	L.SetField(mod, "File", mt)
}

func fileOf(v lua.LValue) *fileHandle {
	if ud, ok := v.(*lua.LUserData); ok {
		if fh, ok := ud.Value.(*fileHandle); ok {
			return fh
		}
	}
	return nil
}

// checkFileAny takes self, open or closed.
func checkFileAny(L *lua.LState, fname string) *fileHandle {
	fh := fileOf(L.Get(1))
	if fh == nil {
		L.RaiseError("calling '%s' on bad self (ftputil file expected, got %s; use f:%s(...))", fname, typeName(L.Get(1)), fname)
	}
	return fh
}

// checkFile takes an open file; a closed one is a Lua argument error, as
// io's "attempt to use a closed file".
func checkFile(L *lua.LState, fname string) *fileHandle {
	fh := checkFileAny(L, fname)
	if fh.f.Closed() {
		L.RaiseError("attempt to use a closed file (%s)", fh.path)
	}
	return fh
}

func raiseFile(L *lua.LState, fh *fileHandle, err error) {
	raise(L, host.FileError(err, fh.path))
}

// host:open(path [, mode [, {encoding=, errors=, newline=, rest=}]])
func hostOpen(L *lua.LState) int {
	hh := checkHost(L, "open")
	p := checkPath(L, 2, 1, "open")
	var o host.FileOptions
	o.Mode = optString(L, 3, 2, "open", "r")
	if L.Get(4) != lua.LNil {
		checkTable(L, 4, 3, "open").ForEach(func(k, v lua.LValue) {
			switch key := lua.LVAsString(k); key {
			case "encoding":
				optField(L, 3, "open", key, v, lua.LTString)
				o.Encoding = string(v.(lua.LString))
			case "errors":
				optField(L, 3, "open", key, v, lua.LTString)
				o.Errors = string(v.(lua.LString))
			case "newline":
				optField(L, 3, "open", key, v, lua.LTString)
				nl := string(v.(lua.LString))
				o.Newline = &nl
			case "rest":
				optField(L, 3, "open", key, v, lua.LTNumber)
				r := float64(v.(lua.LNumber))
				if r < 0 || r != float64(int64(r)) {
					argError(L, 3, "open", "option 'rest': must be a byte offset >= 0")
				}
				o.Rest = int64(r)
			default:
				argError(L, 3, "open", "unknown option '"+key+"'")
			}
		})
	}
	var f *host.File
	hh.run(L, func() (err error) {
		f, err = hh.h.Open(hh.ctx(L), p, o)
		return err
	})
	fh := &fileHandle{f: f, path: hh.h.Abspath(p)}
	getState(L).track(fh)
	ud := L.NewUserData()
	ud.Value = fh
	L.SetMetatable(ud, L.GetTypeMetatable(fileMT))
	L.Push(ud)
	return 1
}

// readFormat reads one value of io's read formats; nil at end of file.
func readFormat(L *lua.LState, fh *fileHandle, format lua.LValue, n int) lua.LValue {
	f := fh.f
	if num, ok := format.(lua.LNumber); ok {
		k := int(num)
		if k < 0 {
			argError(L, n, "read", "count must not be negative")
		}
		s, err := f.ReadChars(k)
		if err == io.EOF {
			return lua.LNil
		}
		if err != nil {
			raiseFile(L, fh, err)
		}
		return lua.LString(s)
	}
	fs, ok := format.(lua.LString)
	if !ok {
		argError(L, n, "read", "invalid format")
	}
	switch strings.TrimPrefix(string(fs), "*") {
	case "a":
		s, err := f.ReadChars(-1)
		if err != nil && err != io.EOF {
			raiseFile(L, fh, err)
		}
		return lua.LString(s)
	case "l", "L":
		line, err := f.ReadLine()
		if err != nil && err != io.EOF {
			raiseFile(L, fh, err)
		}
		if line == "" && err == io.EOF {
			return lua.LNil
		}
		if strings.TrimPrefix(string(fs), "*") == "l" {
			line = trimEOL(line)
		}
		return lua.LString(line)
	case "n":
		return readNumber(L, fh)
	}
	argError(L, n, "read", "invalid format '"+string(fs)+"'")
	return lua.LNil
}

func trimEOL(line string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return line[:len(line)-2]
	case strings.HasSuffix(line, "\n"), strings.HasSuffix(line, "\r"):
		return line[:len(line)-1]
	}
	return line
}

// readNumber reads a numeral as io's "*n": leading space skipped; nil if
// none is there.
func readNumber(L *lua.LState, fh *fileHandle) lua.LValue {
	f := fh.f
	var b []byte
	for {
		c, err := f.ReadByte()
		if err == io.EOF {
			return lua.LNil
		}
		if err != nil {
			raiseFile(L, fh, err)
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
			f.UnreadByte()
			break
		}
	}
	for len(b) < 200 {
		c, err := f.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			raiseFile(L, fh, err)
		}
		if !strings.ContainsRune("0123456789+-.eExXabcdefABCDEF", rune(c)) {
			f.UnreadByte()
			break
		}
		b = append(b, c)
	}
	if v, err := strconv.ParseFloat(string(b), 64); err == nil {
		return lua.LNumber(v)
	}
	if v, err := strconv.ParseInt(string(b), 0, 64); err == nil {
		return lua.LNumber(v)
	}
	return lua.LNil
}

// f:read(...)
func fileRead(L *lua.LState) int {
	fh := checkFile(L, "read")
	top := L.GetTop()
	if top < 2 {
		L.Push(readFormat(L, fh, lua.LString("*l"), 1))
		return 1
	}
	for i := 2; i <= top; i++ {
		v := readFormat(L, fh, L.Get(i), i-1)
		L.Push(v)
		if v == lua.LNil {
			return i - 1
		}
	}
	return top - 1
}

// f:lines([fmt]) iterates lines (or fmt) until end of file.
func fileLines(L *lua.LState) int {
	fh := checkFile(L, "lines")
	format := L.Get(2)
	if format == lua.LNil {
		format = lua.LString("*l")
	}
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if fh.f.Closed() {
			L.RaiseError("file is already closed (%s)", fh.path)
		}
		L.Push(readFormat(L, fh, format, 1))
		return 1
	}))
	return 1
}

// f:write(...) writes strings and numbers and returns the file.
func fileWrite(L *lua.LState) int {
	fh := checkFile(L, "write")
	for i := 2; i <= L.GetTop(); i++ {
		var s string
		switch v := L.Get(i).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = v.String()
		default:
			argError(L, i-1, "write", "string expected, got "+typeName(v))
		}
		if _, err := fh.f.WriteString(s); err != nil {
			raiseFile(L, fh, err)
		}
	}
	L.Push(L.Get(1))
	return 1
}

func fileClose(L *lua.LState) int {
	fh := checkFileAny(L, "close")
	getState(L).untrack(fh)
	if err := fh.f.Close(); err != nil {
		raiseFile(L, fh, err)
	}
	L.Push(lua.LTrue)
	return 1
}

func fileFlush(L *lua.LState) int {
	fh := checkFile(L, "flush")
	if fh.f.Writable() {
		if err := fh.f.Flush(); err != nil {
			raiseFile(L, fh, err)
		}
	}
	L.Push(L.Get(1))
	return 1
}

// f:readline(): the line with its terminator; nil at end of file.
func fileReadline(L *lua.LState) int {
	fh := checkFile(L, "readline")
	line, err := fh.f.ReadLine()
	if err != nil && err != io.EOF {
		raiseFile(L, fh, err)
	}
	if line == "" && err == io.EOF {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LString(line))
	}
	return 1
}

func fileReadlines(L *lua.LState) int {
	fh := checkFile(L, "readlines")
	lines, err := fh.f.ReadLines()
	if err != nil {
		raiseFile(L, fh, err)
	}
	L.Push(stringList(L, lines))
	return 1
}

func fileWritelines(L *lua.LState) int {
	fh := checkFile(L, "writelines")
	t := checkTable(L, 2, 1, "writelines")
	lines := make([]string, 0, t.Len())
	for i := 1; i <= t.Len(); i++ {
		switch v := t.RawGetInt(i).(type) {
		case lua.LString:
			lines = append(lines, string(v))
		case lua.LNumber:
			lines = append(lines, v.String())
		default:
			argError(L, 1, "writelines", fmt.Sprintf("array of strings expected, item %d is %s", i, typeName(v)))
		}
	}
	if err := fh.f.WriteLines(lines); err != nil {
		raiseFile(L, fh, err)
	}
	return 0
}

// f:with(fn): calls fn(f), then closes f whatever happens; returns fn's
// results, re-raises its error.
func fileWith(L *lua.LState) int {
	fh := checkFile(L, "with")
	fn := checkFunction(L, 2, 1, "with")
	self := L.Get(1)
	top := L.GetTop()
	L.Push(fn)
	L.Push(self)
	err := L.PCall(1, lua.MultRet, nil)
	getState(L).untrack(fh)
	cerr := fh.f.Close()
	if err != nil {
		reraise(L, err)
	}
	if cerr != nil {
		raiseFile(L, fh, cerr)
	}
	return L.GetTop() - top
}

// reraise raises again what a PCall caught, keeping error objects.
func reraise(L *lua.LState, err error) {
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		L.Error(apiErr.Object, 0)
	}
	L.RaiseError("%v", err)
}

// f:seek([whence [, offset]]): only the current position ("cur", 0) can
// be told; FTP transfers run one way.
func fileSeek(L *lua.LState) int {
	fh := checkFile(L, "seek")
	whence := optString(L, 2, 1, "seek", "cur")
	off := 0.0
	if v, ok := L.Get(3).(lua.LNumber); ok {
		off = float64(v)
	}
	if whence != "cur" || off != 0 {
		L.Push(lua.LNil)
		L.Push(lua.LString("seek: an FTP file can only tell its position (seek(\"cur\", 0)); use open's rest option to start elsewhere"))
		return 2
	}
	pos, err := fh.f.Seek(0, io.SeekCurrent)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LNumber(pos))
	return 1
}
