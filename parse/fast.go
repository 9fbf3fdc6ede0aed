package parse

import (
	"math/bits"
	"strings"
)

// fastUnix reads the usual Unix listing line, the one nearly every server
// sends for nearly every entry, into r:
//
//	<ls mode> <nlink> <user> <group> <size> <Mon> <day> <HH:MM|year> <name>
//
// with printable ASCII and single-byte spaces up to the first byte of the
// name, no device numbers, and a date that needs no error. It reports false,
// leaving r untouched, for every other line; the caller then runs the
// general parser (Unix.parseGeneral), which gives the same result for
// every line fastUnix reads (TestFastUnixAgrees and FuzzFastUnix check
// that).
//
// Instead of stepping through the line byte by byte it makes bit masks of
// the spaces and of the bytes that need the general parser, eight bytes at a
// time, and takes the field boundaries from them, which avoids a
// mispredicted branch at every field boundary.
func fastUnix(r *StatResult, line string, timeShift float64, cs *clockState) bool {
	if len(line) < 8 || !(timeShift >= -maxShift && timeShift <= maxShift) {
		return false
	}
	// Word w of space and special covers line[64w : 64w+64]; a position past
	// the end of the line counts as a space.
	space, special := [2]uint64{0, ^uint64(0)}, [2]uint64{}
	space[0], special[0] = lineMasks(line, 0)
	if len(line) > 64 {
		space[1], special[1] = lineMasks(line, 64)
	}
	// A field starts at a non-space byte after a space (or at 0) and ends
	// at a space after a non-space byte, so starts and ends alternate:
	// pos[2i] and pos[2i+1] are where field i starts and ends, pos[16]
	// where the name starts.
	b0 := ^space[0]&(space[0]<<1|1) | space[0]&^(space[0]<<1|1)
	b1 := space[1] ^ (space[1]<<1 | space[0]>>63)
	var pos [17]int
	if bits.OnesCount64(b0) >= len(pos) {
		// The usual line: the name starts in the first 64 bytes.
		pos[0], b0 = next(b0)
		pos[1], b0 = next(b0)
		pos[2], b0 = next(b0)
		pos[3], b0 = next(b0)
		pos[4], b0 = next(b0)
		pos[5], b0 = next(b0)
		pos[6], b0 = next(b0)
		pos[7], b0 = next(b0)
		pos[8], b0 = next(b0)
		pos[9], b0 = next(b0)
		pos[10], b0 = next(b0)
		pos[11], b0 = next(b0)
		pos[12], b0 = next(b0)
		pos[13], b0 = next(b0)
		pos[14], b0 = next(b0)
		pos[15], b0 = next(b0)
		pos[16], _ = next(b0)
	} else {
		for k := range pos {
			switch {
			case b0 != 0:
				pos[k], b0 = next(b0)
			case b1 != 0:
				pos[k], b1 = next(b1)
				pos[k] += 64
			default:
				return false // fewer than 9 fields in the first 128 bytes
			}
		}
	}
	nameAt := pos[16]
	// Nothing before the name may need the general parser: other white
	// space (which Python's split() also splits at), control bytes, UTF-8.
	// The name may start with a UTF-8 character that is not white space.
	if nameAt < 64 {
		if special[0]&(1<<nameAt-1) != 0 {
			return false
		}
	} else if special[0] != 0 || special[1]&(1<<(nameAt-64)-1) != 0 {
		return false
	}
	if c := line[nameAt]; c < 0x20 {
		return false
	} else if c >= 0x80 {
		if _, space := runeAt(line, nameAt); space {
			return false
		}
	}
	get := func(i int) string { return line[pos[2*i]:pos[2*i+1]] }

	mode, ok := parseLsMode(get(0))
	if !ok || isDevice(mode) {
		return false
	}
	nlink, ok := smallInt(get(1))
	if !ok {
		return false
	}
	size, ok := atoi(get(4))
	if !ok {
		return false
	}
	mo := int64(monthNumber(get(5)))
	if mo == 0 {
		return false
	}
	day, ok := smallInt(get(6))
	if !ok {
		return false
	}
	var mtime, prec float64
	yot := get(7)
	switch len(yot) {
	case 5:
		a, b, c, e := yot[0]-'0', yot[1]-'0', yot[3]-'0', yot[4]-'0'
		if yot[2] != ':' || a > 9 || b > 9 || c > 9 || e > 9 {
			return false
		}
		h, mi := int64(a)*10+int64(b), int64(c)*10+int64(e)
		shiftUS := shiftMicros(timeShift)
		limit, year := cs.get(shiftUS)
		if t, ok := thisYear(year, mo, day, h, mi); ok && t*1e6 <= limit {
			// The date is in the server's current year (hhmm's usual case).
			mtime, prec = clampPreEpoch(epochFloat(t, shiftUS), MinutePrecision)
		} else {
			var err error
			if mtime, prec, err = hhmm(mo, day, h, mi, shiftUS, cs); err != nil {
				return false
			}
		}
	case 4:
		y, ok := atoi(yot)
		if !ok {
			return false
		}
		t, err := datetime(y, mo, day, 0, 0)
		if err != nil {
			return false
		}
		mtime, prec = clampPreEpoch(epochFloat(t, shiftMicros(timeShift)), DayPrecision)
	default:
		return false
	}

	// The name: the rest of the line. It must hold no NUL or line feed,
	// and a " -> " splits it into name and link target (more than one
	// is the general parser's error).
	name := line[nameAt:]
	arrow := -1
	if len(line) <= 128 && special[0]>>min(nameAt, 63)|special[1]>>max(nameAt-64, 0) == 0 {
		// Printable ASCII to the end: look for " -> " at the spaces only.
		m0, m1 := space[0], space[1]
		if nameAt < 64 {
			m0 &^= 1<<nameAt - 1
		} else {
			m0, m1 = 0, m1&^(1<<(nameAt-64)-1)
		}
		for m0|m1 != 0 {
			var p int
			if m0 != 0 {
				p = bits.TrailingZeros64(m0)
				m0 &= m0 - 1
			} else {
				p = 64 + bits.TrailingZeros64(m1)
				m1 &= m1 - 1
			}
			if p+3 >= len(line) {
				break
			}
			if line[p+1] == '-' && line[p+2] == '>' && line[p+3] == ' ' {
				arrow = p - nameAt
				break
			}
		}
	} else {
		if strings.IndexByte(name, 0) >= 0 || strings.IndexByte(name, '\n') >= 0 {
			return false
		}
		arrow = strings.Index(name, " -> ")
	}
	var target string
	valid := HasMode | HasNlink | HasUID | HasGID | HasSize | HasMtime
	if arrow >= 0 {
		if strings.Contains(name[arrow+4:], " -> ") {
			return false
		}
		name, target = name[:arrow], name[arrow+4:]
		valid |= HasTarget
	}
	r.Valid = valid
	r.Mode, r.Nlink, r.UID, r.GID, r.Size, r.Mtime, r.Name = mode, nlink, get(2), get(3), size, mtime, name
	if valid&HasTarget != 0 {
		r.Target = target // r is zero: no store (and no write barrier) for none
	}
	if prec != 0 {
		r.MtimePrecision = prec
		r.Valid |= HasPrecision
	}
	return true
}

