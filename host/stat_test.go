package host

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/parse"
)

// counter counts the commands a host sends, by verb.
type counter struct {
	lines []string
}

func (c *counter) debug(line string) {
	if strings.HasPrefix(line, "> ") {
		c.lines = append(c.lines, strings.TrimPrefix(line, "> "))
	}
}

func (c *counter) reset() { c.lines = nil }

func (c *counter) count(verb string) int {
	n := 0
	for _, l := range c.lines {
		v, _, _ := strings.Cut(l, " ")
		if v == verb {
			n++
		}
	}
	return n
}

func dialCounting(t *testing.T, s testservers.Server) (*Host, *counter) {
	c := &counter{}
	o := options(s)
	o.Debug = c.debug
	return dial(t, o), c
}

func TestStatSample(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		st, err := h.Lstat(ctx, "/sample/file.txt")
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode != 0o100644 || st.Size != 6 || st.Name != "file.txt" || st.MtimePrecision != 60 {
			t.Errorf("file.txt: mode %o size %d name %q precision %v", st.Mode, st.Size, st.Name, st.MtimePrecision)
		}
		local, _ := os.Stat(filepath.Join(s.Root, "sample/file.txt"))
		if d := st.Mtime - float64(local.ModTime().Unix()); d > 0 || d < -60 {
			t.Errorf("file.txt mtime %v, local %v", st.Mtime, local.ModTime().Unix())
		}
		old, err := h.Stat(ctx, "sample/old.txt")
		if err != nil {
			t.Fatal(err)
		}
		if want := float64(time.Date(2015, 3, 4, 0, 0, 0, 0, time.UTC).Unix()); old.Mtime != want || old.MtimePrecision != 86400 {
			t.Errorf("old.txt mtime %v precision %v, want %v 86400", old.Mtime, old.MtimePrecision, want)
		}
		dir, _ := h.Lstat(ctx, "sample/olddir")
		if dir.Mode&0o170000 != 0o040000 {
			t.Errorf("olddir mode %o", dir.Mode)
		}
		link, _ := h.Lstat(ctx, "sample/link")
		if link.Mode&0o170000 != 0o120000 || link.Target != "file.txt" || link.Valid&parse.HasTarget == 0 {
			t.Errorf("lstat(link) = mode %o target %q", link.Mode, link.Target)
		}
		viaLink, err := h.Stat(ctx, "sample/link")
		if err != nil || viaLink.Mode != 0o100644 || viaLink.Size != 6 {
			t.Errorf("stat(link) = %o %d %v", viaLink.Mode, viaLink.Size, err)
		}
		dl, err := h.Stat(ctx, "sample/dirlink")
		if err != nil || dl.Mode&0o170000 != 0o040000 {
			t.Errorf("stat(dirlink) = %o %v", dl.Mode, err)
		}
		_, err = h.Stat(ctx, "sample/broken")
		var he *Error
		if !errors.As(err, &he) || he.Class != PermanentError || he.Code != 550 ||
			he.Message != "550 /sample/missing: no such file or directory" || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat(broken) = %v", err)
		}
		_, err = h.Lstat(ctx, "sample/nothing")
		if !errors.As(err, &he) || he.Code != 550 || he.Message != "550 /sample/nothing: no such file or directory" {
			t.Errorf("lstat(missing) = %v", err)
		}
		root, err := h.Lstat(ctx, "/")
		if err != nil || root.Mode&0o170000 != 0o040000 || root.Name != "/" {
			t.Errorf("lstat(/) = %+v %v", root, err)
		}
	})
}

// ftputil's REAL matrix of (exists, isdir, isfile, islink).
func TestPathQueries(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		want := map[string][4]bool{
			"/":                 {true, true, false, false},
			"sample":            {true, true, false, false},
			"sample/file.txt":   {true, false, true, false},
			"sample/link":       {true, false, true, true},
			"sample/broken":     {true, false, false, true},
			"sample/dirlink":    {true, true, false, true},
			"sample/nothing":    {false, false, false, false},
			"/nothing/nothing":  {false, false, false, false},
			"sample/file.txt/x": {false, false, false, false},
			"":                  {false, false, false, false},
			".":                 {true, true, false, false},
			"..":                {true, true, false, false},
			"sample/.hidden":    {true, false, true, false},
			"sample/café.txt":   {true, false, true, false},
		}
		for p, w := range want {
			var got [4]bool
			var err error
			for i, f := range []func(context.Context, string) (bool, error){h.Exists, h.IsDir, h.IsFile, h.IsLink} {
				got[i], err = f(ctx, p)
				if err != nil {
					t.Errorf("%q: query %d: %v", p, i, err)
				}
			}
			if got != w {
				t.Errorf("%q: (exists, isdir, isfile, islink) = %v, want %v", p, got, w)
			}
		}
		if n, err := h.GetSize(ctx, "sample/link"); err != nil || n != 6 {
			t.Errorf("getsize(link) = %d %v", n, err)
		}
		if _, err := h.GetSize(ctx, "sample/nothing"); !errors.Is(err, PermanentError) {
			t.Errorf("getsize(missing) = %v", err)
		}
	})
}

