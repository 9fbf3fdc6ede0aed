package main

import (
	"context"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Tab completion in the REPL: globals and keywords, the fields of tables
// (ftputil.co → ftputil.connect), and the methods and fields of the
// module's objects (host:li → host:listdir, host.path.is → isdir, isfile,
// islink; file:re → read, readline, readlines). After ":" only functions
// are offered. Function names get a "(" appended.
//
// The module's objects index through Go functions, so their names cannot
// be listed from their metatables: they are named here, by metatable, and
// each is offered only if the object really has it.
var objectNames = map[string][]string{
	"ftputil.host": {"getcwd", "chdir", "listdir", "stat", "lstat", "walk", "mkdir", "makedirs",
		"rmdir", "rmtree", "remove", "unlink", "rename", "chmod", "keep_alive", "set_time_shift",
		"time_shift", "synchronize_times", "infer_time_shift", "set_parser", "open", "upload",
		"download", "upload_if_newer", "download_if_newer", "copyfileobj", "sync_plan", "apply",
		"close", "curdir", "pardir", "sep", "closed", "path", "stat_cache"},
	"ftputil.file": {"read", "lines", "write", "close", "readline", "readlines", "writelines",
		"with", "seek", "flush", "closed", "name", "mode", "encoding"},
	"ftputil.local_server": {"close", "connect", "url", "host", "root", "port", "user",
		"password", "tls", "ca_file"},
	"ftputil.stat_cache": {"resize", "invalidate", "clear", "enable", "disable", "size", "count",
		"enabled", "max_age"},
}

// nilFields are the objects' fields that may be nil and are offered all
// the same.
var nilFields = map[string]bool{"ca_file": true, "max_age": true, "encoding": true}

// completer completes Lua in an LState; the REPL calls it between chunks,
// on the LState's goroutine.
type completer struct {
	L     *lua.LState
	index *lua.LFunction // protected indexing of objects
}

func newCompleter(L *lua.LState) *completer {
	return &completer{L: L, index: L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetField(L.Get(1), L.CheckString(2)))
		return 1
	})}
}

// Complete is liner's WordCompleter: line is split into head, the
// candidates for the word at pos, and tail (pos counts runes).
func (c *completer) Complete(line string, pos int) (head string, completions []string, tail string) {
	rs := []rune(line)
	if pos < 0 || pos > len(rs) {
		pos = len(rs)
	}
	before, tail := string(rs[:pos]), string(rs[pos:])
	if inString(before) {
		return c.completePath(before, tail)
	}
	start := len(before)
	for start > 0 && isWordByte(before[start-1]) {
		start--
	}
	chain := before[start:]
	if chain != "" && chain[0] >= '0' && chain[0] <= '9' {
		return before, nil, tail
	}
	if start > 0 && strings.ContainsRune(")]\"'", rune(before[start-1])) {
		return before, nil, tail // a call's or an index's result: not evaluated
	}
	cut := strings.LastIndexAny(chain, ".:")
	var names []string
	word := chain
	if cut < 0 {
		names = c.globals()
	} else {
		base, sep := chain[:cut], chain[cut]
		word = chain[cut+1:]
		if base == "" || strings.Contains(base, ":") {
			return before, nil, tail
		}
		v := c.resolve(strings.Split(base, "."))
		if v == lua.LNil {
			return before, nil, tail
		}
		names = c.fields(v, sep == ':')
	}
	for _, n := range names {
		if strings.HasPrefix(n, word) {
			completions = append(completions, n)
		}
	}
	sort.Strings(completions)
	return before[:len(before)-len(word)], completions, tail
}

