//go:build !unix

package host

import (
	"io/fs"
	"os"
)

func createExcl(name string, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
}

func renameFile(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// umask is unknown here: every permission is set with chmod.
func umask() fs.FileMode { return 0o777 }
