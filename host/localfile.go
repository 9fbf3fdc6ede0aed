package host

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// errIsDir is the error of a download whose local target is a directory.
var errIsDir = errors.New("is a directory")

// targetMode returns the permissions a download gives its local target:
// an existing file keeps its own; a new one gets 0644; a link is replaced
// by the file, as rename does, and lends it the permissions of the file it
// points to. A folder is not replaced: an FTPIOError, before anything is
// written.
func targetMode(local string) (fs.FileMode, error) {
	fi, err := os.Lstat(local)
	switch {
	case err != nil:
		return 0o644, nil
	case fi.IsDir():
		return 0, localError(&fs.PathError{Op: "download to", Path: local, Err: errIsDir}, local)
	case fi.Mode()&fs.ModeSymlink != 0:
		if t, err := os.Stat(local); err == nil && t.Mode().IsRegular() {
			return t.Mode().Perm(), nil
		}
		return 0o644, nil
	}
	return fi.Mode().Perm(), nil
}

// createPart creates the temporary file a download of local is written to,
// next to it, named ".<name>.ftplua-part-<random>", with permissions perm
// (whatever the umask says: the file gets exactly perm).
//
// It costs fewer system calls than os.CreateTemp and a Chmod, which count
// when a tree of small files is downloaded: on Linux one openat and one
// fcntl, and an fchmod only where the umask takes bits of perm away.
func createPart(dir, base string, perm fs.FileMode) (*os.File, error) {
	prefix := filepath.Join(dir, "."+base+PartSuffix+"-")
	for try := 0; ; try++ {
		name := prefix + strconv.FormatUint(uint64(rand.Uint32()), 10)
		f, err := createExcl(name, perm)
		if os.IsExist(err) && try < 10000 {
			continue
		}
		if err != nil {
			return nil, err
		}
		if perm&^umask() != perm {
			if err := f.Chmod(perm); err != nil {
				f.Close()
				os.Remove(name)
				return nil, err
			}
		}
		return f, nil
	}
}
