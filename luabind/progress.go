package luabind

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// ftputil.progress([total [, label]]) returns a chunk callback for
// host:upload, host:download (and their _if_newer forms) and
// host:copyfileobj: called with each chunk (or a byte count), it draws one
// line on stderr with a bar, the bytes so far, the rate and the time left,
// as long as stderr (Config.Stderr) is a terminal; anywhere else it is
// silent. Short transfers draw nothing: the line appears once a transfer
// has run for half a second, and is finished with a newline when the
// bytes reach total. With no total (unknown size) it shows bytes and rate;
// call the callback with no argument to end its line.
//
//	host:download("big.iso", "big.iso", ftputil.progress(host.path.getsize("big.iso"), "big.iso"))

// Timing of the progress line; variables so that tests can set them.
var (
	progressNow        = time.Now
	progressIsTerminal = isTerminal
)

const (
	progressDelay = 500 * time.Millisecond // a transfer this short draws nothing
	progressEvery = 100 * time.Millisecond // redraw at most this often
	progressBarW  = 20                     // cells of the bar
	progressLabel = 24                     // label cells at most
	maxBytes      = 1 << 53                // larger counts are not exact in Lua numbers
)

func registerProgress(L *lua.LState, mod *lua.LTable) {
	L.SetField(mod, "progress", L.NewFunction(ftputilProgress))
}

func ftputilProgress(L *lua.LState) int {
	total := int64(-1)
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		if !(v >= 0 && v <= maxBytes) { // NaN fails too
			argError(L, 1, "progress", "total must be a number of bytes, 0 or more")
		}
		total = int64(v)
	default:
		argError(L, 1, "progress", "number expected, got "+typeName(v))
	}
	label := optString(L, 2, 2, "progress", "")
	w := getState(L).stderr()
	var p *progressLine
	if progressIsTerminal(w) {
		p = &progressLine{w: w, total: total, label: label, now: progressNow, start: progressNow()}
	}
	L.Push(L.NewFunction(func(L *lua.LState) int {
		var n int64
		switch v := L.Get(1).(type) {
		case *lua.LNilType:
			if p != nil {
				p.finish()
			}
			return 0
		case lua.LString:
			n = int64(len(v))
		case lua.LNumber:
			if !(v >= 0 && v <= maxBytes) {
				argError(L, 1, "progress callback", "byte count must be 0 or more")
			}
			n = int64(v)
		default:
			argError(L, 1, "progress callback", "string or number expected, got "+typeName(v))
		}
		if p != nil {
			p.add(n)
		}
		return 0
	}))
	return 1
}

// isTerminal tells whether w is a terminal: an *os.File that is a
// character device other than the null device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// progressLine draws the progress of one transfer.
type progressLine struct {
	w        io.Writer
	total    int64 // -1: unknown
	label    string
	now      func() time.Time
	start    time.Time // the callback was made: the transfer starts
	last     time.Time // of the last drawing
	bytes    int64
	drawn    bool // the line is on the screen
	finished bool
}

func (p *progressLine) add(n int64) {
	if p.finished {
		return
	}
	t := p.now()
	p.bytes = min(p.bytes+n, maxBytes)
	if p.total >= 0 && p.bytes >= p.total {
		if p.drawn {
			p.draw(t, true)
		}
		p.finished = true
		return
	}
	if t.Sub(p.start) < progressDelay || (p.drawn && t.Sub(p.last) < progressEvery) {
		return
	}
	p.draw(t, false)
}

// finish ends the line (the callback called without a chunk).
func (p *progressLine) finish() {
	if p.finished {
		return
	}
	p.finished = true
	if p.drawn {
		p.draw(p.now(), true)
	}
}

func (p *progressLine) draw(t time.Time, done bool) {
	p.drawn, p.last = true, t
	fmt.Fprint(p.w, "\r"+p.format(t.Sub(p.start), done)+"\x1b[K")
	if done {
		fmt.Fprint(p.w, "\n")
	}
}

// format is the line after elapsed time, e.g.
//
//	big.iso    45% [#########...........]  1.2 MiB / 2.6 MiB  512.0 KiB/s  0:03 left
//	big.iso   100% [####################]  2.6 MiB  512.0 KiB/s  in 0:05
func (p *progressLine) format(elapsed time.Duration, done bool) string {
	var b strings.Builder
	if p.label != "" {
		label := []rune(p.label)
		if len(label) > progressLabel {
			label = append([]rune("…"), label[len(label)-progressLabel+1:]...)
		}
		b.WriteString(string(label))
		b.WriteString("  ")
	}
	rate := -1.0
	if secs := elapsed.Seconds(); secs > 0 {
		rate = float64(p.bytes) / secs
	}
	if p.total > 0 {
		frac := min(max(float64(p.bytes)/float64(p.total), 0), 1)
		fill := int(frac * progressBarW)
		fmt.Fprintf(&b, "%3d%% [%s%s]  ", int(frac*100), strings.Repeat("#", fill), strings.Repeat(".", progressBarW-fill))
	}
	if p.total >= 0 && !done {
		fmt.Fprintf(&b, "%s / %s", formatBytes(p.bytes), formatBytes(p.total))
	} else {
		b.WriteString(formatBytes(p.bytes))
	}
	if rate >= 0 {
		fmt.Fprintf(&b, "  %s/s", formatBytes(int64(rate)))
	}
	switch {
	case done:
		b.WriteString("  in " + formatDuration(elapsed))
	case p.total >= 0 && rate > 0:
		left := time.Duration(float64(p.total-p.bytes) / rate * float64(time.Second))
		b.WriteString("  " + formatDuration(left) + " left")
	default:
		b.WriteString("  " + formatDuration(elapsed))
	}
	return b.String()
}

// formatBytes: "512 B", "1.5 KiB", "2.0 MiB", ...
func formatBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		if v < 1024 || unit == "TiB" {
			return fmt.Sprintf("%.1f %s", v, unit)
		}
	}
	return ""
}

// formatDuration: "0:05", "12:34", "1:02:03" (rounded to the second).
func formatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