// lineMasks returns, for the 64 bytes of line from base, a mask with bit i
// set where line[base+i] is a space or past the end of the line, and a mask
// whose lowest set bit is the first byte below 0x20 or above 0x7f (higher
// bits of it may be set too where a lower one is).
func lineMasks(line string, base int) (space, special uint64) {
	if len(line)-base >= 64 {
		return masks64(line[base : base+64])
	}
	const spaces = 0x20 * lows
	for c := 0; c < 8; c++ {
		i := base + c<<3
		var x uint64
		switch {
		case i+8 <= len(line):
			x = load64(line, i)
		case i < len(line): // the last few bytes, padded with spaces
			sh := uint(i+8-len(line)) << 3
			x = load64(line, len(line)-8)>>sh | spaces<<(64-sh)
		default: // past the end: all spaces, nothing special
			return space | ^uint64(0)<<(c<<3), special
		}
		sp, sc := masks8(x)
		space |= sp << (c << 3)
		special |= sc << (c << 3)
	}
	return space, special
}

// masks64 is lineMasks for a 64-byte s, unrolled.
func masks64(s string) (space, special uint64) {
	s = s[:64]
	space, special = masks8(load64(s, 0))
	sp, sc := masks8(load64(s, 8))
	space, special = space|sp<<8, special|sc<<8
	sp, sc = masks8(load64(s, 16))
	space, special = space|sp<<16, special|sc<<16
	sp, sc = masks8(load64(s, 24))
	space, special = space|sp<<24, special|sc<<24
	sp, sc = masks8(load64(s, 32))
	space, special = space|sp<<32, special|sc<<32
	sp, sc = masks8(load64(s, 40))
	space, special = space|sp<<40, special|sc<<40
	sp, sc = masks8(load64(s, 48))
	space, special = space|sp<<48, special|sc<<48
	sp, sc = masks8(load64(s, 56))
	return space | sp<<56, special | sc<<56
}

// masks8 is lineMasks for the eight bytes of x (byte 0 lowest), in the low
// eight bits of each mask.
func masks8(x uint64) (space, special uint64) {
	const spaces = 0x20 * lows
	y := x ^ spaces
	notSpace := ((y&^highs + ^highs&(0x7f*lows)) | y) & highs
	return gather(^notSpace & highs), gather(((x - spaces) | x) & highs)
}

// next returns the position of the lowest set bit of m and m without it.
func next(m uint64) (int, uint64) {
	return bits.TrailingZeros64(m), m & (m - 1)
}

// gather packs the high bits of the eight bytes of m (the only bits m may
// have set) into the low eight bits, byte 0's into bit 0: each bit lands at a
// position of its own, so the multiplication carries nothing.
func gather(m uint64) uint64 {
	return (m >> 7) * 0x0102040810204080 >> 56
}

// thisYear returns the seconds since the epoch of year-mo-day h:mi for a
// year of the yearDays table, a day up to 28 and a valid time (what nearly
// every listing line has), else false; the caller then takes hhmm's way.
func thisYear(year, mo, day, h, mi int64) (int64, bool) {
	i := year - yearDaysBase
	if i < 0 || i >= int64(len(yearDays))-1 || day < 1 || day > 28 || h > 23 || mi > 59 {
		return 0, false
	}
	days := int64(yearDays[i]) + monthDays[mo] + day - 1
	if mo > 2 && yearDays[i+1]-yearDays[i] == 366 {
		days++
	}
	return days*86400 + h*3600 + mi*60, true
}

// smallInt is atoi, quicker for the one or two digits of a link count or a
// day.
func smallInt(s string) (int64, bool) {
	switch len(s) {
	case 1:
		if d := s[0] - '0'; d <= 9 {
			return int64(d), true
		}
	case 2:
		if d, e := s[0]-'0', s[1]-'0'; d <= 9 && e <= 9 {
			return int64(d)*10 + int64(e), true
		}
	}
	return atoi(s)
}
