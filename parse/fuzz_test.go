package parse_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/parse"
)

// The fuzz targets are seeded from testdata/fuzz/<FuzzXxx>/ (checked in,
// including the inputs of past crashes) and from every line of the golden
// inputs. Run one with, e.g.:
//
//	go test ./parse -run '^$' -fuzz '^FuzzUnix$' -parallel 1 -fuzztime 10m

var fuzzNow = time.Date(2022, 6, 15, 12, 0, 30, 500000000, time.UTC)

func fuzzClock() time.Time { return fuzzNow }

// goldenSeeds returns the lines of the golden inputs for the given parsers.
func goldenSeeds(f *testing.F, parsers ...string) []string {
	var out []string
	for _, in := range goldenFiles(f) {
		for _, g := range readGoldenInput(f, in) {
			for _, p := range parsers {
				if g.parser == p {
					out = append(out, g.line)
				}
			}
		}
	}
	return out
}

// checkError checks the error contract: a *Error wrapping ErrParse, naming
// the line.
func checkError(t *testing.T, line string, err error) {
	t.Helper()
	var pe *parse.Error
	if !errors.As(err, &pe) || !errors.Is(err, parse.ErrParse) {
		t.Fatalf("%q: error %v (%T) is not a *parse.Error wrapping ErrParse", line, err, err)
	}
	if pe.Line != line || pe.Msg == "" || pe.Error() != pe.Msg {
		t.Fatalf("%q: bad error %#v", line, pe)
	}
}

// checkText checks a string of a result: no NUL or line feed, and a
// substring of the line (results are not copies).
func checkText(t *testing.T, line, what, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\x00\n") {
		t.Fatalf("%q: %s %q holds NUL or LF", line, what, s)
	}
	if !strings.Contains(line, s) {
		t.Fatalf("%q: %s %q is not part of the line", line, what, s)
	}
}

var fileTypes = map[uint32]bool{0: true, parse.ModeSock: true, parse.ModeLink: true, parse.ModeReg: true,
	parse.ModeBlk: true, parse.ModeDir: true, parse.ModeChr: true, parse.ModeFIFO: true}

func checkMode(t *testing.T, line string, m uint32) {
	t.Helper()
	if m&^(parse.ModeType|0o7777) != 0 || !fileTypes[m&parse.ModeType] {
		t.Fatalf("%q: bad mode %o", line, m)
	}
}

func checkMtime(t *testing.T, line string, r parse.StatResult) {
	t.Helper()
	if r.Valid&parse.HasMtime == 0 {
		return
	}
	if math.IsNaN(r.Mtime) || math.IsInf(r.Mtime, 0) || r.Mtime < 0 {
		t.Fatalf("%q: bad mtime %v", line, r.Mtime)
	}
	if r.Valid&parse.HasPrecision == 0 && r.Mtime != 0 {
		t.Fatalf("%q: unknown precision but mtime %v (only a clamped pre-epoch time has no precision)", line, r.Mtime)
	}
}

func fuzzShift(k int8) float64 { return float64(k) * 900 } // multiples of 15 minutes, as ftputil rounds