// Links of every kind made in a scratch directory: relative up, absolute,
// a loop.
func TestLinks(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		dir := testservers.Scratch(t, s)
		local := filepath.Join(s.Root, dir)
		os.MkdirAll(filepath.Join(local, "sub"), 0o777)
		os.WriteFile(filepath.Join(local, "target.txt"), []byte("0123456789"), 0o644)
		os.Symlink("../target.txt", filepath.Join(local, "sub", "up"))
		os.Symlink(dir+"/target.txt", filepath.Join(local, "abs"))
		os.Symlink("loop2", filepath.Join(local, "loop1"))
		os.Symlink("loop1", filepath.Join(local, "loop2"))
		os.Symlink("self", filepath.Join(local, "self"))
		h := dial(t, options(s))
		if st, err := h.Stat(ctx, dir+"/sub/up"); err != nil || st.Size != 10 {
			t.Errorf("relative link: %+v %v", st, err)
		}
		// an absolute target is followed in the server's namespace
		if st, err := h.Lstat(ctx, dir+"/abs"); err != nil || st.Target != dir+"/target.txt" {
			t.Errorf("lstat(absolute link): %+v %v", st, err)
		}
		if st, err := h.Stat(ctx, dir+"/abs"); err != nil || st.Size != 10 {
			t.Errorf("stat(absolute link): %+v %v", st, err)
		}
		for _, p := range []string{"loop1", "self"} {
			_, err := h.Stat(ctx, dir+"/"+p)
			if !errors.Is(err, RecursiveLinksError) || !errors.Is(err, PermanentError) {
				t.Errorf("stat(%s) = %v, want RecursiveLinksError", p, err)
			}
			if ok, err := h.IsDir(ctx, dir+"/"+p); ok || err != nil {
				t.Errorf("isdir(%s) = %v %v", p, ok, err)
			}
			if ok, err := h.Exists(ctx, dir+"/"+p); !ok || err != nil {
				t.Errorf("exists(%s) = %v %v", p, ok, err)
			}
		}
	})
}

// Listing a directory once answers every stat in it; a walk of D
// directories sends D listings and no command per file.
func TestNetworkEconomy(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
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
		h, c := dialCounting(t, s)
		names, err := h.Listdir(ctx, dir+"/da/ea")
		if err != nil || len(names) != 5 {
			t.Fatalf("listdir: %v %v", names, err)
		}
		c.reset()
		for _, n := range names {
			if _, err := h.Stat(ctx, dir+"/da/ea/"+n); err != nil {
				t.Fatal(err)
			}
			if ok, _ := h.IsFile(ctx, dir+"/da/ea/"+n); !ok {
				t.Errorf("%s is no file", n)
			}
		}
		if len(c.lines) != 0 {
			t.Errorf("stat after listdir sent %q", c.lines)
		}
		h.StatCache().Clear()
		c.reset()
		w := h.Walk(ctx, dir, WalkOptions{})
		seenFiles := 0
		for w.Next() {
			seenFiles += len(w.Filenames())
		}
		if w.Err() != nil {
			t.Fatal(w.Err())
		}
		if seenFiles != 30 {
			t.Errorf("walk saw %d files, want 30", seenFiles)
		}
		if got := c.count("LIST"); got != dirs {
			t.Errorf("walk of %d directories sent %d LIST: %q", dirs, got, c.lines)
		}
		for _, verb := range []string{"SIZE", "MDTM", "MLST", "STAT"} {
			if c.count(verb) != 0 {
				t.Errorf("walk sent %s", verb)
			}
		}
		if len(c.lines) > 3*dirs {
			t.Errorf("walk sent %d commands for %d directories: %q", len(c.lines), dirs, c.lines)
		}
	})
}

func TestWalk(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		collect := func(top string, o WalkOptions, prune bool) []string {
			var out []string
			w := h.Walk(ctx, top, o)
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
		top := "sample "
		files := ".hidden,broken,café.txt,file.txt,link,old.txt,with space.txt"
		got := collect("sample", WalkOptions{}, false)
		want := []string{top + "dirlink,olddir,subdir " + files, "sample/olddir  ", "sample/subdir  inner.txt"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("walk = %q\nwant %q", got, want)
		}
		got = collect("sample", WalkOptions{FollowLinks: true}, false)
		if len(got) != 4 || got[1] != "sample/dirlink  inner.txt" {
			t.Errorf("followlinks walk = %q", got)
		}
		got = collect("sample", WalkOptions{BottomUp: true}, false)
		if len(got) != 3 || got[2] != want[0] {
			t.Errorf("bottom-up walk = %q", got)
		}
		if got = collect("sample", WalkOptions{}, true); len(got) != 1 {
			t.Errorf("pruned walk = %q", got)
		}
		var errs []error
		got = collect("nothing-here", WalkOptions{OnError: func(err error) error { errs = append(errs, err); return nil }}, false)
		if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], PermanentError) {
			t.Errorf("walk of a missing dir: %q %v", got, errs)
		}
		if got = collect("sample/file.txt", WalkOptions{}, false); len(got) != 0 {
			t.Errorf("walk of a file = %q", got)
		}
	})
}
