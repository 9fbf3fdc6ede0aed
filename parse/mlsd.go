package parse

import (
	"fmt"
	"strings"
)

// MLSD parses the lines of an MLSD listing (RFC 3659 section 7):
//
//	fact=value;fact=value; name
//
// Fact names are case-insensitive; unknown facts are ignored, as the RFC
// asks. The facts read are:
//
//   - type: "file", "dir", "cdir" and "pdir" (any case) set the file type
//     bits and Type to the lower-case word; "OS.unix=symlink" (proftpd) and
//     "OS.unix=slink:<target>" (pure-ftpd) give a link, with Target when the
//     server names one; "OS.unix=chr-…"/"blk-…" give devices. Other values
//     ("unknown", ...) are kept in Type with file type bits 0. cdir and pdir
//     entries are the listed directory and its parent; callers usually skip
//     them.
//   - size (or pure-ftpd's sizd for directories when there is no size);
//   - modify, "YYYYMMDDHHMMSS[.sss]" in UTC: Mtime, with precision 1 s (finer
//     with fractional digits). create gives Ctime.
//   - perm and unique: Perm and Unique, verbatim.
//   - UNIX.mode (octal, e.g. "0755" or "04755"): permission, set-id and sticky
//     bits; UNIX.owner or UNIX.uid, and UNIX.group or UNIX.gid, else
//     UNIX.ownername and UNIX.groupname: UID and GID.
//
// Mode holds the type bits and, with UNIX.mode, the permissions; it is set
// when either is known. The time shift is not applied: RFC 3659 times are
// UTC. As for LIST, a time before the epoch gives 0 with unknown precision.
//
// The name is everything after the single space that ends the facts; it may
// begin with or hold spaces. A line without that space, a fact without "=",
// or a malformed size, time or mode is an *Error. An MLSD is safe for
// concurrent use.
type MLSD struct{}

var _ Parser = MLSD{}

// IgnoresLine reports whether line is empty or white space only.
func (MLSD) IgnoresLine(line string) bool { return isBlank(line) }

// ParseLine parses one MLSD line; timeShift is ignored (see MLSD). The
// result's strings are substrings of line, except Type for the four RFC
// types.
func (MLSD) ParseLine(line string, timeShift float64) (StatResult, error) {
	r, err := parseFacts(line)
	if err != nil {
		return StatResult{}, lineError(line, err)
	}
	return r, nil
}

// ParseMLST parses the entry of an MLST reply (RFC 3659 section 7.2). reply
// may be the whole reply ("250-...\r\n type=file;...; /path\r\n250 End"), in
// which case the entry is the first line that starts with a space (or, for
// a server that leaves the space out, the first line that is not a reply
// line "NNN-..."/"NNN ..."), or just the entry line, with or without its
// leading space. The Name is the path as the server wrote it.
func ParseMLST(reply string) (StatResult, error) {
	line := reply
	if strings.ContainsAny(reply, "\r\n") {
		line = ""
		lines := strings.Split(strings.ReplaceAll(reply, "\r\n", "\n"), "\n")
		for _, l := range lines {
			if strings.HasPrefix(l, " ") {
				line = l
				break
			}
		}
		if line == "" {
			for _, l := range lines {
				if l != "" && !isReplyLine(l) {
					line = l
					break
				}
			}
		}
		if line == "" {
			return StatResult{}, &Error{Line: reply, Msg: "no entry line in MLST reply"}
		}
	}
	line = strings.TrimPrefix(line, " ")
	r, err := parseFacts(line)
	if err != nil {
		return StatResult{}, lineError(line, err)
	}
	return r, nil
}

// isReplyLine reports whether l starts like a line of an FTP reply: three
// digits and a hyphen or space (or nothing).
func isReplyLine(l string) bool {
	return len(l) >= 3 && allDigits(l[:3]) && (len(l) == 3 || l[3] == '-' || l[3] == ' ')
}