func FuzzUnix(f *testing.F) {
	for _, l := range goldenSeeds(f, "unix") {
		f.Add(l, int8(0))
	}
	f.Fuzz(func(t *testing.T, line string, k int8) {
		shift := fuzzShift(k)
		p := parse.Unix{Now: fuzzClock}
		r, err := p.ParseLine(line, shift)
		r2, err2 := p.ParseLine(line, shift)
		if r != r2 || (err == nil) != (err2 == nil) {
			t.Fatalf("%q: not deterministic", line)
		}
		if err != nil {
			checkError(t, line, err)
			return
		}
		if p.IgnoresLine(line) {
			t.Fatalf("%q: parsed a line that IgnoresLine skips", line)
		}
		const always = parse.HasMode | parse.HasNlink | parse.HasGID | parse.HasSize | parse.HasMtime
		if r.Valid&always != always || r.Valid&^(always|parse.HasUID|parse.HasTarget|parse.HasPrecision) != 0 {
			t.Fatalf("%q: bad Valid %b", line, r.Valid)
		}
		if r.Name == "" || strings.TrimLeft(r.Name, " \t\v\f\r\x1c\x1d\x1e\x1f") != r.Name {
			t.Fatalf("%q: bad name %q", line, r.Name)
		}
		checkText(t, line, "name", r.Name)
		checkText(t, line, "target", r.Target)
		checkText(t, line, "uid", r.UID)
		checkText(t, line, "gid", r.GID)
		if r.GID == "" || (r.Valid&parse.HasUID != 0) != (r.UID != "") {
			t.Fatalf("%q: bad uid/gid %q %q", line, r.UID, r.GID)
		}
		checkMode(t, line, r.Mode)
		checkMtime(t, line, r)
		if r.Valid&parse.HasPrecision != 0 && r.MtimePrecision != 60 && r.MtimePrecision != 86400 {
			t.Fatalf("%q: bad precision %v", line, r.MtimePrecision)
		}
		// Year inference: an "HH:MM" date is never more than two minutes
		// ahead of the server's clock, and (Feb 29 aside) less than a year
		// and a day behind it.
		if r.MtimePrecision == 60 && r.Mtime > 0 {
			server := fuzzNow.Add(time.Duration(shift) * time.Second)
			limit := float64(server.Truncate(time.Minute).Unix()) + 120
			if r.Mtime+shift > limit {
				t.Fatalf("%q: mtime %v is in the future (limit %v)", line, r.Mtime+shift, limit)
			}
			back := 367.0 * 86400
			if strings.Contains(strings.ToLower(line), "feb") {
				back = 9 * 366 * 86400
			}
			if r.Mtime+shift < float64(server.Unix())-back {
				t.Fatalf("%q: mtime %v is too far back", line, r.Mtime)
			}
		}
	})
}

func FuzzMS(f *testing.F) {
	for _, l := range goldenSeeds(f, "ms") {
		f.Add(l, int8(0))
	}
	f.Fuzz(func(t *testing.T, line string, k int8) {
		shift := fuzzShift(k)
		var p parse.MS
		r, err := p.ParseLine(line, shift)
		r2, err2 := p.ParseLine(line, shift)
		if r != r2 || (err == nil) != (err2 == nil) {
			t.Fatalf("%q: not deterministic", line)
		}
		if err != nil {
			checkError(t, line, err)
			return
		}
		if p.IgnoresLine(line) {
			t.Fatalf("%q: parsed a line that IgnoresLine skips", line)
		}
		switch {
		case r.Mode == parse.ModeDir|0o400 && r.Valid&parse.HasSize == 0:
		case r.Mode == parse.ModeReg|0o400 && r.Valid&parse.HasSize != 0:
		default:
			t.Fatalf("%q: bad mode %o / size valid %v", line, r.Mode, r.Valid&parse.HasSize != 0)
		}
		if r.Valid&^(parse.HasMode|parse.HasSize|parse.HasMtime|parse.HasPrecision) != 0 || r.Valid&parse.HasMtime == 0 {
			t.Fatalf("%q: bad Valid %b", line, r.Valid)
		}
		if r.Name == "" || strings.TrimLeft(r.Name, " \t\v\f\r\x1c\x1d\x1e\x1f") != r.Name {
			t.Fatalf("%q: bad name %q", line, r.Name)
		}
		checkText(t, line, "name", r.Name)
		checkMtime(t, line, r)
		if r.Valid&parse.HasPrecision != 0 && r.MtimePrecision != 60 {
			t.Fatalf("%q: bad precision %v", line, r.MtimePrecision)
		}
	})
}

