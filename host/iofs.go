package host

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// FS returns a read-only io/fs view of the remote tree under root
// (absolute, or relative to the current directory), for fs.WalkDir,
// fs.ReadFile, http.FS, fstest.TestFS and the like. ctx bounds every
// operation of the view. Files are read through child connections, as
// Open's; Stat and ReadDir are answered from listings (and the stat
// cache). Links are followed by Open and Stat; ReadDir shows them as
// links.
func (h *Host) FS(ctx context.Context, root string) fs.FS {
	return &hostFS{h: h, ctx: ctx, root: h.Abspath(root)}
}

type hostFS struct {
	h    *Host
	ctx  context.Context
	root string
}

var (
	_ fs.StatFS    = (*hostFS)(nil)
	_ fs.ReadDirFS = (*hostFS)(nil)
)

func (f *hostFS) path(op, name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if strings.ContainsAny(name, "\r\n") {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return f.root, nil
	}
	return Join(f.root, name), nil
}

// pathErr maps a host error for fs: missing paths match fs.ErrNotExist.
func (f *hostFS) pathErr(op, name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	var he *Error
	if errors.As(err, &he) && (he.Code == 550 || he.Code == 450) {
		return &fs.PathError{Op: op, Path: name, Err: errors.Join(fs.ErrNotExist, err)}
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

func (f *hostFS) Stat(name string) (fs.FileInfo, error) {
	abs, err := f.path("stat", name)
	if err != nil {
		return nil, err
	}
	st, err := f.h.Stat(f.ctx, abs)
	if err != nil {
		return nil, f.pathErr("stat", name, err)
	}
	return fileInfo{st: st, name: fsBase(name)}, nil
}

func (f *hostFS) ReadDir(name string) ([]fs.DirEntry, error) {
	abs, err := f.path("readdir", name)
	if err != nil {
		return nil, err
	}
	f.h.mu.Lock()
	entries, err := f.h.listDir(f.ctx, abs)
	f.h.mu.Unlock()
	if err != nil {
		return nil, f.pathErr("readdir", name, err)
	}
	out := make([]fs.DirEntry, len(entries))
	for i, e := range entries {
		out[i] = fs.FileInfoToDirEntry(fileInfo{st: e, name: e.Name})
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

func (f *hostFS) Open(name string) (fs.File, error) {
	abs, err := f.path("open", name)
	if err != nil {
		return nil, err
	}
	st, err := f.h.Stat(f.ctx, abs)
	if err != nil {
		return nil, f.pathErr("open", name, err)
	}
	info := fileInfo{st: st, name: fsBase(name)}
	if isDirMode(st.Mode) {
		return &fsDir{fs: f, name: name, info: info}, nil
	}
	return &fsFile{fs: f, abs: abs, name: name, info: info}, nil
}

func fsBase(name string) string {
	if name == "." {
		return "."
	}
	_, b := Split(name)
	return b
}

// fileInfo is a StatResult as fs.FileInfo.
type fileInfo struct {
	st   StatResult
	name string
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.st.Size }
func (i fileInfo) ModTime() time.Time { return time.Unix(0, int64(i.st.Mtime*1e9)).UTC() }
func (i fileInfo) IsDir() bool        { return isDirMode(i.st.Mode) }
func (i fileInfo) Sys() any           { return i.st }
func (i fileInfo) Mode() fs.FileMode {
	m := fs.FileMode(i.st.Mode & 0o777)
	switch i.st.Mode & modeType {
	case modeDir:
		m |= fs.ModeDir
	case modeLink:
		m |= fs.ModeSymlink
	case modeReg:
	case 0o010000:
		m |= fs.ModeNamedPipe
	case 0o140000:
		m |= fs.ModeSocket
	case 0o020000:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case 0o060000:
		m |= fs.ModeDevice
	default:
		m |= fs.ModeIrregular
	}
	if i.st.Mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if i.st.Mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if i.st.Mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// fsFile opens the remote file on its first Read.
type fsFile struct {
	fs     *hostFS
	abs    string
	name   string
	info   fileInfo
	f      *File
	closed bool
}

func (f *fsFile) Stat() (fs.FileInfo, error) { return f.info, nil }

func (f *fsFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if f.f == nil {
		rf, err := f.fs.h.Open(f.fs.ctx, f.abs, FileOptions{Mode: "rb"})
		if err != nil {
			return 0, f.fs.pathErr("read", f.name, err)
		}
		f.f = rf
	}
	n, err := f.f.Read(p)
	if err != nil && err != io.EOF {
		err = &fs.PathError{Op: "read", Path: f.name, Err: FileError(err, f.abs)}
	}
	return n, err
}

func (f *fsFile) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	if f.f != nil {
		if err := f.f.Close(); err != nil {
			return &fs.PathError{Op: "close", Path: f.name, Err: FileError(err, f.abs)}
		}
	}
	return nil
}

// fsDir is an open directory: fs.ReadDirFile.
type fsDir struct {
	fs      *hostFS
	name    string
	info    fileInfo
	entries []fs.DirEntry
	read    bool
	closed  bool
}

func (d *fsDir) Stat() (fs.FileInfo, error) { return d.info, nil }

func (d *fsDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}

func (d *fsDir) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.name, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}

func (d *fsDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		entries, err := d.fs.ReadDir(d.name)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = entries, true
	}
	if n <= 0 {
		out := d.entries
		d.entries = nil
		return out, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(d.entries))
	out := d.entries[:k]
	d.entries = d.entries[k:]
	return out, nil
}
