package luabind

import (
	"errors"
	"time"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/parse"
	lua "github.com/yuin/gopher-lua"
)

// Parsers (API.md "Parsers"): ftputil.parser.unix(), .ms(), .mlsd() and the
// helpers; host:set_parser takes one of them or a Lua table with
// parse_line and ignores_line.

const parserMT = "ftputil.parser"

type parserHandle struct{ p parse.Parser }

func registerParsers(L *lua.LState, mod *lua.LTable) {
	mt := L.NewTypeMetatable(parserMT)
	L.SetField(mt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"parse_line":   parserParseLine,
		"ignores_line": parserIgnoresLine,
	}))
	L.SetField(mt, "__metatable", lua.LString(parserMT))
	make := func(p parse.Parser) lua.LGFunction {
		return func(L *lua.LState) int {
			ud := L.NewUserData()
			ud.Value = &parserHandle{p: p}
			L.SetMetatable(ud, L.GetTypeMetatable(parserMT))
			L.Push(ud)
			return 1
		}
	}
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"unix":            make(parse.Unix{}),
		"ms":              make(parse.MS{}),
		"mlsd":            make(parse.MLSD{}),
		"parse_unix_mode": parseUnixMode,
		"parse_unix_time": parseUnixTime,
		"parse_ms_time":   parseMSTime,
	})
	L.SetField(mod, "parser", t)
}

func checkParser(L *lua.LState, fname string) *parserHandle {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if ph, ok := ud.Value.(*parserHandle); ok {
			return ph
		}
	}
	L.RaiseError("calling '%s' on bad self (ftputil parser expected, got %s)", fname, typeName(L.Get(1)))
	return nil
}

func optNumber(L *lua.LState, idx, n int, fname string) float64 {
	switch v := L.Get(idx).(type) {
	case *lua.LNilType:
		return 0
	case lua.LNumber:
		return float64(v)
	default:
		argError(L, n, fname, "number expected, got "+typeName(v))
	}
	return 0
}

func raiseParse(L *lua.LState, err error) {
	var pe *parse.Error
	if errors.As(err, &pe) {
		raise(L, &host.Error{Class: host.ParserError, Message: pe.Msg, Err: err})
	}
	raise(L, &host.Error{Class: host.ParserError, Message: err.Error(), Err: err})
}

func parserParseLine(L *lua.LState) int {
	ph := checkParser(L, "parse_line")
	line := checkString(L, 2, 1, "parse_line")
	ts := optNumber(L, 3, 2, "parse_line")
	st, err := ph.p.ParseLine(line, ts)
	if err != nil {
		raiseParse(L, err)
	}
	L.Push(statTable(L, st))
	return 1
}

func parserIgnoresLine(L *lua.LState) int {
	ph := checkParser(L, "ignores_line")
	L.Push(lua.LBool(ph.p.IgnoresLine(checkString(L, 2, 1, "ignores_line"))))
	return 1
}

func parseUnixMode(L *lua.LState) int {
	m, err := parse.ParseUnixMode(checkString(L, 1, 1, "parse_unix_mode"))
	if err != nil {
		raiseParse(L, err)
	}
	L.Push(lua.LNumber(m))
	return 1
}

func pushTime(L *lua.LState, mtime, precision float64, err error) int {
	if err != nil {
		raiseParse(L, err)
	}
	L.Push(lua.LNumber(mtime))
	if precision == 0 {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LNumber(precision))
	}
	return 2
}

// parse_unix_time(month, day, year_or_time [, time_shift]) -> seconds, precision
func parseUnixTime(L *lua.LState) int {
	m := checkString(L, 1, 1, "parse_unix_time")
	d := checkString(L, 2, 2, "parse_unix_time")
	y := checkString(L, 3, 3, "parse_unix_time")
	ts := optNumber(L, 4, 4, "parse_unix_time")
	mtime, prec, err := parse.ParseUnixTime(m, d, y, ts, time.Now())
	return pushTime(L, mtime, prec, err)
}

// parse_ms_time(date, time [, time_shift]) -> seconds, precision
func parseMSTime(L *lua.LState) int {
	d := checkString(L, 1, 1, "parse_ms_time")
	t := checkString(L, 2, 2, "parse_ms_time")
	ts := optNumber(L, 3, 3, "parse_ms_time")
	mtime, prec, err := parse.ParseMSTime(d, t, ts)
	return pushTime(L, mtime, prec, err)
}

