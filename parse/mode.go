package parse

import (
	"fmt"
	"math/bits"
)

// POSIX st_mode bits, as Python's stat module defines them.
const (
	ModeType = 0o170000 // S_IFMT: mask of the file type bits
	ModeSock = 0o140000 // S_IFSOCK
	ModeLink = 0o120000 // S_IFLNK
	ModeReg  = 0o100000 // S_IFREG
	ModeBlk  = 0o060000 // S_IFBLK
	ModeDir  = 0o040000 // S_IFDIR
	ModeChr  = 0o020000 // S_IFCHR
	ModeFIFO = 0o010000 // S_IFIFO

	ModeSetuid = 0o4000 // S_ISUID
	ModeSetgid = 0o2000 // S_ISGID
	ModeSticky = 0o1000 // S_ISVTX
	ModePerm   = 0o0777 // the nine permission bits
)

// lsType maps the first character of an ls mode string to its file type
// bits, as ftputil does; 0xffffffff marks a character ftputil rejects.
var lsType = func() (t [256]uint32) {
	for i := range t {
		t[i] = badType
	}
	t['-'] = ModeReg
	t['b'] = ModeBlk
	t['c'] = ModeChr
	t['d'] = ModeDir
	t['l'] = ModeLink
	t['p'] = ModeFIFO
	t['s'] = ModeSock
	t['?'] = 0
	return t
}()

const badType = 0xffffffff

// goLetters are the type and flag letters io/fs.FileMode.String prints before
// the nine permission characters, in the order it prints them.
const goLetters = "dalTLDpSugct?"

// ParseUnixMode returns the st_mode value of an ls-style mode string such as
// "drwxr-xr-x" (ftputil's parse_unix_mode).
//
// It reads what ls prints, which is more than ftputil 5.0.4 reads:
//   - a trailing ACL, SELinux or extended-attribute mark ("-rw-r--r--+",
//     "drwxr-xr-x.", "-rw-r--r--@") is accepted and ignored (ftputil rejects it);
//   - in the user and group execute positions "s" means set-id with execute,
//     "S" set-id without execute; in the other execute position "t" means
//     sticky with execute and "T" sticky without (ftputil sets the execute
//     bit for all four and never sets the sticky bit, and sets set-id only
//     for "s"); Solaris' "l" in the group execute position (mandatory
//     locking) means set-group-ID without execute, as on Solaris;
//   - "L" is a symbolic link, and the strings Go's io/fs.FileMode.String
//     prints (e.g. "Lrwxrwxrwx", "dtrwxrwxrwx", "urwxr-xr-x", "Dcrw-rw-rw-",
//     served by ftpserverlib) are understood: type letters d, L, D (block
//     device, or character device with c), p, S (socket), ? (unknown type 0);
//     flag letters u (setuid), g (setgid), t (sticky); a, l, T (append-only,
//     exclusive, temporary) are ignored.
//
// As in ftputil, every other character but "-" in a permission position sets
// that permission bit, and the type characters are b c d l p s - ?. A string of
// another shape gives an *Error: "invalid mode string '...'" or
// "unknown file type character 'x'".
func ParseUnixMode(s string) (uint32, error) {
	if m, ok := parseLsMode(s); ok {
		return m, nil
	}
	if m, ok := parseGoMode(s); ok {
		return m, nil
	}
	return 0, modeError(s)
}

// parseLsMode reads a 10-character ls mode string, optionally followed by one
// of the marks + . @.
func parseLsMode(s string) (uint32, bool) {
	switch {
	case len(s) == 10:
	case len(s) == 11 && (s[10] == '+' || s[10] == '.' || s[10] == '@'):
	default:
		return 0, false
	}
	t := lsType[s[0]]
	if t == badType {
		if s[0] == 'L' { // a symlink as Go prints it: "Lrwxrwxrwx"
			t = ModeLink
		} else {
			return 0, false
		}
	}
	m := t | permBits(s)
	switch s[3] {
	case 's':
		m |= ModeSetuid
	case 'S':
		m |= ModeSetuid
		m &^= 0o100
	}
	switch s[6] {
	case 's':
		m |= ModeSetgid
	case 'S', 'l':
		m |= ModeSetgid
		m &^= 0o010
	}
	switch s[9] {
	case 't':
		m |= ModeSticky
	case 'T':
		m |= ModeSticky
		m &^= 0o001
	}
	return m, true
}

// permBits returns the nine permission bits of a mode string s of at
// least ten bytes: as in ftputil, any character but '-' in a permission
// position grants the permission. s[1:9] is looked at as one 64-bit word.
func permBits(s string) uint32 {
	// Bit k of g: s[1+k] is not '-'; s[1] is 0o400, s[8] 0o002.
	y := load64(s, 1) ^ '-'*lows
	g := gather(((y&^highs + ^highs&(0x7f*lows)) | y) & highs)
	m := uint32(bits.Reverse8(uint8(g))) << 1
	if s[9] != '-' {
		m |= 0o001
	}
	return m
}

// parseGoMode reads a mode string as io/fs.FileMode.String writes it: zero or
// more letters of goLetters in their order, then exactly "rwxrwxrwx" with
// dashes for missing permissions.
func parseGoMode(s string) (uint32, bool) {
	if len(s) < 10 || len(s) > 9+len(goLetters) {
		return 0, false
	}
	prefix, perm := s[:len(s)-9], s[len(s)-9:]
	var m uint32
	for i := 0; i < 9; i++ {
		switch perm[i] {
		case "rwxrwxrwx"[i]:
			m |= 1 << (8 - i)
		case '-':
		default:
			return 0, false
		}
	}
	if prefix == "-" {
		return m | ModeReg, true
	}
	var typ uint32 = ModeReg
	next := 0 // letters must come in goLetters order, each at most once
	for i := 0; i < len(prefix); i++ {
		j := next
		for j < len(goLetters) && goLetters[j] != prefix[i] {
			j++
		}
		if j == len(goLetters) {
			return 0, false
		}
		next = j + 1
		switch prefix[i] {
		case 'd':
			typ = ModeDir
		case 'L':
			typ = ModeLink
		case 'D':
			typ = ModeBlk
		case 'c':
			typ = ModeChr // Go prints "Dc" for a character device
		case 'p':
			typ = ModeFIFO
		case 'S':
			typ = ModeSock
		case '?':
			typ = 0
		case 'u':
			m |= ModeSetuid
		case 'g':
			m |= ModeSetgid
		case 't':
			m |= ModeSticky
		}
	}
	return m | typ, true
}

func modeError(s string) error {
	if len(s) == 10 {
		return &Error{Msg: fmt.Sprintf("unknown file type character '%s'", firstChar(s))}
	}
	return &Error{Msg: fmt.Sprintf("invalid mode string '%s'", s)}
}

// firstChar returns the first character of s (a whole UTF-8 sequence if s
// starts with one), as Python's s[0] on a decoded string.
func firstChar(s string) string {
	if s == "" {
		return ""
	}
	n := 1
	if s[0] >= 0xc0 {
		for n < len(s) && n < 4 && s[n]&0xc0 == 0x80 {
			n++
		}
	}
	return s[:n]
}
