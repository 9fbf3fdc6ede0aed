package host

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ftplua/ftplua/fileobj"
	"github.com/ftplua/ftplua/parse"
)

// File is a remote file opened with Open: an io.Reader or io.Writer with
// ftputil's file methods (ReadLine, ReadLines, WriteLines) over a child
// connection of its own.
type File = fileobj.File

// FileOptions are the arguments of Open after the path.
type FileOptions = fileobj.Options

// Open opens a remote file, as ftputil's host.open: modes r, rb, w, wb,
// and (beyond ftputil) a, ab; text modes decode from FileOptions.Encoding.
// Each open file has a child connection of its own, taken from the host's
// pool and given back on Close, so the host stays usable meanwhile.
// Failures are FTPIOError, with the server's reply code where there is one.
func (h *Host) Open(ctx context.Context, p string, o FileOptions) (*File, error) {
	if p == "" {
		return nil, emptyPathError("path")
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	h.mu.Lock()
	abs := h.abspath(p)
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return nil, newError(FTPOSError, abs, "%v", errClosed)
	}
	dir, name := Split(abs)
	wire, err := h.codec.encode(name)
	if err != nil {
		return nil, newError(FTPIOError, abs, "%v", err)
	}
	h.lendMain()
	var f *File
	for attempt := 0; ; attempt++ {
		get := h.pool.getTrusted
		if attempt > 0 {
			get = h.pool.get
		}
		c, err := get(ctx, dir)
		if err != nil {
			return nil, withPath(err, abs)
		}
		unchecked := c.unchecked
		var discarded error
		f, err = fileobj.Open(ctx, c.sess, wire, o, func(err error) {
			discarded = err // read only when Open fails (it releases then)
			h.pool.put(c, err)
		})
		if err != nil {
			// A child reused without a command that fails in transport
			// was most likely dropped by the server while idle: nothing
			// was transferred, so try once more on a checked child.
			if unchecked && discarded != nil && attempt == 0 && ctx.Err() == nil {
				continue
			}
			return nil, FileError(err, abs)
		}
		break
	}
	if f.Writable() {
		h.cache.Invalidate(abs)
	}
	return f, nil
}

// FileError turns an error of a remote file (from Open, Read, Write or
// Close) into an FTPIOError carrying the reply code, as ftputil does for
// file operations. End of file and nil pass through.
func FileError(err error, path string) error {
	if err == nil || err == io.EOF {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	out := &Error{Class: FTPIOError, Path: path, Err: err}
	var te *fileobj.TransferError
	if errors.As(err, &te) { // the command the server refused, or that failed
		out.Command, err = te.Command, te.Err
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		out.Code = tp.Code
		out.Message = strconv.Itoa(tp.Code) + " " + tp.Msg
		return out
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		out.Message = pe.Err.Error()
		return out
	}
	out.Message = err.Error()
	return out
}

// chunkSize is ftputil's MAX_COPY_CHUNK_SIZE: the unit of callbacks.
const chunkSize = 64 * 1024

// Upload copies a local file to a remote path in binary mode. callback,
// if not nil, is called after each chunk of 64 KiB (the last may be
// shorter) with the chunk; it must not keep the slice, and an error it
// returns stops the upload. An upload that did not complete (the local
// file failed, the callback stopped it, the server reported a failure)
// does not leave the partial remote file behind: FTP cannot abort an
// upload, the server sees a shorter file, so it is removed.
func (h *Host) Upload(ctx context.Context, local, remote string, callback func(chunk []byte) error) error {
	if local == "" {
		return emptyPathError("source")
	}
	if remote == "" {
		return emptyPathError("target")
	}
	src, err := os.Open(local)
	if err != nil {
		return localError(err, local)
	}
	defer src.Close()
	dst, err := h.Open(ctx, remote, FileOptions{Mode: "wb"})
	if err != nil {
		return err
	}
	err = copyChunks(dst, src, callback)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		abs := h.Abspath(remote)
		h.removeFile(ctx, abs) // best effort: the file is not whole
		return FileError(err, abs)
	}
	return nil
}