// remoteArg is a host method's first argument being typed:
// host:listdir("pub/re, h.path.isdir('x
var remoteArg = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.]*)[:.]([A-Za-z_][A-Za-z0-9_]*)\(\s*["']([^"'\\]*)$`)

// completeTimeout bounds the listing that completes a remote path.
const completeTimeout = 5 * time.Second

// completePath completes a remote path in the string argument of a host
// method (or of host.path's functions) from a listing of its folder;
// folders get a "/".
func (c *completer) completePath(before, tail string) (string, []string, string) {
	m := remoteArg.FindStringSubmatch(before)
	if m == nil {
		return before, nil, tail
	}
	parts := strings.Split(m[1], ".")
	h := c.resolve(parts)
	if ud, ok := h.(*lua.LUserData); !ok || c.objectType(ud) != "ftputil.host" {
		if len(parts) < 2 || parts[len(parts)-1] != "path" {
			return before, nil, tail
		}
		h = c.resolve(parts[:len(parts)-1])
		if ud, ok := h.(*lua.LUserData); !ok || c.objectType(ud) != "ftputil.host" {
			return before, nil, tail
		}
	}
	typed := m[3]
	dir, prefix := path.Split(typed)
	listdir, isdir := c.get(h, "listdir"), c.get(c.get(h, "path"), "isdir")
	if listdir == lua.LNil || isdir == lua.LNil {
		return before, nil, tail
	}
	ctx, cancel := context.WithTimeout(context.Background(), completeTimeout)
	defer cancel()
	c.L.SetContext(ctx)
	defer c.L.RemoveContext()
	listing := dir
	if listing == "" {
		listing = "."
	}
	if err := c.L.CallByParam(lua.P{Fn: listdir, NRet: 1, Protect: true}, h, lua.LString(listing)); err != nil {
		return before, nil, tail
	}
	names, _ := c.L.Get(-1).(*lua.LTable)
	c.L.Pop(1)
	var out []string
	if names != nil {
		names.ForEach(func(_, v lua.LValue) {
			name, ok := v.(lua.LString)
			if !ok || !strings.HasPrefix(string(name), prefix) {
				return
			}
			shown := string(name)
			err := c.L.CallByParam(lua.P{Fn: isdir, NRet: 1, Protect: true}, lua.LString(dir+shown))
			if err == nil {
				if c.L.Get(-1) == lua.LTrue {
					shown += "/"
				}
				c.L.Pop(1)
			}
			out = append(out, shown)
		})
	}
	sort.Strings(out)
	return before[:len(before)-len(prefix)], out, tail
}

func isWordByte(b byte) bool {
	return b == '_' || b == '.' || b == ':' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// inString tells whether the end of s is inside a string literal (quotes
// and backslash escapes; long brackets are not followed).
func inString(s string) bool {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '-' && i+1 < len(s) && s[i+1] == '-':
			return true // a comment: nothing to complete
		}
	}
	return quote != 0
}

func (c *completer) globals() []string {
	names := append([]string(nil), luaKeywords...)
	return append(names, c.fields(c.L.G.Global, false)...)
}

// resolve evaluates a chain of names (a.b.c) without running Lua code
// other than the module's own index functions.
func (c *completer) resolve(parts []string) lua.LValue {
	v := c.L.G.Global.RawGetString(parts[0])
	for _, p := range parts[1:] {
		if !isIdentifier(p) {
			return lua.LNil
		}
		v = c.get(v, p)
		if v == lua.LNil {
			return v
		}
	}
	return v
}

// get indexes v by key: raw for tables (following __index tables), through
// the index function for the module's objects, nothing else.
func (c *completer) get(v lua.LValue, key string) lua.LValue {
	switch v := v.(type) {
	case *lua.LTable:
		for depth := 0; depth < 8; depth++ {
			if x := v.RawGetString(key); x != lua.LNil {
				return x
			}
			next, ok := c.L.GetMetaField(v, "__index").(*lua.LTable)
			if !ok {
				return lua.LNil
			}
			v = next
		}
	case *lua.LUserData:
		if c.objectType(v) == "" {
			if t, ok := c.L.GetMetaField(v, "__index").(*lua.LTable); ok {
				return t.RawGetString(key)
			}
			return lua.LNil
		}
		if err := c.L.CallByParam(lua.P{Fn: c.index, NRet: 1, Protect: true}, v, lua.LString(key)); err != nil {
			return lua.LNil
		}
		x := c.L.Get(-1)
		c.L.Pop(1)
		return x
	case lua.LString:
		if t, ok := c.L.GetGlobal("string").(*lua.LTable); ok {
			return t.RawGetString(key)
		}
	}
	return lua.LNil
}

// objectType is the module's type name of a userdata ("ftputil.host"),
// or "".
func (c *completer) objectType(ud *lua.LUserData) string {
	mt, ok := ud.Metatable.(*lua.LTable) // raw: __metatable hides it from Lua
	if !ok {
		return ""
	}
	name, ok := mt.RawGetString("__metatable").(lua.LString)
	if !ok || objectNames[string(name)] == nil || c.L.GetTypeMetatable(string(name)) != mt {
		return ""
	}
	return string(name)
}

// fields lists the names v can be indexed by (only functions, with
// methodsOnly), functions marked with "(".
func (c *completer) fields(v lua.LValue, methodsOnly bool) []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string, x lua.LValue) {
		if seen[name] || !isIdentifier(name) {
			return
		}
		_, isFn := x.(*lua.LFunction)
		if methodsOnly && !isFn {
			return
		}
		seen[name] = true
		if isFn {
			name += "("
		}
		out = append(out, name)
	}
	addTable := func(t *lua.LTable) {
		for depth := 0; t != nil && depth < 8; depth++ {
			t.ForEach(func(k, x lua.LValue) {
				if s, ok := k.(lua.LString); ok && x != lua.LNil {
					add(string(s), x)
				}
			})
			t, _ = c.L.GetMetaField(t, "__index").(*lua.LTable)
		}
	}
	switch v := v.(type) {
	case *lua.LTable:
		addTable(v)
	case *lua.LUserData:
		if typ := c.objectType(v); typ != "" {
			// a name the object answers with nil is a field that may be
			// unset (a server's ca_file), or not in this version
			for _, n := range objectNames[typ] {
				if x := c.get(v, n); x != lua.LNil || (!methodsOnly && nilFields[n]) {
					add(n, x)
				}
			}
		} else if t, ok := c.L.GetMetaField(v, "__index").(*lua.LTable); ok {
			addTable(t)
		}
	case lua.LString:
		if t, ok := c.L.GetGlobal("string").(*lua.LTable); ok {
			addTable(t)
		}
	}
	return out
}
