package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/parse"
)

// TestSameAsFtputil runs the same operations on the same server through
// Debian's python3-ftputil 5.0.4 (testdata/ftputil_ops.py) and through
// host, and compares the results: listings, stat fields, path queries,
// walks, changes and the error classes and codes of failures. It runs
// wherever python3-ftputil is installed; with CI=true it must be.
func TestSameAsFtputil(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import ftputil").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-ftputil is not installed: %v", err)
		}
		t.Skip("python3-ftputil is not installed (apt-get install python3-ftputil)")
	}
	for _, s := range testservers.Real(t) {
		if s.TLS {
			continue // ftputil's stock TLS cannot resume sessions; the plain instances suffice
		}
		s := s
		t.Run(s.Name, func(t *testing.T) {
			pyDir := testservers.Scratch(t, s)
			goDir := testservers.Scratch(t, s)
			cmd := exec.Command("/usr/bin/python3", "testdata/ftputil_ops.py", s.Host, itoaPort(s.Port),
				s.User, s.Password, pyDir, t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("ftputil: %v\n%s", err, stderr.String())
			}
			var want map[string]any
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			got := ourOps(t, s, goDir, t.TempDir())
			// the scratch directories differ by name only
			for k, v := range want {
				g, ok := got[k]
				if !ok {
					t.Errorf("%s: not computed here", k)
					continue
				}
				if !reflect.DeepEqual(normalize(g), v) {
					gj, _ := json.Marshal(g)
					wj, _ := json.Marshal(v)
					t.Errorf("%s differs:\n ftputil: %s\n host:    %s", k, wj, gj)
				}
			}
		})
	}
}

func itoaPort(p int) string { b, _ := json.Marshal(p); return string(b) }

// normalize passes a value through JSON, as the Python side's came.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

func ourOps(t *testing.T, s testservers.Server, d, local string) map[string]any {
	ctx := context.Background()
	h := dial(t, options(s))
	out := map[string]any{}
	errOf := func(err error) any {
		var e *Error
		if !errors.As(err, &e) {
			return map[string]any{"class": "?", "code": nil}
		}
		var code any
		if e.Code != 0 {
			code = e.Code
		}
		return map[string]any{"class": string(e.Class), "code": code}
	}
	attempt := func(v any, err error) any {
		if err != nil {
			return map[string]any{"error": errOf(err)}
		}
		return map[string]any{"ok": v}
	}
	stat := func(st StatResult) any {
		var target any
		if st.Valid&parse.HasTarget != 0 {
			target = st.Target
		}
		return map[string]any{"mode": st.Mode, "size": st.Size, "uid": st.UID, "gid": st.GID,
			"nlink": st.Nlink, "mtime": st.Mtime, "precision": st.MtimePrecision, "target": target, "name": st.Name}
	}
	names, err := h.Listdir(ctx, "/sample")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	out["listdir"] = names
	lst, sts := map[string]any{}, map[string]any{}
	for _, n := range names {
		st, err := h.Lstat(ctx, "/sample/"+n)
		if err != nil {
			t.Fatal(err)
		}
		lst[n] = stat(st)
		st2, err := h.Stat(ctx, "/sample/"+n)
		if err != nil {
			sts[n] = attempt(nil, err)
		} else {
			sts[n] = attempt(stat(st2), nil)
		}
	}
	out["lstat"], out["stat"] = lst, sts
	queries := map[string]any{}
	paths := []string{"/sample/nothing", "/nothing/x", "/sample", "/"}
	for _, n := range names {
		paths = append(paths, "/sample/"+n)
	}
	for _, p := range paths {
		var q []bool
		for _, f := range []func(context.Context, string) (bool, error){h.Exists, h.IsDir, h.IsFile, h.IsLink} {
			ok, err := f(ctx, p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			q = append(q, ok)
		}
		queries[p] = q
	}
	out["queries"] = queries
	out["getsize"] = attempt(h.GetSize(ctx, "/sample/link"))
	var walk [][]any
	w := h.Walk(ctx, "/sample", WalkOptions{})
	for w.Next() {
		walk = append(walk, []any{w.Dir(), sortedCopy(w.Dirnames()), sortedCopy(w.Filenames())})
	}
	out["walk"] = walk
	var bottom []string
	w = h.Walk(ctx, "/sample", WalkOptions{BottomUp: true})
	for w.Next() {
		bottom = append(bottom, w.Dir())
	}
	out["walk_bottomup"] = bottom

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.Makedirs(ctx, d+"/a/b/c", false))
	out["after_makedirs"], _ = h.Listdir(ctx, d+"/a/b")
	out["makedirs_again"] = attempt(nil, h.Makedirs(ctx, d+"/a/b/c", false))
	must(h.Rename(ctx, d+"/a", d+"/x"))
	after, _ := h.Listdir(ctx, d)
	slices.Sort(after)
	out["after_rename"] = after
	os.WriteFile(filepath.Join(local, "f.txt"), bytes.Repeat([]byte("hello\n"), 1000), 0o644)
	must(h.Upload(ctx, filepath.Join(local, "f.txt"), d+"/x/f.txt", nil))
	out["size_uploaded"], _ = h.GetSize(ctx, d+"/x/f.txt")
	must(h.Chmod(ctx, d+"/x/f.txt", 0o600))
	st, _ := h.Lstat(ctx, d+"/x/f.txt")
	out["mode_after_chmod"] = st.Mode
	must(h.Download(ctx, d+"/x/f.txt", filepath.Join(local, "g.txt"), nil))
	fi, _ := os.Stat(filepath.Join(local, "g.txt"))
	out["downloaded"] = fi.Size()
	out["rmdir_nonempty"] = attempt(nil, h.Rmdir(ctx, d+"/x"))
	out["remove_dir"] = attempt(nil, h.Remove(ctx, d+"/x"))
	must(h.Remove(ctx, d+"/x/f.txt"))
	must(h.Rmdir(ctx, d+"/x/b/c"))
	out["after_removes"], _ = h.Listdir(ctx, d+"/x/b")
	must(h.Rmtree(ctx, d+"/x", false, nil))
	out["after_rmtree"], _ = h.Listdir(ctx, d)
	out["chdir_missing"] = attempt(nil, h.Chdir(ctx, "/nothing"))
	_, err = h.Listdir(ctx, "/nothing")
	out["listdir_missing"] = attempt(nil, err)
	_, err = h.Listdir(ctx, "/sample/file.txt")
	out["listdir_file"] = attempt(nil, err)
	out["remove_missing"] = attempt(nil, h.Remove(ctx, d+"/nothing"))
	_, err = h.Lstat(ctx, "/sample/nothing")
	out["lstat_missing"] = attempt(nil, err)
	_, err = h.Open(ctx, "/sample/nothing", FileOptions{Mode: "rb"})
	out["open_missing"] = attempt(nil, err)
	return out
}

func sortedCopy(s []string) []string {
	c := append([]string{}, s...)
	slices.Sort(c)
	return c
}
