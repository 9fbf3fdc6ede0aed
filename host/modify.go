package host

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// inDir runs a command on the last component of abs in its directory,
// ftputil's way of keeping whitespace in directory names away from the
// command line: CWD to the directory (only if needed), then "VERB name".
func (h *Host) inDir(ctx context.Context, verb, abs string) (string, error) {
	dir, name := Split(abs)
	if name == "" {
		return "", newError(PermanentError, abs, "%s needs a path with a last component", verb)
	}
	if err := h.cd(ctx, dir, true); err != nil {
		return "", err
	}
	wire, err := h.codec.encode(name)
	if err != nil {
		return "", newError(FTPOSError, abs, "%v", err)
	}
	return h.expect(ctx, verb+" "+wire, abs)
}

func emptyPathError(arg string) error {
	return newError(FTPIOError, "", "path argument `%s` is empty", arg)
}

// onPath checks a path argument (not empty, no CR, LF or NUL) and runs op
// on its absolute form with the host locked.
func (h *Host) onPath(p string, op func(abs string) error) error {
	if p == "" {
		return emptyPathError("path")
	}
	if err := checkPath(p); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return newError(FTPOSError, p, "%v", errClosed)
	}
	return op(h.abspath(p))
}

// Mkdir makes a directory. mode is ignored, as by ftputil (FTP has no mode
// for MKD).
func (h *Host) Mkdir(ctx context.Context, p string) error {
	return h.onPath(p, func(abs string) error { return h.mkdir(ctx, abs) })
}

func (h *Host) mkdir(ctx context.Context, abs string) error {
	_, err := h.inDir(ctx, "MKD", abs)
	h.cache.InvalidateTree(abs)
	return err
}

// Makedirs makes a directory and the missing ones above it. An existing
// leaf is a PermanentError with code 17 (EEXIST) unless existOK. Each
// level is probed with CWD first, so virtual directories that list poorly
// still count (ftputil's rule).
func (h *Host) Makedirs(ctx context.Context, p string, existOK bool) error {
	return h.onPath(p, func(abs string) error { return h.makedirs(ctx, abs, existOK) })
}

func (h *Host) makedirs(ctx context.Context, abs string, existOK bool) error {
	parts := strings.Split(strings.Trim(abs, "/"), "/")
	if abs == "/" {
		parts = nil
	}
	for i := range parts {
		next := "/" + strings.Join(parts[:i+1], "/")
		err := h.cd(ctx, next, false)
		if err == nil {
			continue
		}
		if !errors.Is(err, PermanentError) {
			return err
		}
		if merr := h.mkdir(ctx, next); merr != nil {
			if !errors.Is(merr, PermanentError) {
				return merr
			}
			if st, serr := h.stat(ctx, next); serr != nil || !isDirMode(st.Mode) {
				return merr
			}
		}
		if i == len(parts)-1 {
			return nil // made the leaf
		}
	}
	if !existOK {
		e := newError(PermanentError, abs, "path '%s' exists", abs)
		e.Code = 17
		return e
	}
	return nil
}

// Rmdir removes an empty directory; a non-empty one is a PermanentError
// "directory '<path>' not empty" without sending RMD.
func (h *Host) Rmdir(ctx context.Context, p string) error {
	return h.onPath(p, func(abs string) error { return h.rmdir(ctx, abs) })
}

func (h *Host) rmdir(ctx context.Context, abs string) error {
	defer h.cache.InvalidateTree(abs)
	entries, err := h.listDir(ctx, abs)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return newError(PermanentError, abs, "directory '%s' not empty", abs)
	}
	_, err = h.inDir(ctx, "RMD", abs)
	if err == nil && (h.cwd == abs || strings.HasPrefix(h.cwd, abs+"/")) {
		// the current directory is gone; the server will say so on use
		h.srvCwd = ""
	}
	return err
}

// Remove deletes a file or a link (never a directory: that is a
// PermanentError without a DELE). A missing path is sent anyway, so the
// server's reply (550) is the error.
func (h *Host) Remove(ctx context.Context, p string) error {
	return h.onPath(p, func(abs string) error { return h.remove(ctx, abs) })
}

func (h *Host) remove(ctx context.Context, abs string) error {
	defer h.cache.Invalidate(abs)
	st, err := h.lstat(ctx, abs)
	if err == nil && isDirMode(st.Mode) {
		return newError(PermanentError, abs, "remove/unlink can only delete files and links, not directories")
	}
	if err != nil {
		if missing, err2 := h.isMissing(ctx, abs, err); !missing {
			return err2
		}
	}
	_, err = h.inDir(ctx, "DELE", abs)
	return err
}

