package parse

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"
)

// monthNumber returns 1..12 for a three-letter English month abbreviation in
// any case ("jan", "Feb", "MAR"), else 0, as ftputil's _month_numbers lookup
// of abbreviation.lower().
func monthNumber(s string) int {
	if len(s) != 3 {
		return 0
	}
	k := uint32(s[0]|0x20)<<16 | uint32(s[1]|0x20)<<8 | uint32(s[2]|0x20)
	switch k {
	case 'j'<<16 | 'a'<<8 | 'n':
		return 1
	case 'f'<<16 | 'e'<<8 | 'b':
		return 2
	case 'm'<<16 | 'a'<<8 | 'r':
		return 3
	case 'a'<<16 | 'p'<<8 | 'r':
		return 4
	case 'm'<<16 | 'a'<<8 | 'y':
		return 5
	case 'j'<<16 | 'u'<<8 | 'n':
		return 6
	case 'j'<<16 | 'u'<<8 | 'l':
		return 7
	case 'a'<<16 | 'u'<<8 | 'g':
		return 8
	case 's'<<16 | 'e'<<8 | 'p':
		return 9
	case 'o'<<16 | 'c'<<8 | 't':
		return 10
	case 'n'<<16 | 'o'<<8 | 'v':
		return 11
	case 'd'<<16 | 'e'<<8 | 'c':
		return 12
	}
	return 0
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// yearDays[y-yearDaysBase] is daysFromCivil(y, 1, 1), for the years most
// listings show.
const yearDaysBase = 1900

var yearDays = func() (t [300]int32) {
	for i := range t {
		t[i] = int32(civilDays(int64(yearDaysBase+i), 1, 1))
	}
	return t
}()

// monthDays[m] is the day of the year (0-based) of the first of month m
// in a common year.
var monthDays = [13]int64{0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar; m and d must be valid.
func daysFromCivil(y, m, d int64) int64 {
	if i := y - yearDaysBase; i >= 0 && i < int64(len(yearDays)) && m >= 1 && m <= 12 {
		days := int64(yearDays[i]) + monthDays[m] + d - 1
		if m > 2 && isLeap(y) {
			days++
		}
		return days
	}
	return civilDays(y, m, d)
}

// civilDays is daysFromCivil for any year (H. Hinnant's algorithm).
func civilDays(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// yearOfDays returns the year of the day that is days after 1970-01-01.
func yearOfDays(days int64) int64 {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	if mp >= 10 { // January or February belong to the next civil year
		y++
	}
	return y
}

// lastYear caches the most recent day number -> year conversion of
// cachedYearOfDays (day in the high 32 bits, year+1 in the low 32 bits, 0
// for none): listings parsed on the same day skip the calendar arithmetic.
var lastYear atomic.Uint64

func cachedYearOfDays(days int64) int64 {
	if days >= -1<<31 && days < 1<<31 {
		v := lastYear.Load()
		if v != 0 && int32(v>>32) == int32(days) {
			return int64(int32(uint32(v))) - 1
		}
		y := yearOfDays(days)
		if y >= -1<<31+1 && y < 1<<31-1 {
			lastYear.Store(uint64(uint32(int32(days)))<<32 | uint64(uint32(int32(y+1))))
		}
		return y
	}
	return yearOfDays(days)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// datetime checks the fields as Python's datetime() does and returns the
// seconds since the epoch of that UTC time, or ftputil's "invalid datetime"
// error.
func datetime(y, mo, d, h, mi int64) (int64, error) {
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) ||
		h < 0 || h > 23 || mi < 0 || mi > 59 {
		return 0, &Error{Msg: fmt.Sprintf("invalid datetime '%04d-%02d-%02d %02d:%02d:00'", y, mo, d, h, mi)}
	}
	return daysFromCivil(y, mo, d)*86400 + h*3600 + mi*60, nil
}

// maxShift bounds the time shifts the parsers accept, in seconds (about
// 3000 years; ftputil's set_time_shift allows less than a day).
const maxShift = 1e11

// shiftMicros converts a time shift in seconds to whole microseconds as
// Python's timedelta(seconds=shift) rounds it (half to even).
func shiftMicros(shift float64) int64 {
	return int64(math.RoundToEven(shift * 1e6))
}

func badShift(shift float64) error {
	return &Error{Msg: fmt.Sprintf("invalid time shift %g", shift)}
}

// epochFloat returns seconds-micros/1e6 as a float64 the way Python's
// timedelta.total_seconds() computes it (one correctly rounded division).
func epochFloat(seconds, micros int64) float64 {
	if micros%1e6 == 0 {
		return float64(seconds - micros/1e6)
	}
	return float64(seconds*1e6-micros) / 1e6
}

// clampPreEpoch applies ftputil's rule for times before the epoch: 0.0 and
// an unknown precision (0).
func clampPreEpoch(mtime, precision float64) (float64, float64) {
	if mtime < 0 {
		return 0, 0
	}
	return mtime, precision
}

// ParseUnixTime returns the mtime (seconds since the epoch, UTC) and its
// precision in seconds for the date fields of a Unix listing line, as
// ftputil's parse_unix_time(..., with_precision=True): month is a
// three-letter abbreviation in any case, day a number, yearOrTime either a
// year ("2005", precision DayPrecision) or "HH:MM" (precision
// MinutePrecision). timeShift is the server's time minus UTC in seconds and
// is subtracted from the result; now is the current time, which decides the
// year of an "HH:MM" date.
//
// Year inference follows ftputil: the date is taken to be in the server's
// current year (the year of now+timeShift) unless that puts it more than two
// minutes in the future (exactly: after the server's current time with the
// seconds set to zero plus 120 s), in which case it is in the year before.
// "Feb 29 HH:MM" is given the most recent leap year for which it is not in
// the future in that sense; ftputil 5.0.4 instead fails whenever the
// server's current year is not a leap year (ticket #160), and also in a
// leap year before Feb 29.
//
// A time before the epoch gives 0 with precision 0, which means unknown
// (ftputil's None). Bad fields give an *Error in ftputil's words ("invalid
// month abbreviation 'June'", "non-integer day value 'x'", "invalid datetime
// '2022-02-30 10:00:00'"); an "HH:MM:SS" time gives "invalid time '10:00:00'"
// (ftputil raises a plain ValueError).
func ParseUnixTime(month, day, yearOrTime string, timeShift float64, now time.Time) (mtime, precision float64, err error) {
	cs := clockState{now: now, haveNow: true}
	mtime, precision, err = parseUnixTime(month, day, yearOrTime, timeShift, &cs)
	if err != nil {
		return 0, 0, err
	}
	return mtime, precision, nil
}

// clockState holds what year inference needs to know about the current
// time: the clock is read at most once (per time shift), on the first
// "HH:MM" date, so a listing is parsed against a single "now".
type clockState struct {
	clock   func() time.Time // nil means time.Now
	now     time.Time
	haveNow bool
	ready   bool  // limit and year are computed for shiftUS
	shiftUS int64 // the time shift they were computed for
	limit   int64 // ftputil's server_now.replace(second=0) + 120 s, in microseconds
	year    int64 // the server's current year
}

func (c *clockState) get(shiftUS int64) (limit, year int64) {
	if c.ready && c.shiftUS == shiftUS {
		return c.limit, c.year
	}
	if !c.haveNow {
		if c.clock != nil {
			c.now = c.clock()
		} else {
			c.now = time.Now()
		}
		c.haveNow = true
	}
	// The server's current time in microseconds, and ftputil's limit
	// server_now.replace(second=0) + 120 s.
	nowUS := c.now.UnixMicro() + shiftUS
	if nowUS >= 0 {
		c.limit = nowUS - nowUS/1e6%60*1e6 + 120e6
		c.year = cachedYearOfDays(nowUS / 86400e6)
	} else {
		c.limit = nowUS - floorDiv(nowUS, 1e6)%60*1e6 + 120e6
		c.year = cachedYearOfDays(floorDiv(nowUS, 86400e6))
	}
	c.shiftUS, c.ready = shiftUS, true
	return c.limit, c.year
}

// parseUnixTime is ParseUnixTime with the current time from cs.
func parseUnixTime(month, day, yearOrTime string, timeShift float64, cs *clockState) (float64, float64, error) {
	if !(timeShift >= -maxShift && timeShift <= maxShift) {
		return 0, 0, badShift(timeShift)
	}
	mo := int64(monthNumber(month))
	if mo == 0 {
		return 0, 0, &Error{Msg: "invalid month abbreviation " + pyRepr(month)}
	}
	d, ok := atoi(day)
	if !ok {
		return 0, 0, nonInteger("day", day)
	}
	shiftUS := shiftMicros(timeShift)
	var h, mi int64
	if len(yearOrTime) == 5 && yearOrTime[2] == ':' {
		// Fast path for the usual "HH:MM".
		a, b, c, e := yearOrTime[0]-'0', yearOrTime[1]-'0', yearOrTime[3]-'0', yearOrTime[4]-'0'
		if a <= 9 && b <= 9 && c <= 9 && e <= 9 {
			h, mi = int64(a)*10+int64(b), int64(c)*10+int64(e)
			return hhmm(mo, d, h, mi, shiftUS, cs)
		}
	}
	colon := -1
	for i := 0; i < len(yearOrTime); i++ {
		if yearOrTime[i] == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		y, ok := atoi(yearOrTime)
		if !ok {
			return 0, 0, nonInteger("year", yearOrTime)
		}
		t, err := datetime(y, mo, d, 0, 0)
		if err != nil {
			return 0, 0, err
		}
		m, p := clampPreEpoch(epochFloat(t, shiftUS), DayPrecision)
		return m, p, nil
	}
	hs, ms := yearOrTime[:colon], yearOrTime[colon+1:]
	if containsColon(ms) {
		return 0, 0, &Error{Msg: fmt.Sprintf("invalid time '%s'", yearOrTime)}
	}
	if h, ok = atoi(hs); !ok {
		return 0, 0, nonInteger("hour", hs)
	}
	if mi, ok = atoi(ms); !ok {
		return 0, 0, nonInteger("minute", ms)
	}
	return hhmm(mo, d, h, mi, shiftUS, cs)
}

// hhmm places a "Mon DD HH:MM" date in a year, as parseUnixTime.
func hhmm(mo, d, h, mi, shiftUS int64, cs *clockState) (float64, float64, error) {
	limit, year := cs.get(shiftUS)
	var t int64
	if mo == 2 && d == 29 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 {
		// Our fix for ticket #160: the latest Feb 29 not in the future. Leap
		// years are at most 8 years apart, and only the current year's Feb 29
		// can be in the future, so 16 years back always find one.
		found := false
		for y := year; y > year-16 && y >= 1 && y <= 9999; y-- {
			if isLeap(y) {
				t = daysFromCivil(y, 2, 29)*86400 + h*3600 + mi*60
				if t*1e6 <= limit {
					year, found = y, true
					break
				}
			}
		}
		if !found {
			return 0, 0, &Error{Msg: fmt.Sprintf("invalid datetime '%04d-02-29 %02d:%02d:00'", year, h, mi)}
		}
	} else {
		var err error
		t, err = datetime(year, mo, d, h, mi)
		if err != nil {
			return 0, 0, err
		}
		if t*1e6 > limit {
			year--
			if t, err = datetime(year, mo, d, h, mi); err != nil {
				return 0, 0, err
			}
		}
	}
	m, p := clampPreEpoch(epochFloat(t, shiftUS), MinutePrecision)
	return m, p, nil
}

func nonInteger(what, s string) error {
	return &Error{Msg: fmt.Sprintf("non-integer %s value %s", what, pyRepr(s))}
}

// ParseMSTime returns the mtime (seconds since the epoch, UTC) and its
// precision for the date and time fields of an MS-DOS/IIS listing line, as
// ftputil's parse_ms_time(..., with_precision=True): date is
// "MM-DD-YY" or "MM-DD-YYYY", tm is "hh:mmAM" or "hh:mmPM". A two-digit year
// below 70 is 20YY, else 19YY; a year of 1000 or more is taken as is. As in
// ftputil, the hour and minute are tm[0:2] and tm[3:5], the seventh
// character decides AM/PM ("P" adds 12 hours except to 12, "A" makes 12 into
// 0, any other letter is AM) and anything after it is ignored; timeShift is
// subtracted. The precision is MinutePrecision, or 0 (unknown) for a time
// before the epoch, which gives 0.
func ParseMSTime(date, tm string, timeShift float64) (mtime, precision float64, err error) {
	if !(timeShift >= -maxShift && timeShift <= maxShift) {
		return 0, 0, badShift(timeShift)
	}
	// date.split("-") into exactly three integers.
	var parts [3]int64
	n := 0
	rest := date
	for {
		i := strings.IndexByte(rest, '-')
		part := rest
		if i >= 0 {
			part = rest[:i]
		}
		v, ok := atoi(part)
		if !ok {
			return 0, 0, nonInteger("year/month/day", part)
		}
		if n < 3 {
			parts[n] = v
		}
		n++
		if i < 0 {
			break
		}
		rest = rest[i+1:]
	}
	if n != 3 {
		return 0, 0, &Error{Msg: fmt.Sprintf("invalid date '%s'", date)}
	}
	month, day, year := parts[0], parts[1], parts[2]
	switch {
	case year >= 1000:
	case year >= 70:
		year += 1900
	default:
		year += 2000
	}
	if len(tm) < 6 {
		return 0, 0, &Error{Msg: fmt.Sprintf("invalid time string '%s'", tm)}
	}
	h, ok := atoi(tm[0:2])
	if !ok {
		return 0, 0, nonInteger("hour", tm[0:2])
	}
	mi, ok := atoi(tm[3:5])
	if !ok {
		return 0, 0, nonInteger("minute", tm[3:5])
	}
	switch tm[5] {
	case 'A':
		if h == 12 {
			h = 0
		}
	case 'P':
		if h != 12 {
			h += 12
		}
	}
	t, err := datetime(year, month, day, h, mi)
	if err != nil {
		return 0, 0, err
	}
	mtime, precision = clampPreEpoch(epochFloat(t, shiftMicros(timeShift)), MinutePrecision)
	return mtime, precision, nil
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}
