package luabind

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
	lua "github.com/yuin/gopher-lua"
)

// withModule loads the module in a fresh state with register applied to
// it (for parts not yet in Loader) and sets it as the global ftputil.
func withModule(t *testing.T, cfg Config, register ...func(*lua.LState, *lua.LTable)) *lua.LState {
	t.Helper()
	L := lua.NewState()
	Preload(L, cfg)
	t.Cleanup(func() {
		CloseAll(L)
		L.Close()
	})
	if err := L.DoString(`ftputil = require("ftputil")`); err != nil {
		t.Fatal(err)
	}
	mod := L.GetGlobal("ftputil").(*lua.LTable)
	for _, r := range register {
		r(L, mod)
	}
	return L
}

// fakeClock replaces the progress clock: advance(ms) moves it on.
func fakeClock(t *testing.T, L *lua.LState) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	oldNow, oldTerm := progressNow, progressIsTerminal
	progressNow = func() time.Time { return now }
	progressIsTerminal = func(io.Writer) bool { return true }
	t.Cleanup(func() { progressNow, progressIsTerminal = oldNow, oldTerm })
	L.SetGlobal("advance", L.NewFunction(func(L *lua.LState) int {
		now = now.Add(time.Duration(L.CheckNumber(1)) * time.Millisecond)
		return 0
	}))
}

func TestProgressDrawsOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	L := withModule(t, Config{Stderr: &buf}, registerProgress)
	fakeClock(t, L)
	err := L.DoString(`
		local MiB = string.rep("x", 1048576)
		local cb = ftputil.progress(4 * 1048576, "big.iso")
		advance(200); cb(MiB)        -- too early: nothing yet
		advance(400); cb(MiB)        -- 0.6 s: drawn
		advance(50);  cb(MiB)        -- within 100 ms of the last drawing
		advance(400); cb(1048576)    -- a byte count; complete: the last line
		advance(400); cb(MiB)        -- after the end: ignored
		cb()
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := "\rbig.iso   50% [##########..........]  2.0 MiB / 4.0 MiB  3.3 MiB/s  0:01 left\x1b[K" +
		"\rbig.iso  100% [####################]  4.0 MiB  3.8 MiB/s  in 0:01\x1b[K\n"
	if got := buf.String(); got != want {
		t.Errorf("drawn:\n%q\nwant\n%q", got, want)
	}
}

func TestProgressShortTransferAndUnknownTotal(t *testing.T) {
	var buf bytes.Buffer
	L := withModule(t, Config{Stderr: &buf}, registerProgress)
	fakeClock(t, L)
	err := L.DoString(`
		local cb = ftputil.progress(3000)
		advance(100); cb(string.rep("a", 1000))
		advance(100); cb(string.rep("a", 2000)) -- done in 0.2 s: nothing drawn
		cb()
	`)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("a short transfer drew %q", buf.String())
	}
	err = L.DoString(`
		local cb = ftputil.progress()
		advance(1000); cb(string.rep("a", 1536))
		advance(1000); cb(string.rep("a", 512))
		cb()
		cb()
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := "\r1.5 KiB  1.5 KiB/s  0:01\x1b[K" + "\r2.0 KiB  1.0 KiB/s  0:02\x1b[K" +
		"\r2.0 KiB  1.0 KiB/s  in 0:02\x1b[K\n"
	if got := buf.String(); got != want {
		t.Errorf("drawn:\n%q\nwant\n%q", got, want)
	}
}

func TestProgressArguments(t *testing.T) {
	L := withModule(t, Config{Stderr: io.Discard}, registerProgress)
	for chunk, want := range map[string]string{
		`ftputil.progress("big")`:     "bad argument #1 to 'progress' (number expected, got string)",
		`ftputil.progress(-1)`:        "bad argument #1 to 'progress' (total must be a number of bytes, 0 or more)",
		`ftputil.progress(10, 5)`:     "bad argument #2 to 'progress' (string expected, got number)",
		`ftputil.progress(10)({})`:    "bad argument #1 to 'progress callback' (string or number expected, got table)",
		`ftputil.progress(nil, "x")`:  "",
		`ftputil.progress(0)("abc")`:  "",
		`ftputil.progress(10)(false)`: "bad argument #1 to 'progress callback' (string or number expected, got boolean)",
		`ftputil.progress(0/0)`:       "bad argument #1 to 'progress' (total must be a number of bytes, 0 or more)",
		`ftputil.progress(1/0)`:       "bad argument #1 to 'progress' (total must be a number of bytes, 0 or more)",
		`ftputil.progress(10)(-1)`:    "bad argument #1 to 'progress callback' (byte count must be 0 or more)",
		`ftputil.progress(10)(0/0)`:   "bad argument #1 to 'progress callback' (byte count must be 0 or more)",
	} {
		err := L.DoString(chunk)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", chunk, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want %q", chunk, err, want)
		}
	}
}

// Only a terminal counts: not a buffer, a regular file or the null device.
func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, w := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "file": f, "null": null, "nil file": (*os.File)(nil)} {
		if isTerminal(w) {
			t.Errorf("isTerminal(%s) = true", name)
		}
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !isTerminal(tty) {
			t.Error("isTerminal(/dev/tty) = false")
		}
	}
}

// The callback serves host:upload and host:download; each call of the
// clock moves it by 300 ms.
func TestProgressWithTransfers(t *testing.T) {
	s := testservers.Builtin(t, false)
	var buf bytes.Buffer
	L := withModule(t, Config{Stderr: &buf}, registerProgress)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	oldNow, oldTerm := progressNow, progressIsTerminal
	progressNow = func() time.Time { now = now.Add(300 * time.Millisecond); return now }
	progressIsTerminal = func(io.Writer) bool { return true }
	defer func() { progressNow, progressIsTerminal = oldNow, oldTerm }()
	dir := t.TempDir()
	local := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(local, bytes.Repeat([]byte("0123456789abcdef"), 200*1024/16), 0o644); err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("URL", lua.LString(s.URL()))
	L.SetGlobal("LOCAL", lua.LString(local))
	L.SetGlobal("BACK", lua.LString(filepath.Join(dir, "back.bin")))
	err := L.DoString(`
		local h = ftputil.connect(URL)
		h:upload(LOCAL, "/data.bin", ftputil.progress(204800, "up"))
		h:download("/data.bin", BACK, ftputil.progress(h.path.getsize("/data.bin"), "down"))
		h:close()
	`)
	if err != nil {
		t.Fatal(err)
	}
	// the clock moves 300 ms per call: the callback is made at 0, the
	// chunks come at 0.3 s (too early to draw), 0.6, 0.9 and 1.2 s
	lines := []string{
		"\rup   64% [############........]  128.0 KiB / 200.0 KiB  213.3 KiB/s  0:00 left\x1b[K",
		"\rup   96% [###################.]  192.0 KiB / 200.0 KiB  213.3 KiB/s  0:00 left\x1b[K",
		"\rup  100% [####################]  200.0 KiB  166.7 KiB/s  in 0:01\x1b[K\n",
	}
	want := strings.Join(lines, "") + strings.ReplaceAll(strings.Join(lines, ""), "up ", "down ")
	if got := buf.String(); got != want {
		t.Errorf("drawn:\n%q\nwant\n%q", got, want)
	}
	back, err := os.ReadFile(filepath.Join(dir, "back.bin"))
	if err != nil || len(back) != 204800 {
		t.Errorf("downloaded %d bytes, %v", len(back), err)
	}
}