func FuzzMLSD(f *testing.F) {
	for _, l := range goldenSeeds(f, "mlsd") {
		f.Add(l)
	}
	for _, l := range goldenSeeds(f, "mlst") {
		f.Add(strings.TrimPrefix(l, " "))
	}
	f.Fuzz(func(t *testing.T, line string) {
		var p parse.MLSD
		r, err := p.ParseLine(line, 0)
		r2, err2 := p.ParseLine(line, 3600) // the time shift is not used
		if r != r2 || (err == nil) != (err2 == nil) {
			t.Fatalf("%q: result depends on the time shift, or not deterministic", line)
		}
		// The same line as an MLST entry line, with its leading space.
		if !strings.ContainsAny(line, "\r\n") {
			r3, err3 := parse.ParseMLST(" " + line)
			if r3 != r || (err3 == nil) != (err == nil) {
				t.Fatalf("%q: ParseMLST differs: %+v %v / %+v %v", line, r3, err3, r, err)
			}
		}
		if err != nil {
			checkError(t, line, err)
			return
		}
		if r.Name == "" {
			t.Fatalf("%q: empty name", line)
		}
		checkText(t, line, "name", r.Name)
		checkText(t, line, "target", r.Target)
		checkText(t, line, "uid", r.UID)
		checkText(t, line, "gid", r.GID)
		checkText(t, line, "perm", r.Perm)
		checkText(t, line, "unique", r.Unique)
		if r.Valid&parse.HasType != 0 && !strings.Contains(strings.ToLower(line), strings.ToLower(r.Type)) {
			t.Fatalf("%q: type %q not in the line", line, r.Type)
		}
		if r.Valid&(parse.HasIno|parse.HasDev|parse.HasNlink|parse.HasAtime) != 0 {
			t.Fatalf("%q: bad Valid %b", line, r.Valid)
		}
		checkMode(t, line, r.Mode)
		checkMtime(t, line, r)
		if r.Valid&parse.HasPrecision != 0 && !(r.MtimePrecision > 0 && r.MtimePrecision <= 1) {
			t.Fatalf("%q: bad precision %v", line, r.MtimePrecision)
		}
		if r.Valid&parse.HasSize != 0 && r.Size < 0 {
			t.Fatalf("%q: negative size", line)
		}
	})
}

func FuzzAuto(f *testing.F) {
	for _, in := range goldenFiles(f) {
		var unix, ms []string
		for _, g := range readGoldenInput(f, in) {
			switch g.parser {
			case "unix":
				unix = append(unix, g.line)
			case "ms":
				ms = append(ms, g.line)
			}
		}
		for _, ls := range [][]string{unix, ms} {
			// Whole files, and the good lines of each file on their own.
			if len(ls) > 0 {
				f.Add(strings.Join(ls, "\n"))
			}
		}
	}
	f.Fuzz(func(t *testing.T, listing string) {
		lines := strings.Split(listing, "\n")
		a := &parse.Auto{Now: fuzzClock}
		res, err := a.ParseListing(lines, 0)
		unixRes, unixErr := parse.ParseListing(parse.Unix{Now: fuzzClock}, lines, 0)
		msRes, msErr := parse.ParseListing(parse.MS{}, lines, 0)
		switch {
		case unixErr == nil:
			if err != nil || !equalResults(res, unixRes) {
				t.Fatalf("%q: Auto differs from Unix", listing)
			}
			if _, ok := a.Current().(parse.Unix); !ok || a.Fixed() != (len(res) > 0) {
				t.Fatalf("%q: wrong state after a Unix listing: %T fixed=%v", listing, a.Current(), a.Fixed())
			}
		case msErr == nil:
			if err != nil || !equalResults(res, msRes) {
				t.Fatalf("%q: Auto differs from MS", listing)
			}
			if _, ok := a.Current().(parse.MS); !ok || !a.Fixed() {
				t.Fatalf("%q: not switched to MS for good", listing)
			}
		default:
			// Both fail: Unix's error, and the choice stays open on Unix.
			if err == nil || err.Error() != unixErr.Error() {
				t.Fatalf("%q: got %v, want Unix's error %v", listing, err, unixErr)
			}
			var pe *parse.Error
			if !errors.As(err, &pe) {
				t.Fatalf("%q: error %v is not a *parse.Error", listing, err)
			}
			checkError(t, pe.Line, err)
			if _, ok := a.Current().(parse.Unix); !ok || a.Fixed() {
				t.Fatalf("%q: stuck on %T (fixed=%v) after both parsers failed", listing, a.Current(), a.Fixed())
			}
		}
		n := 0
		for _, l := range lines {
			if !parse.IgnoresLine(l) {
				n++
			}
		}
		if err == nil && len(res) != n {
			t.Fatalf("%q: %d results for %d entry lines", listing, len(res), n)
		}
	})
}

func equalResults(a, b []parse.StatResult) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
