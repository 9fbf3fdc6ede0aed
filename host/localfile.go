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

// createPart creates the temporary file a download of local is written to,
// next to it, named ".<name>.ftplua-part-<random>", with permissions perm
// (whatever the umask says: the file gets exactly perm).
//
// It costs fewer system calls than os.CreateTemp and a Chmod, which count
// when a tree of small files is downloaded: on Linux one openat and one
// fcntl, and an fchmod only where the umask takes bits of perm away.
func createPart(dir, base string, perm fs.FileMode) (*os.File, error) {
	prefix := filepath.Join(dir, "."+base+".ftplua-part-")
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