func parseFacts(line string) (StatResult, error) {
	var r StatResult
	if badByte(line) != "" {
		return r, badLine(line)
	}
	var typeBits, permBits uint32
	haveType, havePerm, haveSize := false, false, false
	var sizd string
	var ownerName, groupName string
	i := 0
	for {
		if i >= len(line) {
			return r, &Error{Msg: "missing space before the name"}
		}
		if line[i] == ' ' {
			r.Name = line[i+1:]
			break
		}
		j := strings.IndexByte(line[i:], ';')
		if j < 0 {
			return r, &Error{Msg: fmt.Sprintf("fact '%s' not ended by ';'", line[i:])}
		}
		fact := line[i : i+j]
		i += j + 1
		eq := strings.IndexByte(fact, '=')
		if eq <= 0 {
			return r, &Error{Msg: fmt.Sprintf("invalid fact '%s'", fact)}
		}
		key, val := fact[:eq], fact[eq+1:]
		if val == "" && !strings.EqualFold(key, "perm") {
			continue // an empty value tells nothing (but "perm=" means no permission)
		}
		switch {
		case strings.EqualFold(key, "type"):
			r.Type, typeBits, haveType = mlsdType(val)
			r.Valid |= HasType
			if t, ok := slinkTarget(val); ok {
				r.Target = t
				r.Valid |= HasTarget
			} else {
				r.Target = ""
				r.Valid &^= HasTarget
			}
		case strings.EqualFold(key, "size"):
			n, ok := atoiClamp(val)
			if !ok || n < 0 {
				return r, &Error{Msg: fmt.Sprintf("invalid size '%s'", val)}
			}
			r.Size, haveSize = n, true
			r.Valid |= HasSize
		case strings.EqualFold(key, "sizd"):
			sizd = val
		case strings.EqualFold(key, "modify"):
			t, p, err := parseFactTime(val)
			if err != nil {
				return r, err
			}
			r.Mtime = t
			r.Valid |= HasMtime
			if p != 0 {
				r.MtimePrecision = p
				r.Valid |= HasPrecision
			} else {
				r.MtimePrecision = 0
				r.Valid &^= HasPrecision
			}
		case strings.EqualFold(key, "create"):
			t, _, err := parseFactTime(val)
			if err != nil {
				return r, err
			}
			r.Ctime = t
			r.Valid |= HasCtime
		case strings.EqualFold(key, "perm"):
			r.Perm = val
			r.Valid |= HasPerm
		case strings.EqualFold(key, "unique"):
			r.Unique = val
			r.Valid |= HasUnique
		case strings.EqualFold(key, "unix.mode"):
			m, ok := parseOctal(val)
			if !ok {
				return r, &Error{Msg: fmt.Sprintf("invalid UNIX.mode '%s'", val)}
			}
			permBits, havePerm = m, true
		case strings.EqualFold(key, "unix.owner"), strings.EqualFold(key, "unix.uid"):
			r.UID = val
			r.Valid |= HasUID
		case strings.EqualFold(key, "unix.group"), strings.EqualFold(key, "unix.gid"):
			r.GID = val
			r.Valid |= HasGID
		case strings.EqualFold(key, "unix.ownername"):
			ownerName = val
		case strings.EqualFold(key, "unix.groupname"):
			groupName = val
		}
	}
	if r.Name == "" {
		return r, &Error{Msg: "missing name"}
	}
	if !haveSize && sizd != "" {
		n, ok := atoiClamp(sizd)
		if !ok || n < 0 {
			return r, &Error{Msg: fmt.Sprintf("invalid size '%s'", sizd)}
		}
		r.Size = n
		r.Valid |= HasSize
	}
	if r.Valid&HasUID == 0 && ownerName != "" {
		r.UID = ownerName
		r.Valid |= HasUID
	}
	if r.Valid&HasGID == 0 && groupName != "" {
		r.GID = groupName
		r.Valid |= HasGID
	}
	if haveType || havePerm {
		r.Mode = typeBits | permBits
		r.Valid |= HasMode
	}
	return r, nil
}

// mlsdType returns the Type string, the file type bits and whether the type
// is known.
func mlsdType(v string) (string, uint32, bool) {
	switch {
	case strings.EqualFold(v, "file"):
		return "file", ModeReg, true
	case strings.EqualFold(v, "dir"):
		return "dir", ModeDir, true
	case strings.EqualFold(v, "cdir"):
		return "cdir", ModeDir, true
	case strings.EqualFold(v, "pdir"):
		return "pdir", ModeDir, true
	}
	const osUnix = "os.unix="
	if len(v) > len(osUnix) && strings.EqualFold(v[:len(osUnix)], osUnix) {
		sub := v[len(osUnix):]
		switch {
		case strings.EqualFold(sub, "symlink"), hasPrefixFold(sub, "slink"):
			return v, ModeLink, true
		case hasPrefixFold(sub, "chr"):
			return v, ModeChr, true
		case hasPrefixFold(sub, "blk"):
			return v, ModeBlk, true
		case strings.EqualFold(sub, "fifo"), strings.EqualFold(sub, "pipe"):
			return v, ModeFIFO, true
		case strings.EqualFold(sub, "socket"), strings.EqualFold(sub, "sock"):
			return v, ModeSock, true
		}
	}
	return v, 0, false
}

// slinkTarget returns the target of pure-ftpd's "OS.unix=slink:<target>",
// if it names one.
func slinkTarget(v string) (string, bool) {
	const p = "os.unix=slink:"
	if len(v) > len(p) && strings.EqualFold(v[:len(p)], p) {
		return v[len(p):], true
	}
	return "", false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func parseOctal(s string) (uint32, bool) {
	if s == "" || len(s) > 7 {
		return 0, false
	}
	var m uint32
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 7 {
			return 0, false
		}
		m = m<<3 | uint32(c)
	}
	if m > 0o7777 {
		return 0, false
	}
	return m, true
}

// parseFactTime reads an RFC 3659 time-val, "YYYYMMDDHHMMSS[.F+]" in UTC,
// and returns seconds since the epoch and the precision (1 s, or 10^-n s
// for n fractional digits, at most 9 counted), or 0 and 0 before the epoch.
func parseFactTime(v string) (float64, float64, error) {
	bad := func() (float64, float64, error) {
		return 0, 0, &Error{Msg: fmt.Sprintf("invalid time value '%s'", v)}
	}
	if len(v) < 14 || !allDigits(v[:14]) {
		return bad()
	}
	num := func(a, b int) int64 {
		var n int64
		for _, c := range v[a:b] {
			n = n*10 + int64(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(0, 4), num(4, 6), num(6, 8), num(8, 10), num(10, 12), num(12, 14)
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 60 {
		return bad()
	}
	var frac float64
	prec := float64(SecondPrecision)
	if rest := v[14:]; rest != "" {
		if rest[0] != '.' || !allDigits(rest[1:]) {
			return bad()
		}
		digits := rest[1:]
		if len(digits) > 9 {
			digits = digits[:9]
		}
		var n int64
		scale := 1.0
		for i := 0; i < len(digits); i++ {
			n = n*10 + int64(digits[i]-'0')
			scale *= 10
		}
		frac = float64(n) / scale
		prec = 1 / scale
	}
	t := float64(daysFromCivil(y, mo, d)*86400+h*3600+mi*60+sec) + frac
	if t < 0 {
		return 0, 0, nil
	}
	return t, prec, nil
}
