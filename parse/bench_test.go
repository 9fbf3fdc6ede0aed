package parse_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/parse"
)

// benchLines is a typical vsftpd listing (testdata/golden/vsftpd/list-a.txt
// without the odd entries): files, directories and links, with "HH:MM" and
// year dates. testdata/bench_ftputil.py times ftputil over the same lines.
func benchLines(tb testing.TB) []string {
	var out []string
	for _, g := range readGoldenInput(tb, "testdata/bench_vsftpd.txt") {
		out = append(out, g.line)
	}
	return out
}

var benchTime = time.Date(2026, 11, 26, 20, 22, 52, 0, time.UTC)

func benchNow() time.Time { return benchTime }

var sink parse.StatResult

// reportRate reports lines per second of wall time (lines/s) and of CPU
// time (lines/cpu-s, steadier on a busy machine), and ns per line.
func reportRate(b *testing.B, lines int, cpu0 time.Duration) {
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(lines)/cpu.Seconds(), "lines/cpu-s")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/line")
}

func BenchmarkUnix(b *testing.B) {
	lines := benchLines(b)
	p := parse.Unix{Now: benchNow}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for i := 0; i < b.N; i++ {
		r, err := p.ParseLine(lines[n], 0)
		if err != nil {
			b.Fatal(err)
		}
		sink = r
		if n++; n == len(lines) {
			n = 0
		}
	}
	reportRate(b, b.N, cpu0)
}

func BenchmarkUnixRealClock(b *testing.B) {
	lines := benchLines(b)
	p := parse.Unix{}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for i := 0; i < b.N; i++ {
		r, err := p.ParseLine(lines[n], 0)
		if err != nil {
			b.Fatal(err)
		}
		sink = r
		if n++; n == len(lines) {
			n = 0
		}
	}
	reportRate(b, b.N, cpu0)
}

func BenchmarkMS(b *testing.B) {
	lines := []string{
		"07-27-01  11:16AM       <DIR>          Test",
		"10-23-95  03:25PM       <DIR>          WindowsXP",
		"07-17-00  02:08PM             12266720 test.exe",
		"05-22-97  12:08AM                  5000000000 10 years and under",
	}
	var p parse.MS
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		r, err := p.ParseLine(lines[i%len(lines)], 0)
		if err != nil {
			b.Fatal(err)
		}
		sink = r
	}
	reportRate(b, b.N, cpu0)
}

func BenchmarkMLSD(b *testing.B) {
	var lines []string
	for _, g := range readGoldenInput(b, "testdata/golden/proftpd/mlsd.txt") {
		if !strings.Contains(g.line, "type=cdir") {
			lines = append(lines, g.line)
		}
	}
	var p parse.MLSD
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		r, err := p.ParseLine(lines[i%len(lines)], 0)
		if err != nil {
			b.Fatal(err)
		}
		sink = r
	}
	reportRate(b, b.N, cpu0)
}

func BenchmarkAutoListing(b *testing.B) {
	lines := benchLines(b)
	a := &parse.Auto{Now: benchNow}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := a.ParseListing(lines, 0); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N*len(lines), cpu0)
}

// BenchmarkListing parses the listing as the host does, with the real clock
// (read once per listing).
func BenchmarkListing(b *testing.B) {
	lines := benchLines(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := parse.ParseListing(parse.Unix{}, lines, 0); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, b.N*len(lines), cpu0)
}
