//go:build unix

package host

import (
	"bufio"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// createExcl creates name, which must not exist, for reading and writing.
// os.OpenFile would also make the descriptor non-blocking, try to add it
// to the network poller (which refuses a regular file) and undo both: four
// fcntl calls and an epoll_ctl for nothing.
func createExcl(name string, perm fs.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}

// renameFile renames a file over another one. os.Rename first looks
// whether newpath is a directory (an lstat a file); Download has looked
// already.
func renameFile(oldpath, newpath string) error {
	for {
		err := syscall.Rename(oldpath, newpath)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		}
		return nil
	}
}

var (
	umaskOnce  sync.Once
	umaskValue fs.FileMode
)

// umask returns the process's umask, read once from /proc/self/status
// (setting it to read it back would race with files created meanwhile);
// where it cannot be read, 0o777, so that every permission is set with
// chmod.
func umask() fs.FileMode {
	umaskOnce.Do(func() {
		umaskValue = 0o777
		f, err := os.Open("/proc/self/status")
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					umaskValue = fs.FileMode(m) & 0o777
				}
				return
			}
		}
	})
	return umaskValue
}
