package parse

import (
	"math"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isSpace marks the ASCII bytes Python's str.split() separates fields at:
// \t \n \v \f \r, \x1c-\x1f and space. Beyond ASCII, Python also splits at
// the Unicode white space characters (U+0085, U+00A0, U+1680, U+2000-U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000), which is exactly the set Go's
// unicode.IsSpace reports; splitFields decodes UTF-8 for those.
var isSpace = func() (t [256]bool) {
	for _, c := range "\t\n\v\f\r\x1c\x1d\x1e\x1f " {
		t[c] = true
	}
	return t
}()

// field is a whitespace-delimited field of a line: line[start:end].
type field struct{ start, end int }

// byteClass classifies a byte for splitFields: 0 a non-space ASCII byte,
// 1 an ASCII space (isSpace), 2 a byte of a multi-byte UTF-8 sequence,
// 3 a byte no listing line may hold (NUL, line feed; see badByte).
var byteClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == 0 || c == '\n':
			t[c] = 3
		case c >= utf8.RuneSelf:
			t[c] = 2
		case isSpace[c]:
			t[c] = 1
		}
	}
	return t
}()

// splitFields finds the whitespace-separated fields of line, as Python's
// str.split() splits a str decoded from UTF-8. It records the first
// len(f)-1 fields in f and only the start of the next one (with end
// len(line)), which is where str.split(None, len(f)-1) puts the rest of the
// line, and returns how many fields it recorded, or -1 if it met a NUL byte
// or a line feed (the rest of the line is not looked at).
//
// It looks at eight bytes at a time where it can (listing lines are mostly
// ASCII letters, digits and runs of spaces).
func splitFields(line string, f []field) int {
	i, n := 0, 0
	for {
		// Skip white space.
		for i < len(line) {
			if i+8 <= len(line) {
				m := nonSpace8(load64(line, i))
				if m == 0 {
					i += 8
					continue
				}
				i += bits.TrailingZeros64(m) >> 3
			}
			c := byteClass[line[i]]
			if c == 0 {
				break
			}
			if c == 1 {
				i++
				continue
			}
			if c == 3 {
				return -1
			}
			size, space := runeAt(line, i)
			if !space {
				break
			}
			i += size
		}
		if i == len(line) {
			return n
		}
		if n == len(f)-1 {
			f[n] = field{i, len(line)}
			return n + 1
		}
		// Scan the field.
		start := i
		for i < len(line) {
			if i+8 <= len(line) {
				m := special8(load64(line, i))
				if m == 0 {
					i += 8
					continue
				}
				i += bits.TrailingZeros64(m) >> 3
			}
			c := byteClass[line[i]]
			if c == 0 {
				i++
				continue
			}
			if c == 1 {
				break
			}
			if c == 3 {
				return -1
			}
			size, space := runeAt(line, i)
			if space {
				break
			}
			i += size
		}
		f[n] = field{start, i}
		n++
	}
}

// runeAt decodes the UTF-8 sequence at line[i] (a byte of class 2) and
// reports its length and whether it is white space.
func runeAt(line string, i int) (size int, space bool) {
	r, size := utf8.DecodeRuneInString(line[i:])
	return size, r != utf8.RuneError && unicode.IsSpace(r)
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load64 returns line[i:i+8] as a little-endian word: line[i] in the low
// byte.
func load64(line string, i int) uint64 {
	b := line[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// special8 sets the high bit of the lowest byte of x that is below 0x21 or
// above 0x7f (white space, control characters, UTF-8), if any; bits above
// it may be set too.
func special8(x uint64) uint64 {
	return ((x - 0x21*lows) | x) & highs
}

// nonSpace8 sets the high bit of every byte of x that is not a space (0x20).
func nonSpace8(x uint64) uint64 {
	y := x ^ 0x20*lows
	return ((y&^highs + ^highs&(0x7f*lows)) | y) & highs
}

// atoi parses an optionally signed decimal integer of ASCII digits, the
// subset of Python's int() that listings use. ok is false if s is not such
// an integer or does not fit in an int64.
func atoi(s string) (v int64, ok bool) {
	if len(s) > 0 && len(s) <= 18 { // fast path: plain digits, no overflow possible
		var u int64
		i := 0
		for ; i < len(s); i++ {
			c := s[i] - '0'
			if c > 9 {
				break
			}
			u = u*10 + int64(c)
		}
		if i == len(s) {
			return u, true
		}
	}
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if !allDigits(s) {
		return 0, false
	}
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	if len(s) > 19 {
		return 0, false
	}
	var u uint64 // 19 digits stay below 1e19 < 1<<64
	for i := 0; i < len(s); i++ {
		u = u*10 + uint64(s[i]-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// atoiClamp is atoi for counts and sizes: a value beyond the int64 range
// is clamped to it instead of failing (ftputil keeps Python's unbounded int;
// a Lua number could not hold it exactly either).
func atoiClamp(s string) (int64, bool) {
	if v, ok := atoi(s); ok {
		return v, true
	}
	if !isInt(s) {
		return 0, false
	}
	if s[0] == '-' {
		return math.MinInt64, true
	}
	return math.MaxInt64, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isInt reports whether s is an integer as atoi reads it, ignoring range.
func isInt(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return allDigits(s)
}

// IgnoresLine reports whether a LIST line carries no entry, as ftputil's
// Parser.ignores_line: a line that is empty or white space only, or one that
// starts with "total", white space and a digit ("total 14").
func IgnoresLine(line string) bool {
	if line != "" && line[0] != 't' && byteClass[line[0]] == 0 {
		return false // the usual listing line: starts with a mode letter or a digit
	}
	if isBlank(line) {
		return true
	}
	rest, ok := strings.CutPrefix(line, "total")
	if !ok {
		return false
	}
	n := 0
	for rest != "" {
		r, size := utf8.DecodeRuneInString(rest)
		if !isSpaceRune(r) {
			break
		}
		rest = rest[size:]
		n++
	}
	if n == 0 || rest == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsDigit(r)
}

func isSpaceRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isSpace[r]
	}
	return unicode.IsSpace(r)
}

func isBlank(line string) bool {
	for i := 0; i < len(line); i++ {
		if !isSpace[line[i]] {
			return strings.TrimFunc(line[i:], isSpaceRune) == ""
		}
	}
	return true
}

// pyRepr quotes s as Python's repr() quotes a str, for error messages that
// ftputil words with {!r}.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, q)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == q || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c < 0x20 || c == 0x7f:
			b = appendEscapedRune(b, rune(c))
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = appendEscapedRune(b, rune(c))
			} else if unicode.IsPrint(r) {
				b = append(b, s[i:i+size]...)
			} else {
				b = appendEscapedRune(b, r)
			}
			i += size
			continue
		}
		i++
	}
	return string(append(b, q))
}

// appendEscapedRune writes r as Python's repr escapes a non-printable
// character: \xNN, \uNNNN or \UNNNNNNNN.
func appendEscapedRune(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	var width int
	switch {
	case r < 0x100:
		b, width = append(b, `\x`...), 2
	case r < 0x10000:
		b, width = append(b, `\u`...), 4
	default:
		b, width = append(b, `\U`...), 8
	}
	for shift := 4 * (width - 1); shift >= 0; shift -= 4 {
		b = append(b, hex[(r>>shift)&15])
	}
	return b
}
