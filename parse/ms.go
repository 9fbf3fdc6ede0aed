package parse

import (
	"fmt"
	"time"
)

// MS parses MS-DOS/IIS "DIR" style lines, as ftputil's MSParser:
//
//	<MM-DD-YY[YY]>  <hh:mm>{AM|PM}  {<DIR>|<size>}  <name>
//
// A "<DIR>" line gives mode S_IFDIR|0o400 and no size; any other gives
// S_IFREG|0o400 and the size. Nlink, UID and GID are unset, and there are no
// links. The name is the rest of the line (inner and trailing white space
// kept). See ParseMSTime for the date and time.
//
// MS listings carry full dates, so Now is not used; it is there so that both
// parsers are configured alike. An MS is safe for concurrent use.
type MS struct {
	Now func() time.Time
}

var _ Parser = MS{}

// IgnoresLine reports whether line carries no entry (see IgnoresLine).
func (MS) IgnoresLine(line string) bool { return IgnoresLine(line) }

// ParseLine parses one line; see MS. The result's Name is a substring of
// line.
func (MS) ParseLine(line string, timeShift float64) (StatResult, error) {
	r, err := parseMS(line, timeShift)
	if err != nil {
		return StatResult{}, lineError(line, err)
	}
	return r, nil
}

func parseMS(line string, timeShift float64) (StatResult, error) {
	var r StatResult
	var f [4]field
	n := splitFields(line, f[:])
	if n < 0 {
		return r, badLine(line)
	}
	if n < 4 {
		return r, &Error{Msg: fmt.Sprintf("line '%s' can't be parsed", line)}
	}
	if _, bad := scanName(line[f[3].start:]); bad {
		return r, badLine(line)
	}
	date := line[f[0].start:f[0].end]
	tm := line[f[1].start:f[1].end]
	dirOrSize := line[f[2].start:f[2].end]
	r.Name = line[f[3].start:]
	r.Valid = HasMode | HasMtime
	if dirOrSize == "<DIR>" {
		r.Mode = ModeDir | 0o400
	} else {
		sz, ok := atoiClamp(dirOrSize)
		if !ok {
			return r, &Error{Msg: fmt.Sprintf("invalid size %s", dirOrSize)}
		}
		r.Mode = ModeReg | 0o400
		r.Size = sz
		r.Valid |= HasSize
	}
	mtime, prec, err := ParseMSTime(date, tm, timeShift)
	if err != nil {
		return r, err
	}
	r.Mtime = mtime
	if prec != 0 {
		r.MtimePrecision = prec
		r.Valid |= HasPrecision
	}
	return r, nil
}
