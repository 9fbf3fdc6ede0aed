package host

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
)

func TestUploadDownload(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := bytes.Repeat([]byte("ftplua "), 200000/7+1)[:200000]
		src := filepath.Join(local, "src.bin")
		os.WriteFile(src, data, 0o644)
		var sizes []int
		if err := h.Upload(ctx, src, dir+"/up load.bin", func(c []byte) error { sizes = append(sizes, len(c)); return nil }); err != nil {
			t.Fatal(err)
		}
		if want := []int{65536, 65536, 65536, 3392}; !equalInts(sizes, want) {
			t.Errorf("callback sizes %v, want %v", sizes, want)
		}
		if n, err := h.GetSize(ctx, dir+"/up load.bin"); err != nil || n != 200000 {
			t.Errorf("remote size %d %v", n, err)
		}
		dst := filepath.Join(local, "dst.bin")
		if err := h.Download(ctx, dir+"/up load.bin", dst, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
			t.Errorf("downloaded %d bytes, not the uploaded ones", len(got))
		}
		// a missing remote file: FTPIOError 550, and no local file at all
		err := h.Download(ctx, dir+"/nothing", filepath.Join(local, "nothing"), nil)
		var he *Error
		if !errors.As(err, &he) || he.Class != FTPIOError || he.Code != 550 {
			t.Errorf("download of a missing file: %v", err)
		}
		entries, _ := os.ReadDir(local)
		if len(entries) != 2 {
			t.Errorf("local folder holds %d entries, want src.bin and dst.bin", len(entries))
		}
		// an empty file both ways
		empty := filepath.Join(local, "empty")
		os.WriteFile(empty, nil, 0o644)
		if err := h.Upload(ctx, empty, dir+"/empty", nil); err != nil {
			t.Fatal(err)
		}
		if err := h.Download(ctx, dir+"/empty", filepath.Join(local, "empty2"), nil); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(filepath.Join(local, "empty2")); err != nil || fi.Size() != 0 {
			t.Errorf("empty download: %v %v", fi, err)
		}
		if err := h.Upload(ctx, filepath.Join(local, "no-such"), dir+"/x", nil); !errors.Is(err, FTPIOError) {
			t.Errorf("upload of a missing local file: %v", err)
		}
	})
}

func equalInts(a, b []int) bool {
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

// The if-newer transfers do not repeat themselves: where the listing's
// minute leaves the comparison open, the exact time decides.
func TestIfNewer(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		src := filepath.Join(local, "a.txt")
		os.WriteFile(src, []byte("one"), 0o644)
		past := time.Now().Add(-10 * time.Second)
		os.Chtimes(src, past, past)
		did, err := h.UploadIfNewer(ctx, src, dir+"/a.txt", nil)
		if err != nil || !did {
			t.Fatalf("first upload_if_newer: %v %v", did, err)
		}
		did, err = h.UploadIfNewer(ctx, src, dir+"/a.txt", nil)
		if err != nil || did {
			t.Errorf("second upload_if_newer uploaded again: %v %v", did, err)
		}
		future := time.Now().Add(time.Hour)
		os.Chtimes(src, future, future)
		if did, err = h.UploadIfNewer(ctx, src, dir+"/a.txt", nil); err != nil || !did {
			t.Errorf("upload_if_newer of a newer file: %v %v", did, err)
		}
		// the remote file as if written half a minute ago (behind the
		// server's back, in its root folder): within the listing's
		// minute of "now", so only the exact time can tell
		half := time.Now().Add(-30 * time.Second)
		os.Chtimes(filepath.Join(s.Root, dir, "a.txt"), half, half)
		h.StatCache().Clear()
		dst := filepath.Join(local, "b.txt")
		if did, err = h.DownloadIfNewer(ctx, dir+"/a.txt", dst, nil); err != nil || !did {
			t.Fatalf("first download_if_newer: %v %v", did, err)
		}
		if did, err = h.DownloadIfNewer(ctx, dir+"/a.txt", dst, nil); err != nil || did {
			t.Errorf("second download_if_newer downloaded again: %v %v", did, err)
		}
		old := time.Now().Add(-time.Hour)
		os.Chtimes(dst, old, old)
		if did, err = h.DownloadIfNewer(ctx, dir+"/a.txt", dst, nil); err != nil || !did {
			t.Errorf("download_if_newer over an old file: %v %v", did, err)
		}
		if _, err = h.DownloadIfNewer(ctx, dir+"/none", filepath.Join(local, "c"), nil); !errors.Is(err, FTPIOError) {
			t.Errorf("download_if_newer of a missing file: %v", err)
		}
	})
}

// Files reuse their connection: many opens in a row need one connection,
// the host's own, lent to each file in turn; files open at once get
// connections of their own up to max_connections, which keeps a place for
// the host's.
func TestFilesReuseChildren(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		var dials atomic.Int32
		o := options(s)
		o.MaxConnections = 3
		o.SessionFactory = func(ctx context.Context, o *Options) (Session, error) {
			dials.Add(1)
			return DefaultSessionFactory(ctx, o)
		}
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		for i := 0; i < 20; i++ {
			f, err := h.Open(ctx, dir+"/f.txt", FileOptions{Mode: "w"})
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("line\n")
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			r, err := h.Open(ctx, dir+"/f.txt", FileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			if string(b) != "line\n" {
				t.Fatalf("read %q", b)
			}
		}
		if n := dials.Load(); n != 1 {
			t.Errorf("%d connections for 40 files in a row, want 1 (the host's, lent to each)", n)
		}
		// open files at once: the limit holds
		var open []*File
		for i := 0; i < 2; i++ {
			f, err := h.Open(ctx, dir+"/f.txt", FileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			open = append(open, f)
		}
		_, err := h.Open(ctx, dir+"/f.txt", FileOptions{})
		if !errors.Is(err, FTPIOError) || !strings.Contains(err.Error(), "max_connections") {
			t.Errorf("third open with max_connections=3: %v", err)
		}
		if n := dials.Load(); n != 2 {
			t.Errorf("%d connections for two open files, want 2", n)
		}
		// the host is still usable: it takes the place kept for it
		if _, err := h.Listdir(ctx, dir); err != nil {
			t.Errorf("listdir with two files open: %v", err)
		}
		for _, f := range open {
			f.Close()
		}
		// a missing directory: FTPIOError, and the child goes back to the pool
		_, err = h.Open(ctx, dir+"/none/x", FileOptions{})
		var he *Error
		if !errors.As(err, &he) || he.Class != FTPIOError || !strings.Contains(he.Message, "doesn't exist or has insufficient access rights") {
			t.Errorf("open in a missing dir: %v", err)
		}
		if _, err := h.Open(ctx, "", FileOptions{}); !errors.Is(err, FTPIOError) {
			t.Errorf("open(\"\"): %v", err)
		}
		if n := dials.Load(); n != 3 {
			t.Errorf("%d connections in all, want 3", n)
		}
	})
}
