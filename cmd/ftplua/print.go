package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// How the REPL shows the values of an expression: strings as they are
// (as lua does), arrays of strings (a listdir result) in columns, stat
// results as a small labelled block, other tables as Lua constructors
// (on one line when they fit, else one field a line), anything with a
// __tostring through it.

const (
	maxDepth = 4   // nested tables shown this deep, then {…}
	maxItems = 200 // fields of one table shown, then …
)

// formatValue renders one value for a terminal width columns wide.
func formatValue(L *lua.LState, v lua.LValue, width int) string {
	if width < 20 {
		width = 80
	}
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case *lua.LTable:
		if hasToString(L, v) {
			return L.ToStringMeta(v).String()
		}
		if isStat(v) {
			return formatStat(v)
		}
		if names, ok := stringArray(v); ok {
			return columns(names, width)
		}
		p := &tablePrinter{L: L, width: width, seen: map[*lua.LTable]bool{}}
		return p.format(v, 0)
	}
	return L.ToStringMeta(v).String()
}

func hasToString(L *lua.LState, v lua.LValue) bool {
	return L.GetMetaField(v, "__tostring") != lua.LNil
}

// isStat: a stat result of host:stat / lstat (or localfs.stat).
func isStat(t *lua.LTable) bool {
	_, mode := t.RawGetString("st_mode").(lua.LNumber)
	_, typ := t.RawGetString("type").(lua.LString)
	_, name := t.RawGetString("_st_name").(lua.LString)
	return mode && typ && name
}

// stringArray: a non-empty array of strings and nothing else.
func stringArray(t *lua.LTable) ([]string, bool) {
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	if n == 0 {
		return nil, false
	}
	names := make([]string, 0, n)
	extra := false
	t.ForEach(func(k, v lua.LValue) {
		i, isNum := k.(lua.LNumber)
		_, isStr := v.(lua.LString)
		if !isNum || !isStr || float64(i) != math.Trunc(float64(i)) || i < 1 || int(i) > n {
			extra = true
		}
	})
	if extra {
		return nil, false
	}
	for i := 1; i <= n; i++ {
		names = append(names, string(t.RawGetInt(i).(lua.LString)))
	}
	return names, true
}

// columns lays names out as ls does: down the columns, as many columns
// as fit in width, two spaces apart. Names with spaces or control
// characters are quoted, so that the columns stay readable.
func columns(names []string, width int) string {
	shown := make([]string, len(names))
	widest := 0
	for i, n := range names {
		if strings.ContainsFunc(n, func(r rune) bool { return r <= ' ' || r == '"' || r == 0x7f }) {
			n = strconv.Quote(n)
		}
		shown[i] = n
		widest = max(widest, utf8.RuneCountInString(n))
	}
	const gap = 2
	cols := max(1, (width+gap)/(widest+gap))
	rows := (len(shown) + cols - 1) / cols
	cols = (len(shown) + rows - 1) / rows
	var b strings.Builder
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			i := c*rows + r
			if i >= len(shown) {
				break
			}
			b.WriteString(shown[i])
			if c < cols-1 && i+rows < len(shown) {
				b.WriteString(strings.Repeat(" ", widest+gap-utf8.RuneCountInString(shown[i])))
			}
		}
		if r < rows-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// formatStat shows a stat result:
//
//	name   file.txt
//	type   file, 6 bytes
//	mode   -rw-r--r-- (0644)
//	mtime  2020-01-02 00:00 UTC (to the minute)
//	owner  1001, group 1001
//	links  1
func formatStat(t *lua.LTable) string {
	get := func(k string) lua.LValue { return t.RawGetString(k) }
	var b strings.Builder
	line := func(label, value string) { fmt.Fprintf(&b, "%-6s %s\n", label, value) }
	line("name", lua.LVAsString(get("_st_name")))
	typ := lua.LVAsString(get("type"))
	if size, ok := get("st_size").(lua.LNumber); ok {
		typ += fmt.Sprintf(", %s bytes", size.String())
	}
	line("type", typ)
	if tgt, ok := get("_st_target").(lua.LString); ok {
		line("target", string(tgt))
	}
	if mode, ok := get("st_mode").(lua.LNumber); ok {
		line("mode", fmt.Sprintf("%s (%04o)", modeString(uint32(mode)), uint32(mode)&0o7777))
	}
	if mt, ok := get("st_mtime").(lua.LNumber); ok {
		line("mtime", formatTime(float64(mt), get("_st_mtime_precision")))
	}
	var owner []string
	if s, ok := get("st_uid").(lua.LString); ok {
		owner = append(owner, string(s))
	}
	if s, ok := get("st_gid").(lua.LString); ok {
		owner = append(owner, "group "+string(s))
	}
	if len(owner) > 0 {
		line("owner", strings.Join(owner, ", "))
	}
	if n, ok := get("st_nlink").(lua.LNumber); ok {
		line("links", n.String())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// formatTime: the time in UTC to its precision.
func formatTime(secs float64, precision lua.LValue) string {
	tm := time.Unix(0, int64(secs*1e9)).UTC()
	p, ok := precision.(lua.LNumber)
	switch {
	case !ok:
		return tm.Format("2006-01-02 15:04:05 UTC")
	case p >= 86400:
		return tm.Format("2006-01-02 UTC") + " (to the day)"
	case p >= 60:
		return tm.Format("2006-01-02 15:04 UTC") + " (to the minute)"
	case p >= 1:
		return tm.Format("2006-01-02 15:04:05 UTC") + " (to the second)"
	default:
		return tm.Format("2006-01-02 15:04:05.000 UTC")
	}
}

// modeString is ls's "-rw-r--r--".
func modeString(m uint32) string {
	b := []byte("?---------")
	switch m & 0o170000 {
	case 0o100000:
		b[0] = '-'
	case 0o040000:
		b[0] = 'd'
	case 0o120000:
		b[0] = 'l'
	case 0o020000:
		b[0] = 'c'
	case 0o060000:
		b[0] = 'b'
	case 0o010000:
		b[0] = 'p'
	case 0o140000:
		b[0] = 's'
	}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m&(1<<(8-i)) != 0 {
			b[1+i] = rwx[i]
		}
	}
	special := func(bit uint32, pos int, set, unset byte) {
		if m&bit != 0 {
			if b[pos] == '-' {
				b[pos] = unset
			} else {
				b[pos] = set
			}
		}
	}
	special(0o4000, 3, 's', 'S')
	special(0o2000, 6, 's', 'S')
	special(0o1000, 9, 't', 'T')
	return string(b)
}

// tablePrinter writes a table as a Lua constructor.
type tablePrinter struct {
	L     *lua.LState
	width int
	seen  map[*lua.LTable]bool
}

type field struct{ key, value string }

func (p *tablePrinter) format(t *lua.LTable, indent int) string {
	if p.seen[t] {
		return "{<cycle>}"
	}
	if indent/2 >= maxDepth {
		return "{…}"
	}
	p.seen[t] = true
	defer delete(p.seen, t)
	fields := p.fields(t, indent)
	if len(fields) == 0 {
		return "{}"
	}
	parts := make([]string, len(fields))
	oneLine := true
	for i, f := range fields {
		parts[i] = f.value
		if f.key != "" {
			parts[i] = f.key + " = " + f.value
		}
		if strings.Contains(parts[i], "\n") {
			oneLine = false
		}
	}
	flat := "{" + strings.Join(parts, ", ") + "}"
	if oneLine && indent+utf8.RuneCountInString(flat) <= p.width {
		return flat
	}
	pad := strings.Repeat(" ", indent+2)
	return "{\n" + pad + strings.Join(parts, ",\n"+pad) + ",\n" + strings.Repeat(" ", indent) + "}"
}

// fields: the array part 1..n first, then the other keys sorted (numbers,
// then strings, then the rest by their text).
func (p *tablePrinter) fields(t *lua.LTable, indent int) []field {
	n := 0 // the array part: 1..n without holes
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	var out []field
	for i := 1; i <= n && len(out) < maxItems; i++ {
		out = append(out, field{"", p.value(t.RawGetInt(i), indent+2)})
	}
	type kv struct {
		k, v lua.LValue
	}
	var rest []kv
	t.ForEach(func(k, v lua.LValue) {
		if i, ok := k.(lua.LNumber); ok && float64(i) == math.Trunc(float64(i)) && i >= 1 && int(i) <= n {
			return
		}
		rest = append(rest, kv{k, v})
	})
	rank := func(v lua.LValue) int {
		switch v.(type) {
		case lua.LNumber:
			return 0
		case lua.LString:
			return 1
		}
		return 2
	}
	sort.Slice(rest, func(i, j int) bool {
		a, b := rest[i].k, rest[j].k
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if x, ok := a.(lua.LNumber); ok {
			return x < b.(lua.LNumber)
		}
		return a.String() < b.String()
	})
	for _, e := range rest {
		if len(out) >= maxItems {
			out = append(out, field{"", "…"})
			break
		}
		out = append(out, field{p.key(e.k, indent+2), p.value(e.v, indent+2)})
	}
	return out
}

func (p *tablePrinter) key(k lua.LValue, indent int) string {
	if s, ok := k.(lua.LString); ok && isIdentifier(string(s)) {
		return string(s)
	}
	return "[" + p.value(k, indent) + "]"
}

func (p *tablePrinter) value(v lua.LValue, indent int) string {
	switch v := v.(type) {
	case lua.LString:
		return luaQuote(string(v))
	case *lua.LTable:
		if hasToString(p.L, v) {
			return p.L.ToStringMeta(v).String()
		}
		return p.format(v, indent)
	}
	return p.L.ToStringMeta(v).String()
}

// luaQuote writes s as a Lua string literal.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < ' ' || c == 0x7f:
			fmt.Fprintf(&b, `\%d`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var luaKeywords = []string{"and", "break", "do", "else", "elseif", "end", "false", "for",
	"function", "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
	"true", "until", "while"}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	for _, k := range luaKeywords {
		if s == k {
			return false
		}
	}
	return true
}