// luaParser is a parser written in Lua: a table with parse_line(line,
// time_shift) returning a stat table, and ignores_line(line). It runs on
// the script's own goroutine, inside the host call that lists; it must not
// use the host itself. An error it raises reaches the script.
type luaParser struct {
	L           *lua.LState
	parseLine   *lua.LFunction
	ignoresLine *lua.LFunction
}

func (p *luaParser) ParseLine(line string, ts float64) (host.StatResult, error) {
	L := p.L
	if err := L.CallByParam(lua.P{Fn: p.parseLine, NRet: 1, Protect: true}, lua.LString(line), lua.LNumber(ts)); err != nil {
		return host.StatResult{}, &luaCallError{err}
	}
	v := L.Get(-1)
	L.Pop(1)
	t, ok := v.(*lua.LTable)
	if !ok {
		return host.StatResult{}, &parse.Error{Line: line, Msg: "Lua parser's parse_line returned " + typeName(v) + ", not a stat table"}
	}
	return statFromTable(t), nil
}

func (p *luaParser) IgnoresLine(line string) bool {
	L := p.L
	if err := L.CallByParam(lua.P{Fn: p.ignoresLine, NRet: 1, Protect: true}, lua.LString(line)); err != nil {
		return false
	}
	v := L.Get(-1)
	L.Pop(1)
	return lua.LVAsBool(v)
}

// luaCallError carries a Lua error out of a parser, to be raised again
// with its own value when the host call returns.
type luaCallError struct{ err error }

func (e *luaCallError) Error() string { return e.err.Error() }
func (e *luaCallError) Unwrap() error { return e.err }

// statFromTable reads a stat table back (the st_* names, or [1]..[10]).
func statFromTable(t *lua.LTable) host.StatResult {
	var st host.StatResult
	get := func(name string, idx int) lua.LValue {
		if v := t.RawGetString(name); v != lua.LNil {
			return v
		}
		return t.RawGetInt(idx)
	}
	num := func(name string, idx int, bit parse.Field) float64 {
		if n, ok := get(name, idx).(lua.LNumber); ok {
			st.Valid |= bit
			return float64(n)
		}
		return 0
	}
	str := func(name string, idx int, bit parse.Field) string {
		switch v := get(name, idx).(type) {
		case lua.LString:
			st.Valid |= bit
			return string(v)
		case lua.LNumber:
			st.Valid |= bit
			return v.String()
		}
		return ""
	}
	st.Mode = uint32(num("st_mode", 1, parse.HasMode))
	st.Ino = uint64(num("st_ino", 2, parse.HasIno))
	st.Dev = uint64(num("st_dev", 3, parse.HasDev))
	st.Nlink = int64(num("st_nlink", 4, parse.HasNlink))
	st.UID = str("st_uid", 5, parse.HasUID)
	st.GID = str("st_gid", 6, parse.HasGID)
	st.Size = int64(num("st_size", 7, parse.HasSize))
	st.Atime = num("st_atime", 8, parse.HasAtime)
	st.Mtime = num("st_mtime", 9, parse.HasMtime)
	st.Ctime = num("st_ctime", 10, parse.HasCtime)
	if v, ok := t.RawGetString("_st_name").(lua.LString); ok {
		st.Name = string(v)
	} else if v, ok := t.RawGetString("name").(lua.LString); ok {
		st.Name = string(v)
	}
	for _, k := range []string{"_st_target", "target"} {
		if v, ok := t.RawGetString(k).(lua.LString); ok {
			st.Target = string(v)
			st.Valid |= parse.HasTarget
			break
		}
	}
	for _, k := range []string{"_st_mtime_precision", "mtime_precision"} {
		if v, ok := t.RawGetString(k).(lua.LNumber); ok {
			st.MtimePrecision = float64(v)
			st.Valid |= parse.HasPrecision
			break
		}
	}
	return st
}

// host:set_parser(parser)
func hostSetParser(L *lua.LState) int {
	hh := checkHost(L, "set_parser")
	switch v := L.Get(2).(type) {
	case *lua.LUserData:
		if ph, ok := v.Value.(*parserHandle); ok {
			hh.h.SetParser(ph.p)
			return 0
		}
	case *lua.LTable:
		pl, ok1 := v.RawGetString("parse_line").(*lua.LFunction)
		il, ok2 := v.RawGetString("ignores_line").(*lua.LFunction)
		if ok1 && ok2 {
			hh.h.SetParser(&luaParser{L: L, parseLine: pl, ignoresLine: il})
			return 0
		}
		argError(L, 1, "set_parser", "a parser table needs the functions parse_line and ignores_line")
	}
	argError(L, 1, "set_parser", "ftputil parser or table expected, got "+typeName(L.Get(2)))
	return 0
}
