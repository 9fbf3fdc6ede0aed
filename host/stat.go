package host

import (
	"context"
	"errors"
	"io/fs"

	"github.com/ftplua/ftplua/parse"
)

// StatResult is ftputil's StatResult: the ten os.stat values (st_uid and
// st_gid as strings), the name, the link target and the mtime precision.
type StatResult = parse.StatResult

// File type bits of StatResult.Mode.
const (
	modeType = 0o170000
	modeDir  = 0o040000
	modeReg  = 0o100000
	modeLink = 0o120000
)

// IsDir, IsRegular and IsLink classify a stat result by its mode.
func isDirMode(m uint32) bool  { return m&modeType == modeDir }
func isRegMode(m uint32) bool  { return m&modeType == modeReg }
func isLinkMode(m uint32) bool { return m&modeType == modeLink }

// missingError is ftputil's error for a path missing from its directory's
// listing: "550 <path>: no such file or directory". It matches
// fs.ErrNotExist.
func missingError(abs string) *Error {
	e := newError(PermanentError, abs, "550 %s: no such file or directory", abs)
	e.Code, e.Err = 550, fs.ErrNotExist
	return e
}

// Lstat returns the stat result of p without following a link. A path
// missing from its directory's listing is a PermanentError with code 550.
// Unlike ftputil, "/" answers: with MLST where the server offers it, else
// a directory with no other fields.
func (h *Host) Lstat(ctx context.Context, p string) (StatResult, error) {
	if err := checkPath(p); err != nil {
		return StatResult{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lstat(ctx, h.abspath(p))
}

// Stat returns the stat result of p, following links. A link loop is a
// RecursiveLinksError; a dangling link a PermanentError 550 naming the
// missing target.
func (h *Host) Stat(ctx context.Context, p string) (StatResult, error) {
	if err := checkPath(p); err != nil {
		return StatResult{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stat(ctx, h.abspath(p))
}

func (h *Host) lstat(ctx context.Context, abs string) (StatResult, error) {
	if h.closed {
		return StatResult{}, newError(FTPOSError, abs, "%v", errClosed)
	}
	if st, ok := h.cache.Get(abs); ok {
		return st, nil
	}
	if abs == "/" || abs == "//" {
		return h.rootStat(ctx)
	}
	dir, name := Split(abs)
	entries, err := h.listDir(ctx, dir)
	if err != nil {
		return StatResult{}, err
	}
	for i := range entries {
		if entries[i].Name == name {
			return entries[i], nil
		}
	}
	return StatResult{}, missingError(abs)
}

func (h *Host) stat(ctx context.Context, abs string) (StatResult, error) {
	visited := map[string]bool{}
	p := abs
	for {
		st, err := h.lstat(ctx, p)
		if err != nil {
			return st, err
		}
		if !isLinkMode(st.Mode) {
			return st, nil
		}
		if st.Valid&parse.HasTarget == 0 {
			// a link the server shows without its target cannot be
			// followed; report it as it is
			return st, nil
		}
		target := st.Target
		if !Isabs(target) {
			target = Join(Dirname(p), target)
		}
		p = Normpath(target)
		if visited[p] {
			e := newError(RecursiveLinksError, abs, "recursive link structure detected for remote path '%s'", abs)
			return StatResult{}, e
		}
		visited[p] = true
	}
}

// rootStat answers "/": MLST where the server offers it, else a bare
// directory.
func (h *Host) rootStat(ctx context.Context) (StatResult, error) {
	if _, ok := h.feats["MLST"]; ok {
		code, msg, err := h.cmd(ctx, "MLST /", "/")
		if err != nil {
			return StatResult{}, err
		}
		if code == 250 {
			if st, err := parse.ParseMLST(msg); err == nil && (isDirMode(st.Mode) || st.Type == "dir" || st.Type == "cdir") {
				st.Name = "/"
				if st.Mode&modeType == 0 {
					st.Mode |= modeDir
					st.Valid |= parse.HasMode
				}
				return st, nil
			}
		}
	}
	return StatResult{Name: "/", Mode: modeDir, Valid: parse.HasMode}, nil
}

// isMissing reports whether err, from looking up abs, means that abs does
// not exist: its directory lists without it, or the directory itself is
// missing or no directory (checked upwards, as ftputil does). Other
// failures, such as a directory that exists but cannot be listed, are
// errors.
func (h *Host) isMissing(ctx context.Context, abs string, err error) (bool, error) {
	var e *Error
	if !errors.As(err, &e) {
		return false, err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if e.Class != PermanentError {
		return false, err
	}
	// the directory of abs could not be listed: is it there at all?
	dir := Dirname(abs)
	if dir == abs || dir == "/" {
		return false, err
	}
	st, derr := h.stat(ctx, dir)
	if derr != nil {
		if missing, _ := h.isMissing(ctx, dir, derr); missing {
			return true, nil
		}
		return false, err
	}
	if !isDirMode(st.Mode) {
		return true, nil
	}
	return false, err
}

// Exists reports whether p exists; a dangling link exists. "" does not.
func (h *Host) Exists(ctx context.Context, p string) (bool, error) {
	return h.query(ctx, p, false, func(st StatResult) bool { return true }, true)
}

// IsDir reports whether p is a directory, following links; false for a
// missing path or a link loop.
func (h *Host) IsDir(ctx context.Context, p string) (bool, error) {
	if p != "" && checkPath(p) == nil {
		h.mu.Lock()
		cwd := h.cwd
		h.mu.Unlock()
		if h.Abspath(p) == cwd {
			return true, nil // as ftputil: the current directory needs no listing
		}
	}
	return h.query(ctx, p, true, func(st StatResult) bool { return isDirMode(st.Mode) }, true)
}

// IsFile reports whether p is a regular file, following links.
func (h *Host) IsFile(ctx context.Context, p string) (bool, error) {
	return h.query(ctx, p, true, func(st StatResult) bool { return isRegMode(st.Mode) }, false)
}

// IsLink reports whether p is a symbolic link.
func (h *Host) IsLink(ctx context.Context, p string) (bool, error) {
	return h.query(ctx, p, false, func(st StatResult) bool { return isLinkMode(st.Mode) }, false)
}

// query runs a predicate on the (l)stat result of p with os.path's rules:
// "" and missing paths give false, other failures are errors.
func (h *Host) query(ctx context.Context, p string, follow bool, pred func(StatResult) bool, rootAnswer bool) (bool, error) {
	if p == "" {
		return false, nil
	}
	if err := checkPath(p); err != nil {
		return false, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	abs := h.abspath(p)
	if abs == "/" {
		return rootAnswer, nil
	}
	var st StatResult
	var err error
	if follow {
		st, err = h.stat(ctx, abs)
	} else {
		st, err = h.lstat(ctx, abs)
	}
	if err != nil {
		if errors.Is(err, RecursiveLinksError) {
			return false, nil
		}
		if missing, err2 := h.isMissing(ctx, abs, err); missing {
			return false, nil
		} else {
			return false, err2
		}
	}
	return pred(st), nil
}

// GetSize returns the size of p, following links.
func (h *Host) GetSize(ctx context.Context, p string) (int64, error) {
	st, err := h.Stat(ctx, p)
	if err != nil {
		return 0, err
	}
	return st.Size, nil
}

// GetMtime returns the modification time of p in seconds since the epoch
// (UTC, corrected by the time shift), following links.
func (h *Host) GetMtime(ctx context.Context, p string) (float64, error) {
	st, err := h.Stat(ctx, p)
	if err != nil {
		return 0, err
	}
	return st.Mtime, nil
}
