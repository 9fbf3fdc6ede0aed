package host

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/ftplua/ftplua/internal/testservers"
)

// fstest.TestFS checks the io/fs view against each real server.
func TestFSConformance(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		dir := testservers.Scratch(t, s)
		local := filepath.Join(s.Root, dir)
		os.MkdirAll(filepath.Join(local, "a", "b"), 0o777)
		os.MkdirAll(filepath.Join(local, "empty"), 0o777)
		os.WriteFile(filepath.Join(local, "top.txt"), []byte("top\n"), 0o644)
		os.WriteFile(filepath.Join(local, "a", "with space.txt"), []byte("space"), 0o644)
		os.WriteFile(filepath.Join(local, "a", "b", "café.bin"), make([]byte, 70000), 0o644)
		os.WriteFile(filepath.Join(local, "a", "b", "zero"), nil, 0o644)
		h := dial(t, options(s))
		fsys := h.FS(ctx, dir)
		if err := fstest.TestFS(fsys, "top.txt", "a/with space.txt", "a/b/café.bin", "a/b/zero", "empty"); err != nil {
			t.Fatal(err)
		}
		b, err := fs.ReadFile(fsys, "a/with space.txt")
		if err != nil || string(b) != "space" {
			t.Errorf("ReadFile = %q %v", b, err)
		}
		if _, err := fs.Stat(fsys, "nothing"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(nothing) = %v, want fs.ErrNotExist", err)
		}
		if _, err := fsys.Open("../x"); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(../x) = %v", err)
		}
	})
}