// Download copies a remote file to a local path in binary mode. The
// remote file is opened first, so that a missing one leaves no local file;
// the data goes to a temporary file next to the target, renamed over it
// only when the transfer completed, so a failed download never leaves a
// half-written file under the target's name.
func (h *Host) Download(ctx context.Context, remote, local string, callback func(chunk []byte) error) error {
	if remote == "" {
		return emptyPathError("source")
	}
	if local == "" {
		return emptyPathError("target")
	}
	src, err := h.Open(ctx, remote, FileOptions{Mode: "rb"})
	if err != nil {
		return err
	}
	dir, base := filepath.Split(local)
	if dir == "" {
		dir = "."
	}
	mode, err := targetMode(local)
	if err != nil {
		src.Close()
		return err
	}
	tmp, err := createPart(dir, base, mode)
	if err != nil {
		src.Close()
		return localError(err, local)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	err = copyChunks(tmp, src, callback)
	if cerr := src.Close(); err == nil && cerr != nil {
		return FileError(cerr, h.Abspath(remote))
	}
	if err != nil {
		return FileError(err, h.Abspath(remote))
	}
	if err := tmp.Close(); err != nil {
		return localError(err, local)
	}
	if err := renameFile(tmp.Name(), local); err != nil {
		return localError(err, local)
	}
	ok = true
	return nil
}

// copyChunks copies src to dst: in chunks of 64 KiB with a callback after
// each, or through io.Copy (ReadFrom/WriteTo, large buffers) without one.
func copyChunks(dst io.Writer, src io.Reader, callback func(chunk []byte) error) error {
	if callback == nil {
		_, err := io.Copy(dst, src)
		return err
	}
	buf := make([]byte, chunkSize)
	for {
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
			if err := callback(buf[:n]); err != nil {
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// localError is a failure of a local file: an FTPIOError (an OSError for
// scripts) naming the local path.
func localError(err error, local string) error {
	return &Error{Class: FTPIOError, Message: "local file: " + err.Error(), Path: local, Err: err}
}

// UploadIfNewer uploads if the remote file is missing or not newer than
// the local one (ftputil's rule: local mtime + 1 s >= remote mtime). When
// the answer depends on the part of the remote time that the listing does
// not show, the file's exact time is asked (MDTM, else MLST) first, so a
// file just uploaded is not uploaded again. It reports whether it
// uploaded.
func (h *Host) UploadIfNewer(ctx context.Context, local, remote string, callback func(chunk []byte) error) (bool, error) {
	fi, err := os.Stat(local)
	if err != nil {
		return false, localError(err, local)
	}
	localTime := float64(fi.ModTime().UnixNano()) / 1e9
	ok, err := h.Exists(ctx, remote)
	if err != nil {
		return false, err
	}
	if ok {
		st, err := h.Stat(ctx, remote)
		if err != nil {
			return false, err
		}
		remoteTime, prec := st.Mtime, st.MtimePrecision
		if prec > 1 && localTime+1 >= remoteTime && localTime+1 < remoteTime+prec {
			if exact, ok := h.exactMtime(ctx, remote); ok {
				remoteTime = exact
			}
		}
		if localTime+1 < remoteTime {
			return false, nil
		}
	}
	return true, h.Upload(ctx, local, remote, callback)
}

// DownloadIfNewer downloads if the local file is missing or not newer than
// the remote one (ftputil's rule: remote mtime + its precision >= local
// mtime, and always when the precision is unknown), asking the exact time
// where the listing's precision leaves it open. It reports whether it
// downloaded.
func (h *Host) DownloadIfNewer(ctx context.Context, remote, local string, callback func(chunk []byte) error) (bool, error) {
	fi, err := os.Stat(local)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, localError(err, local)
	}
	if err == nil {
		localTime := float64(fi.ModTime().UnixNano()) / 1e9
		st, err := h.Stat(ctx, remote)
		if err != nil {
			return false, err
		}
		if st.Valid&parse.HasPrecision != 0 && st.MtimePrecision > 0 {
			remoteTime, prec := st.Mtime, st.MtimePrecision
			if prec > 1 && remoteTime+prec >= localTime && remoteTime+1 < localTime {
				if exact, ok := h.exactMtime(ctx, remote); ok {
					remoteTime, prec = exact, 1
				}
			}
			if remoteTime+prec < localTime {
				return false, nil
			}
		}
	}
	return true, h.Download(ctx, remote, local, callback)
}

// exactMtime asks the server for a file's modification time to the
// second: MDTM where FEAT lists it, else MLST. RFC 3659 times are UTC;
// no time shift applies.
func (h *Host) exactMtime(ctx context.Context, p string) (float64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	abs := h.abspath(p)
	wire, err := h.codec.encode(abs)
	if err != nil {
		return 0, false
	}
	feats := h.feats
	if _, ok := feats["MDTM"]; ok {
		code, msg, err := h.cmd(ctx, "MDTM "+wire, abs)
		if err == nil && code == 213 {
			if t, ok := parseFactTime(strings.TrimSpace(msg)); ok {
				return t, true
			}
		}
	}
	if _, ok := feats["MLST"]; ok {
		code, msg, err := h.cmd(ctx, "MLST "+wire, abs)
		if err == nil && code == 250 {
			for _, line := range strings.Split(msg, "\n") {
				for _, fact := range strings.Split(strings.TrimSpace(line), ";") {
					k, v, _ := strings.Cut(fact, "=")
					if strings.EqualFold(k, "modify") {
						if t, ok := parseFactTime(v); ok {
							return t, true
						}
					}
				}
			}
		}
	}
	return 0, false
}

// parseFactTime reads an RFC 3659 time-val: YYYYMMDDHHMMSS[.sss], UTC.
func parseFactTime(s string) (float64, bool) {
	if len(s) < 14 {
		return 0, false
	}
	t, err := time.Parse("20060102150405", s[:14])
	if err != nil {
		return 0, false
	}
	frac := 0.0
	if len(s) > 15 && s[14] == '.' {
		if f, err := strconv.ParseFloat("0"+s[14:], 64); err == nil {
			frac = f
		}
	}
	return float64(t.Unix()) + frac, true
}
