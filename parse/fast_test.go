package parse

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fastLines returns every line of the golden inputs and of the checked-in
// fuzz corpora of the Unix and Auto parsers, and hand-made lines at the
// edges of fastUnix: other white space, UTF-8, NUL and line feed before,
// in and after the name, lines around 64 and 128 bytes, link arrows.
func fastLines(t testing.TB) []string {
	var out []string
	golden, _ := filepath.Glob("testdata/golden/*/*.txt")
	for _, path := range append(golden, "testdata/bench_vsftpd.txt") {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(l, "## ") {
				out = append(out, l)
			}
		}
	}
	for _, dir := range []string{"FuzzUnix", "FuzzAuto"} {
		corpus, _ := filepath.Glob(filepath.Join("testdata/fuzz", dir, "*"))
		for _, path := range corpus {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(data), "\n") {
				if q, ok := strings.CutPrefix(l, "string("); ok {
					s, err := strconv.Unquote(strings.TrimSuffix(q, ")"))
					if err != nil {
						t.Fatalf("%s: %v", path, err)
					}
					out = append(out, s)
				}
			}
		}
	}
	const base = "-rw-r--r--    1 ftp      ftp          1234 Jun 15 11:59 "
	long := strings.Repeat("x", 70)
	out = append(out,
		base+"name", base+"a -> b", base+"a -> b -> c", base+" -> b", base+"a -> ", base+"a ->",
		base+"trailing  ", base+"tab\tin", base+"nul\x00", base+"lf\nx", base+"\tname", base+"\u00a0name",
		base+"\u3000name", base+"caf\u00e9", base+"x\u00a0-> y", base+"a\x1c -> b",
		strings.Replace(base, "ftp ", "ft\u00e9", 1)+"name", strings.Replace(base, "    1", "\t   1", 1)+"name",
		strings.Replace(base, "11:59", "11:59:00", 1)+"name", strings.Replace(base, "11:59", " 2021", 1)+"name",
		strings.Replace(base, "11:59", "24:00", 1)+"name", strings.Replace(base, "Jun 15", "Feb 29", 1)+"name",
		strings.Replace(base, "Jun 15", "Jun 31", 1)+"name", strings.Replace(base, "Jun 15", "jUN +5", 1)+"name",
		strings.Replace(base, "1234", "99999999999999999999", 1)+"name",
		strings.Replace(base, "1234", "-1234", 1)+"name", strings.Replace(base, "11:59", "0001", 1)+"name",
		strings.Replace(base, "-rw-r--r--", "crw-rw-rw-", 1)+"name", strings.Replace(base, "-rw-r--r--", "-rwSr-sr-T+", 1)+"name",
		strings.Replace(base, "-rw-r--r--", "Lrwxrwxrwx", 1)+"name",
		base+long, base+long+" -> "+long, base[:len(base)-1]+long+"x", strings.Replace(base, "ftp ", long, 1)+"name",
		strings.Replace(base, "ftp ", long+long, 1)+"name", strings.Replace(base, "ftp ", long+"\u00e9", 1)+"name",
		strings.Repeat(" ", 64)+base+"name", strings.Repeat(" ", 120)+base+"name",
	)
	for i := 0; i < 80; i++ { // the name at every offset around the word boundaries
		out = append(out, strings.Replace(base, "ftp ", "ftp"+strings.Repeat(" ", i+1), 1)+"n -> t")
	}
	return out
}

// TestFastUnixAgrees checks that, for every line fastUnix reads, it gives
// what the general parser gives, at several time shifts and clocks, and that
// it reads every line of the benchmark listing (so BenchmarkUnix measures
// it).
func TestFastUnixAgrees(t *testing.T) {
	clocks := []time.Time{
		time.Date(2026, 11, 26, 20, 22, 52, 0, time.UTC),
		time.Date(2022, 6, 15, 11, 58, 59, 999999000, time.UTC),
		time.Date(2024, 3, 1, 0, 0, 30, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 1, 0, 0, time.UTC),
	}
	shifts := []float64{0, 3600, -5400, 0.5, -1e11, 1e12}
	read := 0
	lines := fastLines(t)
	for _, line := range lines {
		for _, now := range clocks {
			for _, shift := range shifts {
				if checkFastUnix(t, line, shift, now) {
					read++
				}
			}
		}
	}
	if read == 0 || read == len(lines)*len(clocks)*len(shifts) {
		t.Fatalf("fastUnix read %d of %d cases", read, len(lines)*len(clocks)*len(shifts))
	}
	data, err := os.ReadFile("testdata/bench_vsftpd.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "## ") {
			continue
		}
		var r StatResult
		cs := clockState{clock: func() time.Time { return clocks[0] }}
		if !fastUnix(&r, line, 0, &cs) {
			t.Errorf("fastUnix does not read the benchmark line %q", line)
		}
	}
}

// checkFastUnix compares fastUnix with the general parser on one line and
// reports whether fastUnix read it.
func checkFastUnix(t *testing.T, line string, shift float64, now time.Time) bool {
	t.Helper()
	var fast, general StatResult
	cs := clockState{now: now, haveNow: true}
	if !fastUnix(&fast, line, shift, &cs) {
		if fast != (StatResult{}) {
			t.Fatalf("%q (shift %v, now %v): fastUnix declined but wrote %+v", line, shift, now, fast)
		}
		return false
	}
	cs = clockState{now: now, haveNow: true}
	err := Unix{}.parseGeneral(&general, line, shift, &cs)
	if err != nil {
		t.Fatalf("%q (shift %v, now %v): fastUnix read %+v, the general parser fails: %v", line, shift, now, fast, err)
	}
	if fast != general {
		t.Fatalf("%q (shift %v, now %v):\nfastUnix %+v\ngeneral  %+v", line, shift, now, fast, general)
	}
	return true
}

// FuzzFastUnix compares fastUnix with the general parser:
//
//	go test ./parse -run '^$' -fuzz '^FuzzFastUnix$' -parallel 1 -fuzztime 10m
func FuzzFastUnix(f *testing.F) {
	for _, l := range fastLines(f) {
		f.Add(l, int16(0), int64(1782512572))
	}
	f.Fuzz(func(t *testing.T, line string, k int16, clock int64) {
		now := time.Unix(clock%(1<<37), 0).UTC()
		checkFastUnix(t, line, float64(k)*450, now)
		checkFastUnix(t, line, float64(k)/3, now)
	})
}
