package host

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ftplua/ftplua/internal/testservers"
)

// TestCreatePartModes checks that a download's temporary file gets exactly
// the permissions asked for, both where the umask leaves them alone and
// where it takes bits away (then createPart sets them with chmod).
func TestCreatePartModes(t *testing.T) {
	dir := t.TempDir()
	for _, perm := range []fs.FileMode{0o644, 0o600, 0o755, 0o666, 0o777, 0o000} {
		f, err := createPart(dir, "x", perm)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := f.Stat()
		f.Close()
		if err != nil || fi.Mode().Perm() != perm || !fi.Mode().IsRegular() {
			t.Errorf("perm %o: got %v %v", perm, fi.Mode(), err)
		}
		if !strings.HasPrefix(filepath.Base(f.Name()), ".x.ftplua-part-") {
			t.Errorf("name %q", f.Name())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 6 {
		t.Errorf("%d files, want 6", len(entries))
	}
	if _, err := createPart(filepath.Join(dir, "missing"), "x", 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
}

// TestUmask compares umask() with what a shell started from this process
// (which inherits the umask) says.
func TestUmask(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("umask is read from /proc/self/status on Linux only")
	}
	out, err := exec.Command("sh", "-c", "umask").Output()
	if err != nil {
		t.Fatal(err)
	}
	want, err := strconv.ParseUint(strings.TrimSpace(string(out)), 8, 32)
	if err != nil {
		t.Fatal(err)
	}
	if got := umask(); got != fs.FileMode(want) {
		t.Errorf("umask() = %o, the shell says %o", got, want)
	}
}

// TestDownloadLocalTarget checks what a download does to the local side,
// through Download and through DownloadWith (plain, and resumable, whose
// part is kept between runs): a new file gets 0644, an existing one keeps
// its permissions, a folder as the target is refused before anything is
// written, a link is replaced, and no temporary file is left behind.
func TestDownloadLocalTarget(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		dir := testservers.Scratch(t, s)
		src := filepath.Join(t.TempDir(), "src.txt")
		os.WriteFile(src, []byte("hello\n"), 0o644)
		if err := h.Upload(ctx, src, dir+"/f.txt", nil); err != nil {
			t.Fatal(err)
		}
		ways := []struct {
			name     string
			download func(remote, local string) error
		}{
			{"Download", func(r, l string) error { return h.Download(ctx, r, l, nil) }},
			{"DownloadWith", func(r, l string) error { _, err := h.DownloadWith(ctx, r, l, TransferOptions{}); return err }},
			{"DownloadWith resume", func(r, l string) error {
				_, err := h.DownloadWith(ctx, r, l, TransferOptions{Resume: true})
				return err
			}},
		}
		for _, way := range ways {
			download := way.download
			local := t.TempDir()
			fresh := filepath.Join(local, "fresh.txt")
			if err := download(dir+"/f.txt", fresh); err != nil {
				t.Fatalf("%s: %v", way.name, err)
			}
			if fi, err := os.Stat(fresh); err != nil || fi.Mode() != 0o644 || fi.Size() != 6 {
				t.Errorf("%s: new file: %v %v", way.name, fi.Mode(), err)
			}
			kept := filepath.Join(local, "kept.txt")
			os.WriteFile(kept, []byte("old content"), 0o600)
			os.Chmod(kept, 0o640)
			if err := download(dir+"/f.txt", kept); err != nil {
				t.Fatalf("%s: %v", way.name, err)
			}
			if b, _ := os.ReadFile(kept); string(b) != "hello\n" {
				t.Errorf("%s: replaced file holds %q", way.name, b)
			}
			if fi, err := os.Stat(kept); err != nil || fi.Mode() != 0o640 {
				t.Errorf("%s: replaced file: %v %v, want -rw-r-----", way.name, fi.Mode(), err)
			}
			folder := filepath.Join(local, "folder")
			os.Mkdir(folder, 0o755)
			os.WriteFile(filepath.Join(folder, "inside"), []byte("x"), 0o644)
			err := download(dir+"/f.txt", folder)
			var he *Error
			if !errors.As(err, &he) || he.Class != FTPIOError || !strings.Contains(err.Error(), "is a directory") || he.Path != folder {
				t.Errorf("%s: download onto a folder: %v", way.name, err)
			}
			if entries, _ := os.ReadDir(folder); len(entries) != 1 {
				t.Errorf("%s: the folder holds %d entries, want 1", way.name, len(entries))
			}
			// a link is replaced by the file (as rename does), with the
			// permissions of the file it pointed to, which stays as it was
			linked := filepath.Join(local, "linked.txt")
			os.WriteFile(linked, []byte("linked"), 0o600)
			link := filepath.Join(local, "link.txt")
			os.Symlink("linked.txt", link)
			if err := download(dir+"/f.txt", link); err != nil {
				t.Fatalf("%s: %v", way.name, err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode() != 0o600 {
				t.Errorf("%s: download onto a link: %v %v, want a file -rw-------", way.name, fi.Mode(), err)
			}
			if b, _ := os.ReadFile(linked); string(b) != "linked" {
				t.Errorf("%s: the linked file now holds %q", way.name, b)
			}
			os.Remove(link)
			os.Remove(linked)
			entries, _ := os.ReadDir(local)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if strings.Join(names, " ") != "folder fresh.txt kept.txt" {
				t.Errorf("%s: local folder holds %v", way.name, names)
			}
			// the host is still usable
			if err := download(dir+"/f.txt", fresh); err != nil {
				t.Fatalf("%s: %v", way.name, err)
			}
		}
	})
}