// removeFile deletes abs, a file the caller wrote (a failed upload's
// remains), with DELE alone: unlike Remove it lists nothing first, so it
// works while data connections do not (a stalled or broken link).
func (h *Host) removeFile(ctx context.Context, abs string) error {
	return h.onPath(abs, func(abs string) error {
		defer h.cache.Invalidate(abs)
		_, err := h.inDir(ctx, "DELE", abs)
		return err
	})
}

// Rename renames src to dst with RNFR/RNTO. Both paths and everything the
// cache holds below them are invalidated.
func (h *Host) Rename(ctx context.Context, src, dst string) error {
	if src == "" {
		return emptyPathError("source")
	}
	if dst == "" {
		return emptyPathError("target")
	}
	for _, p := range []string{src, dst} {
		if err := checkPath(p); err != nil {
			return err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return newError(FTPOSError, src, "%v", errClosed)
	}
	as, ad := h.abspath(src), h.abspath(dst)
	defer func() {
		h.cache.InvalidateTree(as)
		h.cache.InvalidateTree(ad)
	}()
	from, to := as, ad
	if Dirname(as) == Dirname(ad) {
		// same directory: rename the names there (spaces in directory
		// names never reach the command line)
		if err := h.cd(ctx, Dirname(as), true); err != nil {
			return err
		}
		from, to = Basename(as), Basename(ad)
	}
	wf, err := h.codec.encode(from)
	if err != nil {
		return newError(FTPOSError, as, "%v", err)
	}
	wt, err := h.codec.encode(to)
	if err != nil {
		return newError(FTPOSError, ad, "%v", err)
	}
	code, msg, err := h.cmd(ctx, "RNFR "+wf, as)
	if err != nil {
		return err
	}
	if code != 350 {
		return replyError(code, msg, "RNFR "+wf, as)
	}
	_, err = h.expect(ctx, "RNTO "+wt, ad)
	if err == nil && (h.cwd == as || strings.HasPrefix(h.cwd, as+"/")) {
		h.srvCwd = ""
	}
	return err
}

// Chmod sets the permission bits with SITE CHMOD. A server without it
// answers 502: CommandNotImplementedError.
func (h *Host) Chmod(ctx context.Context, p string, mode uint32) error {
	return h.onPath(p, func(abs string) error {
		_, err := h.inDir(ctx, "SITE CHMOD 0"+strconv.FormatUint(uint64(mode), 8), abs)
		if err == nil {
			h.cache.Invalidate(abs)
		}
		return err
	})
}

// Rmtree removes a directory tree. Links are removed, never followed.
// With ignoreErrors failures are skipped; else onerror, if not nil, is
// called with the failing operation ("listdir", "remove" or "rmdir"), the
// path and the error, and the removal goes on; else the first failure is
// returned.
func (h *Host) Rmtree(ctx context.Context, p string, ignoreErrors bool, onerror func(op, path string, err error) error) error {
	if p == "" {
		return emptyPathError("path")
	}
	if err := checkPath(p); err != nil {
		return err
	}
	handler := onerror
	switch {
	case ignoreErrors:
		handler = func(string, string, error) error { return nil }
	case handler == nil:
		handler = func(_, _ string, err error) error { return err }
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rmtree(ctx, p, handler)
}

func (h *Host) rmtree(ctx context.Context, p string, handler func(op, path string, err error) error) error {
	abs := h.abspath(p)
	entries, err := h.listDir(ctx, abs)
	if err != nil {
		if !errors.Is(err, PermanentError) {
			return err
		}
		if herr := h.call(handler, "listdir", p, err); herr != nil {
			return herr
		}
		entries = nil
	}
	for _, e := range entries {
		full := Join(p, e.Name)
		if isDirMode(e.Mode) {
			if err := h.rmtree(ctx, full, handler); err != nil {
				return err
			}
			continue
		}
		if err := h.remove(ctx, h.abspath(full)); err != nil {
			if !errors.Is(err, PermanentError) {
				return err
			}
			if herr := h.call(handler, "remove", full, err); herr != nil {
				return herr
			}
		}
	}
	if err := h.rmdir(ctx, abs); err != nil {
		if !errors.Is(err, FTPOSError) {
			return err
		}
		if herr := h.call(handler, "rmdir", p, err); herr != nil {
			return herr
		}
	}
	return nil
}

// call runs a user callback without holding the host's lock, so that the
// callback may use the host.
func (h *Host) call(handler func(op, path string, err error) error, op, path string, err error) error {
	h.mu.Unlock()
	defer h.mu.Lock()
	return handler(op, path, err)
}
