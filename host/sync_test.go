package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
)

func writeTree(t *testing.T, root string, files map[string]string, age time.Duration) {
	t.Helper()
	when := time.Now().Add(-age)
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o777)
		if err := os.WriteFile(p, []byte(body), 0o666); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, when, when)
	}
}

func planString(plan []Action) string {
	var b strings.Builder
	for _, a := range plan {
		b.WriteString(a.Op + " " + a.Path + "\n")
	}
	return b.String()
}

func TestSyncDown(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		remote := testservers.Scratch(t, s)
		writeTree(t, filepath.Join(s.Root, remote), map[string]string{
			"a/x.txt": "x", "a/b/y.txt": "yy", "c.txt": "ccc", ".hidden": "h", "skip.tmp": "t",
		}, 20*time.Second)
		os.MkdirAll(filepath.Join(s.Root, remote, "empty"), 0o777)
		local := filepath.Join(t.TempDir(), "mirror")
		o := SyncOptions{Src: remote, Dst: local, Direction: "down", Exclude: []string{"*.tmp"}}
		plan, err := h.SyncPlan(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		want := "mkdir .\nmkdir a\nmkdir a/b\nmkdir empty\ndownload .hidden\ndownload a/b/y.txt\ndownload a/x.txt\ndownload c.txt\n"
		if got := planString(plan); got != want {
			t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
		}
		if a := plan[5]; a.Size != 2 || a.Reason != "missing in the target" || a.Src != remote+"/a/b/y.txt" ||
			a.Dst != filepath.Join(local, "a", "b", "y.txt") || a.Remote {
			t.Errorf("action %+v", a)
		}
		// a dry run changes nothing
		sum, err := h.Apply(ctx, plan, ApplyOptions{DryRun: true, Parallel: 4})
		if err != nil || sum.Downloads != 4 || sum.Mkdirs != 4 || sum.Bytes != 7 {
			t.Errorf("dry run: %+v %v", sum, err)
		}
		if _, err := os.Stat(local); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("the dry run made the target")
		}
		sum, err = h.Apply(ctx, plan, ApplyOptions{Parallel: 3})
		if err != nil || sum.Downloads != 4 || sum.Mkdirs != 4 || sum.Failed != 0 {
			t.Fatalf("apply: %+v %v", sum, err)
		}
		for name, body := range map[string]string{"a/x.txt": "x", "a/b/y.txt": "yy", "c.txt": "ccc", ".hidden": "h"} {
			if b, _ := os.ReadFile(filepath.Join(local, name)); string(b) != body {
				t.Errorf("%s = %q", name, b)
			}
		}
		if _, err := os.Stat(filepath.Join(local, "skip.tmp")); err == nil {
			t.Error("excluded file copied")
		}
		// converged: nothing to do
		h.StatCache().Clear()
		if plan, err = h.SyncPlan(ctx, o); err != nil || len(plan) != 0 {
			t.Fatalf("second plan: %q %v", planString(plan), err)
		}
		// changes on both sides, with deletion
		writeTree(t, filepath.Join(s.Root, remote), map[string]string{"c.txt": "changed!"}, 0)
		writeTree(t, local, map[string]string{"extra/e.txt": "e", "a/old.txt": "o"}, 0)
		h.StatCache().Clear()
		o.Delete = true
		plan, err = h.SyncPlan(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		want = "download c.txt\ndelete a/old.txt\ndelete extra/e.txt\nrmdir extra\n"
		if got := planString(plan); got != want {
			t.Fatalf("plan with changes:\n%s\nwant:\n%s", got, want)
		}
		if !strings.HasPrefix(plan[0].Reason, "size differs: source 8, target 3") {
			t.Errorf("reason %q", plan[0].Reason)
		}
		_, err = h.Apply(ctx, plan, ApplyOptions{LimitDeletes: true, MaxDelete: 2})
		if !errors.Is(err, SyncError) || !strings.Contains(err.Error(), "deletes 3 entries, more than max_delete 2") {
			t.Fatalf("max_delete: %v", err)
		}
		if b, _ := os.ReadFile(filepath.Join(local, "c.txt")); string(b) != "ccc" {
			t.Error("a refused plan changed something")
		}
		if sum, err = h.Apply(ctx, plan, ApplyOptions{LimitDeletes: true, MaxDelete: 3}); err != nil || sum.Deletes != 3 || sum.Downloads != 1 {
			t.Fatalf("apply with deletes: %+v %v", sum, err)
		}
		if _, err := os.Stat(filepath.Join(local, "extra")); !errors.Is(err, os.ErrNotExist) {
			t.Error("extra not removed")
		}
	})
}

func TestSyncUp(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		remote := testservers.Scratch(t, s) + "/pub"
		local := t.TempDir()
		files := map[string]string{}
		for i := 0; i < 30; i++ {
			files[string(rune('a'+i%3))+"/f"+string(rune('0'+i%10))+string(rune('a'+i/10))+".txt"] = strings.Repeat("z", i)
		}
		writeTree(t, local, files, 20*time.Second)
		o := SyncOptions{Src: local, Dst: remote, Direction: "up", Include: []string{"*.txt"}}
		plan, err := h.SyncPlan(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) != 34 || plan[0].Op != "mkdir" || plan[0].Path != "." || plan[1].Path != "a" || !plan[0].Remote {
			t.Fatalf("plan %s", planString(plan))
		}
		sum, err := h.Apply(ctx, plan, ApplyOptions{Parallel: 4})
		if err != nil || sum.Uploads != 30 || sum.Mkdirs != 4 {
			t.Fatalf("apply: %+v %v", sum, err)
		}
		for name, body := range files {
			if b, _ := os.ReadFile(filepath.Join(s.Root, remote, name)); string(b) != body {
				t.Errorf("%s = %q, want %q", name, b, body)
			}
		}
		h.StatCache().Clear()
		if plan, err = h.SyncPlan(ctx, o); err != nil || len(plan) != 0 {
			t.Fatalf("second plan: %s %v", planString(plan), err)
		}
		// a bad plan is refused whole
		bad := []Action{{Op: "download", Src: "/x", Dst: "/tmp/x", Remote: true}}
		if _, err := h.Apply(ctx, bad, ApplyOptions{}); !errors.Is(err, SyncError) {
			t.Errorf("bad plan: %v", err)
		}
		if _, err := h.SyncPlan(ctx, SyncOptions{Src: local, Dst: remote, Direction: "sideways"}); !errors.Is(err, SyncError) {
			t.Errorf("bad direction: %v", err)
		}
	})
}
