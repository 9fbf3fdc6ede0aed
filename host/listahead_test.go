package host

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ftplua/ftplua/internal/testservers"
)

// lockedCounter counts the commands of a host and its children, which
// send at the same time.
type lockedCounter struct {
	mu    sync.Mutex
	lines []string
}

func (c *lockedCounter) debug(line string) {
	if strings.HasPrefix(line, "> ") {
		c.mu.Lock()
		c.lines = append(c.lines, strings.TrimPrefix(line, "> "))
		c.mu.Unlock()
	}
}

func (c *lockedCounter) reset() {
	c.mu.Lock()
	c.lines = nil
	c.mu.Unlock()
}

func (c *lockedCounter) count(verb string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, l := range c.lines {
		if v, _, _ := strings.Cut(l, " "); v == verb {
			n++
		}
	}
	return n
}

func walkSteps(t *testing.T, h *Host, top string, o WalkOptions, prune bool) []string {
	t.Helper()
	var out []string
	w := h.Walk(context.Background(), top, o)
	for w.Next() {
		out = append(out, w.Dir()+" "+strings.Join(slices.Sorted(slices.Values(w.Dirnames())), ",")+" "+strings.Join(slices.Sorted(slices.Values(w.Filenames())), ","))
		if prune {
			w.SetDirnames(nil)
		}
	}
	if w.Err() != nil {
		t.Fatal(w.Err())
	}
	return out
}

// A walk that lists ahead yields what a plain walk yields, lists every
// directory once (none that was pruned), and sends no command per file.
func TestWalkListAhead(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		c := &lockedCounter{}
		o := options(s)
		o.Debug = c.debug
		h := dial(t, o)
		for _, v := range []struct {
			o     WalkOptions
			prune bool
		}{
			{WalkOptions{}, false},
			{WalkOptions{FollowLinks: true}, false},
			{WalkOptions{BottomUp: true}, false},
			{WalkOptions{}, true},
		} {
			want := walkSteps(t, h, "sample", v.o, v.prune)
			ahead := v.o
			ahead.ListAhead = 3
			h.StatCache().Clear()
			if got := walkSteps(t, h, "sample", ahead, v.prune); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%+v prune=%v:\n got %q\nwant %q", ahead, v.prune, got, want)
			}
		}
		var errs []error
		got := walkSteps(t, h, "nothing-here", WalkOptions{ListAhead: 3, OnError: func(err error) error { errs = append(errs, err); return nil }}, false)
		if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], PermanentError) {
			t.Errorf("walk of a missing dir: %q %v", got, errs)
		}

		// economy: 1 + 3 + 6 directories, 30 files
		dir := testservers.Scratch(t, s)
		local := filepath.Join(s.Root, dir)
		dirs := 1
		for i := 0; i < 3; i++ {
			for j := 0; j < 2; j++ {
				d := filepath.Join(local, "d"+string(rune('a'+i)), "e"+string(rune('a'+j)))
				os.MkdirAll(d, 0o777)
				for k := 0; k < 5; k++ {
					os.WriteFile(filepath.Join(d, "f"+string(rune('0'+k))), []byte("x"), 0o644)
				}
			}
			dirs += 3
		}
		serial := walkSteps(t, h, dir, WalkOptions{}, false)
		h.StatCache().Clear()
		c.reset()
		w := h.Walk(ctx, dir, WalkOptions{ListAhead: 3})
		var steps []string
		for w.Next() {
			steps = append(steps, w.Dir()+" "+strings.Join(slices.Sorted(slices.Values(w.Dirnames())), ",")+" "+strings.Join(slices.Sorted(slices.Values(w.Filenames())), ","))
			for _, name := range w.Filenames() {
				if _, err := h.Stat(ctx, Join(w.Dir(), name)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if w.Err() != nil {
			t.Fatal(w.Err())
		}
		if strings.Join(steps, "|") != strings.Join(serial, "|") {
			t.Errorf("walk listing ahead:\n got %q\nwant %q", steps, serial)
		}
		lists := c.count("LIST") + c.count("MLSD")
		if lists != dirs {
			t.Errorf("walk of %d directories listing ahead sent %d listings", dirs, lists)
		}
		for _, verb := range []string{"SIZE", "MDTM", "MLST", "STAT", "RETR"} {
			if c.count(verb) != 0 {
				t.Errorf("walk sent %s", verb)
			}
		}
		// pruned at the top: the subdirectories are never listed
		h.StatCache().Clear()
		c.reset()
		walkSteps(t, h, dir, WalkOptions{ListAhead: 3}, true)
		if lists := c.count("LIST") + c.count("MLSD"); lists != 1 {
			t.Errorf("pruned walk listing ahead sent %d listings, want 1", lists)
		}
	})
}

// Listing ahead never makes Open fail for want of connections: with
// max_connections 2 (one child), a file opened during the walk waits for
// the child a listing ahead holds.
func TestWalkListAheadLeavesRoomForFiles(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		o := options(s)
		o.MaxConnections = 2
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		local := filepath.Join(s.Root, dir)
		for i := 0; i < 6; i++ {
			d := filepath.Join(local, "d"+string(rune('a'+i)))
			os.MkdirAll(d, 0o777)
			os.WriteFile(filepath.Join(d, "f"), []byte("x"), 0o644)
		}
		w := h.Walk(ctx, dir, WalkOptions{ListAhead: 4})
		n := 0
		for w.Next() {
			for _, name := range w.Filenames() {
				f, err := h.Open(ctx, Join(w.Dir(), name), FileOptions{Mode: "rb"})
				if err != nil {
					t.Fatalf("open during the walk: %v", err)
				}
				b, err := io.ReadAll(f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil || string(b) != "x" {
					t.Fatalf("read %q %v", b, err)
				}
				n++
			}
		}
		if w.Err() != nil || n != 6 {
			t.Fatalf("walk: %d files, %v", n, w.Err())
		}
	})
}
