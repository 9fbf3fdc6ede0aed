package parse

import (
	"fmt"
	"strings"
	"time"
)

// Unix parses "ls -l" style lines, as ftputil's UnixParser:
//
//	<mode> <nlink> [<user>] <group> <size> <Mon> <day> <HH:MM|year> <name>[ -> <target>]
//
// The user column may be missing (ftputil ticket #12): a line whose sixth
// field is an integer is read without it, and UID is then unset. The name is
// the rest of the line after the date, with leading white space removed and
// trailing white space kept. A name holding exactly one " -> " is split into
// Name and Target, whatever the file type, as ftputil does; more than one is
// an error.
//
// Beyond ftputil, a character or block device line whose size column holds
// "major, minor" or "major,minor" (as GNU ls, busybox and Solaris print it)
// parses, with Size 0; see ParseUnixMode for the mode strings read; and a
// malformed link count or size, or an "HH:MM:SS" time, is an *Error where
// ftputil raises a plain ValueError.
//
// Now is the clock used for the year of "Mon DD HH:MM" dates; nil means
// time.Now. A Unix is safe for concurrent use.
type Unix struct {
	Now func() time.Time
}

var _ Parser = Unix{}

// IgnoresLine reports whether line carries no entry (see IgnoresLine).
func (Unix) IgnoresLine(line string) bool { return IgnoresLine(line) }

// ParseLine parses one line; see Unix. The result's Name, UID, GID and
// Target are substrings of line.
func (p Unix) ParseLine(line string, timeShift float64) (r StatResult, err error) {
	cs := clockState{clock: p.Now}
	if err = p.parse(&r, line, timeShift, &cs); err != nil {
		return StatResult{}, lineError(line, err)
	}
	return r, nil
}

// parse parses a line into r, which must be zero, taking the current
// time from cs.
func (p Unix) parse(r *StatResult, line string, timeShift float64, cs *clockState) error {
	if fastUnix(r, line, timeShift, cs) {
		return nil
	}
	return p.parseGeneral(r, line, timeShift, cs)
}

// parseGeneral is parse for any line; fastUnix gives the same result
// quicker for the usual ones.
func (p Unix) parseGeneral(r *StatResult, line string, timeShift float64, cs *clockState) error {
	// Fields 0-7, and where field 8 (the name, or the rest) starts.
	var f [10]field
	n := splitFields(line, f[:9])
	if n < 0 {
		return badLine(line)
	}
	if n < 8 {
		return &Error{Msg: fmt.Sprintf("line '%s' can't be parsed", line)}
	}
	get := func(i int) string { return line[f[i].start:f[i].end] }

	// Which column holds what: ftputil looks at field 5 (0-based), the month
	// with a user column, the day without one. A device line ("1, 3") has
	// one field more; it is recognised before that test (our extension).
	// As in ftputil, a missing name is reported before a bad mode.
	mode, modeErr := ParseUnixMode(get(0))
	dev := modeErr == nil && isDevice(mode)
	var nlink, user, group, size, month, day, yot string
	var nameAt int
	if dev && n == 9 && isDeviceMajor(get(4)) {
		n = splitFields(line, f[:]) // one field more
		if n < 0 {
			return badLine(line)
		}
	}
	switch {
	case dev && n == 10 && isDeviceMajor(get(4)) && allDigits(get(5)) && !isInt(get(6)):
		// "crw-rw-rw- 1 root root 1, 3 Jun 15 2021 null"
		nlink, user, group = get(1), get(2), get(3)
		month, day, yot, nameAt = get(6), get(7), get(8), f[9].start
	case dev && n > 8 && isDeviceNumbers(get(4)) && !isInt(get(5)):
		// Solaris: "crw------- 1 root sys 109,767 Jul  2  2004 name"
		nlink, user, group = get(1), get(2), get(3)
		month, day, yot, nameAt = get(5), get(6), get(7), f[8].start
	case isInt(get(5)):
		// No user column: split(None, 7).
		dev = false
		nlink, group, size = get(1), get(2), get(3)
		month, day, yot, nameAt = get(4), get(5), get(6), f[7].start
	default:
		if n < 9 {
			return &Error{Msg: "not enough values to unpack (expected 9, got 8)"}
		}
		dev = false
		nlink, user, group, size = get(1), get(2), get(3), get(4)
		month, day, yot, nameAt = get(5), get(6), get(7), f[8].start
	}
	if modeErr != nil {
		return modeErr
	}

	nl, ok := atoiClamp(nlink)
	if !ok {
		return &Error{Msg: fmt.Sprintf("invalid link count '%s'", nlink)}
	}
	var sz int64
	if !dev {
		if sz, ok = atoiClamp(size); !ok {
			return &Error{Msg: fmt.Sprintf("invalid size '%s'", size)}
		}
	}
	mtime, prec, err := parseUnixTime(month, day, yot, timeShift, cs)
	if err != nil {
		return err
	}

	name := line[nameAt:]
	arrow, bad := scanName(name)
	if bad {
		return badLine(line)
	}
	var target string
	hasTarget := false
	if arrow >= 0 {
		if strings.Contains(name[arrow+4:], " -> ") {
			return &Error{Msg: fmt.Sprintf(`name '%s' contains more than one "->"`, name)}
		}
		name, target, hasTarget = name[:arrow], name[arrow+4:], true
	}

	r.Mode, r.Nlink, r.UID, r.GID, r.Size, r.Mtime, r.Name = mode, nl, user, group, sz, mtime, name
	r.Valid = HasMode | HasNlink | HasGID | HasSize | HasMtime
	if user != "" {
		r.Valid |= HasUID
	}
	if prec != 0 {
		r.MtimePrecision = prec
		r.Valid |= HasPrecision
	}
	if hasTarget {
		r.Target = target
		r.Valid |= HasTarget
	}
	return nil
}

func isDevice(mode uint32) bool {
	t := mode & ModeType
	return t == ModeChr || t == ModeBlk
}

// isDeviceMajor reports whether s is "N," (the major number before a space).
func isDeviceMajor(s string) bool {
	return len(s) > 1 && s[len(s)-1] == ',' && allDigits(s[:len(s)-1])
}

// isDeviceNumbers reports whether s is "N,M".
func isDeviceNumbers(s string) bool {
	i := strings.IndexByte(s, ',')
	return i > 0 && allDigits(s[:i]) && allDigits(s[i+1:])
}

// scanName returns the index of the first " -> " in name (or -1) and
// whether name holds a byte no listing line may hold.
func scanName(name string) (arrow int, bad bool) {
	arrow = -1
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case 0, '\n':
			return arrow, true
		case ' ':
			if arrow < 0 && i+3 < len(name) && name[i+1] == '-' && name[i+2] == '>' && name[i+3] == ' ' {
				arrow = i
			}
		}
	}
	return arrow, false
}

// badByte names a byte that no listing line can hold: a NUL (never part of
// a file name) or a line feed (lines are split at it).
func badByte(line string) string {
	if strings.IndexByte(line, 0) >= 0 {
		return "a NUL byte"
	}
	if strings.IndexByte(line, '\n') >= 0 {
		return "a line feed"
	}
	return ""
}

// badLine is the error for a line holding a NUL byte or a line feed.
func badLine(line string) error {
	return &Error{Msg: fmt.Sprintf("line contains %s", badByte(line))}
}

// lineError fills in the line of a parse error.
func lineError(line string, err error) error {
	if e, ok := err.(*Error); ok {
		e.Line = line
		return e
	}
	return &Error{Line: line, Msg: err.Error()}
}
