package host

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ftplua/ftplua/parse"
)

// Transfers beyond ftputil: UploadWith and DownloadWith take options to
// resume an interrupted transfer, to verify the result, and to upload
// under a temporary name; InferTimeShift estimates the time shift without
// writing anything.

// TransferOptions are the options of UploadWith and DownloadWith.
type TransferOptions struct {
	// Callback, if not nil, is called with each chunk of 64 KiB (the last
	// may be shorter) of the data this call transfers (not the part a
	// resumed transfer skips); an error it returns stops the transfer.
	Callback func(chunk []byte) error

	// Resume continues an interrupted transfer instead of starting over,
	// and keeps what a failed transfer wrote for the next call to
	// continue.
	//
	// Downloads write to the partial file "<local>.ftplua-part" (see
	// PartName), renamed over the target when complete. A partial file
	// not larger than the remote file is continued: the transfer starts
	// 64 KiB (at most) before its end with REST, and those bytes must
	// equal the partial file's tail, else it starts over. A larger one is
	// started over.
	//
	// Uploads continue the remote partial file: the temporary file (see
	// RemotePartName) with Atomic, else the target itself. One smaller
	// than the local file whose last 64 KiB (at most) equal the local
	// file's bytes there (read back with REST) is continued with REST and
	// STOR (APPE where the server refuses REST before STOR); otherwise
	// the upload starts over. One of the local file's size with that tail
	// counts as complete: nothing is sent (Transferred is false without
	// Atomic). Only the tail is compared: use Verify to be sure of the
	// whole file.
	Resume bool

	// Verify checks the result after the transfer: by the server's hash
	// of the file where the server offers one (the HASH command of
	// draft-bryan-ftpext-hash, else XSHA256, XSHA512, XSHA1, XMD5 or XCRC,
	// as FEAT lists them; the strongest first), else by its size (SIZE,
	// else the listing). TransferResult.Verified says which.
	//
	// A failed check (a different hash or size) is an FTPIOError
	// "verify failed: ..." and discards the transferred copy: a download
	// leaves no local target or partial file (an existing target is left
	// as it was); an upload removes the remote file it wrote (with Atomic
	// the temporary file, so the old target stays as it was; without,
	// the target itself, as Upload does with an incomplete upload).
	Verify bool

	// MinVerify is the weakest check accepted; setting it implies Verify:
	// "size", "hash" (any server hash, CRC32 included), or an algorithm:
	// "crc32" < "md5" < "sha1" < "sha256" (= "sha512"), each accepting
	// itself and stronger ones. A server whose FEAT offers nothing
	// strong enough fails the call with an FTPIOError before anything is
	// transferred; a check that ends up weaker (the server's hash command
	// failed for this file) fails it after the transfer, discarding the
	// copy as a failed check does.
	MinVerify string

	// Atomic uploads to a temporary name in the target's directory,
	// ".<name>.ftplua-part", and renames it over the target (RNFR/RNTO)
	// only when complete and, if asked, verified: the target is at every
	// moment the old file or the new one, never a partial one. A failed
	// upload removes the temporary file (best effort; with Resume it is
	// kept to be continued). If the connection is gone and it cannot be
	// removed, the next atomic upload of the same file overwrites it
	// (or, with Resume, continues it). A server that refuses to rename
	// over an existing file gets the target deleted and the rename
	// repeated: for that moment there is no file under the target's
	// name (but never a partial one). Downloads are always written under
	// a temporary name and renamed; Atomic changes nothing for them.
	Atomic bool
}

// TransferResult is what UploadWith and DownloadWith did.
type TransferResult struct {
	// Bytes is the number of bytes this call transferred (for a resumed
	// transfer, those after ResumedFrom; the tail compared is not
	// counted).
	Bytes int64
	// ResumedFrom is the offset the transfer continued from; 0 when it
	// started at the beginning.
	ResumedFrom int64
	// Verified is the check done: "sha256", "sha512", "sha1", "md5",
	// "crc32", "size", or "" without Verify.
	Verified string
	// Transferred is true when the target was written; false only when a
	// resumed non-atomic upload found the remote file complete already.
	Transferred bool
}

// PartSuffix ends the names of partial files that resumable and atomic
// transfers leave while they run (and, with Resume, after a failure).
const PartSuffix = ".ftplua-part"

// PartName is the partial file of a resumable download to local:
// "<local>.ftplua-part".
func PartName(local string) string { return local + PartSuffix }

// RemotePartName is the temporary file of an atomic upload to remote:
// ".<name>.ftplua-part" in the same directory.
func RemotePartName(remote string) string {
	dir, name := Split(remote)
	return Join(dir, "."+name+PartSuffix)
}

// tailSize is how much of a partial file's end is compared before a
// resumed transfer continues it.
const tailSize = 64 * 1024

// verification levels, weakest first; sha256 and sha512 rank alike.
var verifyRank = map[string]int{"": 0, "size": 1, "hash": 2, "crc32": 2, "md5": 3, "sha1": 4, "sha256": 5, "sha512": 5}

// hashMethod is one way to have the server hash a file.
type hashMethod struct {
	level string // "sha256", ...
	cmd   string // "HASH" or "XSHA256", ...
	algo  string // HASH: the algorithm's name in FEAT ("SHA-256")
	dflt  bool   // HASH: the algorithm is selected already (FEAT's "*")
}

var hashNames = map[string]string{"SHA-256": "sha256", "SHA-512": "sha512", "SHA-1": "sha1", "MD5": "md5", "CRC32": "crc32"}

var hashPreference = []string{"sha256", "sha512", "sha1", "md5", "crc32"}

var xCommands = map[string][]string{
	"sha256": {"XSHA256"}, "sha512": {"XSHA512"}, "sha1": {"XSHA1", "XSHA"}, "md5": {"XMD5"}, "crc32": {"XCRC"},
}

// hashMethods reads FEAT: the best HASH algorithm and the best X-command,
// strongest first. ftpserverlib (the built-in server) lists its HASH
// algorithms on a line of their own without the word HASH
// (" SHA-1;SHA-256*;MD5;CRC32;"); that line counts too.
func hashMethods(feats map[string]string) []hashMethod {
	algos := map[string]hashMethod{}
	addList := func(list string) bool {
		found := map[string]hashMethod{}
		for _, item := range strings.Split(list, ";") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			name := strings.TrimSuffix(item, "*")
			level, ok := hashNames[strings.ToUpper(name)]
			if !ok {
				return false
			}
			found[level] = hashMethod{level: level, cmd: "HASH", algo: name, dflt: strings.HasSuffix(item, "*")}
		}
		for k, v := range found {
			algos[k] = v
		}
		return len(found) > 0
	}
	for k, v := range feats {
		switch {
		case k == "HASH":
			addList(v)
		case strings.Contains(k, ";") && v == "":
			addList(k)
		}
	}
	var out []hashMethod
	for _, level := range hashPreference {
		if m, ok := algos[level]; ok {
			out = append(out, m)
			break
		}
	}
	for _, level := range hashPreference {
		found := false
		for _, c := range xCommands[level] {
			if _, ok := feats[c]; ok {
				out = append(out, hashMethod{level: level, cmd: c})
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	return out
}

// verifyPlan checks the options and returns how to verify (nil methods
// and verify false when not asked).
func (h *Host) verifyPlan(o TransferOptions, path string) (verify bool, methods []hashMethod, err error) {
	if _, ok := verifyRank[o.MinVerify]; !ok {
		return false, nil, newError(FTPIOError, path, "unknown min_verify %q (want size, hash, crc32, md5, sha1, sha256 or sha512)", o.MinVerify)
	}
	if !o.Verify && o.MinVerify == "" {
		return false, nil, nil
	}
	methods = hashMethods(h.Features())
	best := "size"
	if len(methods) > 0 {
		best = methods[0].level
	}
	if verifyRank[best] < verifyRank[o.MinVerify] {
		return false, nil, newError(FTPIOError, path, "verify: the server offers no %s check, only %s (min_verify); nothing transferred", o.MinVerify, best)
	}
	return true, methods, nil
}

// verifyError is a failed check.
func verifyError(path, format string, args ...any) *Error {
	return newError(FTPIOError, path, "verify failed: "+format, args...)
}

// verify compares the remote file abs with the local file: by the first
// hash method that works, else by size. It returns the level reached. A
// failed check (a mismatch, or a level below min) is an error with failed
// true; a failure to reach the server or read the local file is an error
// with failed false.
func (h *Host) verify(ctx context.Context, abs, local string, methods []hashMethod, min string) (level string, failed bool, err error) {
	for _, m := range methods {
		remote, ok, err := h.serverHash(ctx, abs, m)
		if err != nil {
			return "", false, err
		}
		if !ok {
			continue
		}
		mine, err := localDigest(local, m.level)
		if err != nil {
			return "", false, localError(err, local)
		}
		if !sameDigest(m.level, remote, mine) {
			return m.level, true, verifyError(abs, "%s of %s is %s on the server, %s locally", m.level, abs, remote, mine)
		}
		return m.level, false, nil
	}
	if verifyRank["size"] < verifyRank[min] {
		return "size", true, newError(FTPIOError, abs, "verify: the server could not hash %s; only its size could be checked (min_verify %s)", abs, min)
	}
	fi, err := os.Stat(local)
	if err != nil {
		return "", false, localError(err, local)
	}
	size, exists, err := h.remoteSize(ctx, abs)
	if err != nil {
		return "", false, err
	}
	if !exists {
		return "size", true, verifyError(abs, "%s is missing on the server", abs)
	}
	if size != fi.Size() {
		return "size", true, verifyError(abs, "%s has %d bytes on the server, %d locally", abs, size, fi.Size())
	}
	return "size", false, nil
}

// serverHash asks the server for the hash of abs; ok is false when the
// method did not work for this file (a refusal, an unreadable reply).
// Absolute paths are sent (ftpserverlib resolves relative ones against
// the root, not the working directory); a path with a space is sent
// again quoted if the plain form fails (ftpserverlib splits arguments at
// spaces).
func (h *Host) serverHash(ctx context.Context, abs string, m hashMethod) (string, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	wire, err := h.codec.encode(abs)
	if err != nil {
		return "", false, nil
	}
	forms := []string{wire}
	if strings.ContainsAny(wire, " \t") {
		forms = append(forms, `"`+wire+`"`)
	}
	// HASH: select the algorithm unless FEAT marks it selected; if the
	// reply is of another one (selected since), select it and ask again.
	selectAlgo := m.cmd == "HASH" && !m.dflt
	for try := 0; try < 2; try++ {
		if selectAlgo {
			code, _, err := h.cmd(ctx, "OPTS HASH "+m.algo, abs)
			if err != nil {
				return "", false, err
			}
			if code/100 != 2 {
				return "", false, nil
			}
		}
		otherAlgo := false
		for _, arg := range forms {
			code, msg, err := h.cmd(ctx, m.cmd+" "+arg, abs)
			if err != nil {
				return "", false, err
			}
			if code/100 != 2 {
				continue
			}
			sum, ok, other := parseHashReply(msg, m, wire)
			if ok {
				return sum, true, nil
			}
			otherAlgo = otherAlgo || other
		}
		if !otherAlgo || selectAlgo {
			break
		}
		selectAlgo = true
	}
	return "", false, nil
}

// parseHashReply reads "SHA-256 0-49 <hex> <path>" (HASH; the last line
// of a multi-line reply) or "<hex>" (X-commands; the last field of the
// last line). A HASH reply naming another path, or another algorithm
// (otherAlgo), does not count.
func parseHashReply(msg string, m hashMethod, wire string) (sum string, ok, otherAlgo bool) {
	lines := strings.Split(strings.TrimRight(msg, "\r\n"), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if m.cmd == "HASH" {
		rest := last
		var f [3]string
		for i := range f {
			rest = strings.TrimLeft(rest, " ")
			f[i], rest, _ = strings.Cut(rest, " ")
		}
		if !strings.EqualFold(f[0], m.algo) {
			_, known := hashNames[strings.ToUpper(f[0])]
			return "", false, known
		}
		if !strings.Contains(f[1], "-") {
			return "", false, false
		}
		if p := strings.Trim(strings.TrimSpace(rest), `"`); p != "" && p != wire && p != Basename(wire) {
			return "", false, false
		}
		sum = f[2]
	} else {
		fields := strings.Fields(last)
		if len(fields) == 0 {
			return "", false, false
		}
		sum = fields[len(fields)-1]
	}
	sum = strings.ToLower(sum)
	if _, err := hex.DecodeString(strings.Repeat("0", len(sum)%2) + sum); err != nil || sum == "" {
		return "", false, false
	}
	want := map[string]int{"sha256": 64, "sha512": 128, "sha1": 40, "md5": 32, "crc32": 8}[m.level]
	if len(sum) != want && !(m.level == "crc32" && len(sum) < 8) {
		return "", false, false
	}
	return sum, true, false
}

// sameDigest compares hex digests; CRC32 numerically (servers may drop
// leading zeros).
func sameDigest(level, a, b string) bool {
	if level == "crc32" {
		x, err1 := strconv.ParseUint(a, 16, 32)
		y, err2 := strconv.ParseUint(b, 16, 32)
		return err1 == nil && err2 == nil && x == y
	}
	return strings.EqualFold(a, b)
}

// localDigest hashes a local file, reading it as a stream.
func localDigest(path, level string) (string, error) {
	var hs hash.Hash
	switch level {
	case "sha256":
		hs = sha256.New()
	case "sha512":
		hs = sha512.New()
	case "sha1":
		hs = sha1.New()
	case "md5":
		hs = md5.New()
	case "crc32":
		hs = crc32.NewIEEE()
	default:
		return "", fmt.Errorf("unknown hash %q", level)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(hs, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(hs.Sum(nil)), nil
}

// remoteSize returns the size of the remote file abs: SIZE where FEAT
// lists it (any 5xx reply counts as missing), else the listing. A
// failure to reach the server is an error.
func (h *Host) remoteSize(ctx context.Context, abs string) (int64, bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, false, newError(FTPOSError, abs, "%v", errClosed)
	}
	if _, ok := h.feats["SIZE"]; ok {
		dir, name := Split(abs)
		wire, err := h.codec.encode(name)
		if err != nil {
			return 0, false, newError(FTPOSError, abs, "%v", err)
		}
		if err := h.cd(ctx, dir, true); err != nil {
			if errors.Is(err, PermanentError) {
				return 0, false, nil
			}
			return 0, false, err
		}
		code, msg, err := h.cmd(ctx, "SIZE "+wire, abs)
		if err != nil {
			return 0, false, err
		}
		if code == 213 {
			if n, err := strconv.ParseInt(strings.TrimSpace(msg), 10, 64); err == nil {
				return n, true, nil
			}
		}
		if code/100 == 5 {
			return 0, false, nil
		}
	}
	h.cache.Invalidate(abs)
	st, err := h.lstat(ctx, abs)
	if err != nil {
		if missing, err2 := h.isMissing(ctx, abs, err); missing {
			return 0, false, nil
		} else {
			return 0, false, err2
		}
	}
	return st.Size, true, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// copyCounted is copyChunks, returning the number of bytes read from src.
func copyCounted(dst io.Writer, src io.Reader, callback func([]byte) error) (int64, error) {
	cr := &countingReader{r: src}
	err := copyChunks(dst, cr, callback)
	return cr.n, err
}

// DownloadWith is Download with options (see TransferOptions): resume,
// verify (MinVerify), and a result saying what was done. Without options
// it does what Download does.
func (h *Host) DownloadWith(ctx context.Context, remote, local string, o TransferOptions) (TransferResult, error) {
	if remote == "" {
		return TransferResult{}, emptyPathError("source")
	}
	if local == "" {
		return TransferResult{}, emptyPathError("target")
	}
	if err := checkPath(remote); err != nil {
		return TransferResult{}, err
	}
	abs := h.Abspath(remote)
	verify, methods, err := h.verifyPlan(o, abs)
	if err != nil {
		return TransferResult{}, err
	}
	mode, err := targetMode(local)
	if err != nil {
		return TransferResult{}, err
	}
	var res TransferResult
	var tmpName string
	if o.Resume {
		tmpName, res, err = h.downloadResumable(ctx, remote, abs, local, o)
	} else {
		tmpName, res, err = h.downloadTemp(ctx, remote, abs, local, mode, o)
	}
	if err != nil {
		return res, err
	}
	if verify {
		var failed bool
		res.Verified, failed, err = h.verify(ctx, abs, tmpName, methods, o.MinVerify)
		if err != nil {
			if failed || !o.Resume {
				os.Remove(tmpName)
			}
			return res, err
		}
	}
	if o.Resume {
		// the resumable part was opened as 0644, maybe by an earlier run;
		// the temporary file of downloadTemp has its mode already
		err = os.Chmod(tmpName, mode)
	}
	if err == nil {
		err = renameFile(tmpName, local)
	}
	if err != nil {
		if !o.Resume {
			os.Remove(tmpName) // a resumable part stays, complete, for the next call
		}
		return res, localError(err, local)
	}
	res.Transferred = true
	return res, nil
}

// downloadTemp downloads into a fresh temporary file next to local, with
// permissions mode (as Download does), and returns its name; on failure
// it is removed.
func (h *Host) downloadTemp(ctx context.Context, remote, abs, local string, mode fs.FileMode, o TransferOptions) (string, TransferResult, error) {
	var res TransferResult
	src, err := h.Open(ctx, remote, FileOptions{Mode: "rb"})
	if err != nil {
		return "", res, err
	}
	dir, base := filepath.Split(local)
	if dir == "" {
		dir = "."
	}
	tmp, err := createPart(dir, base, mode)
	if err != nil {
		src.Close()
		return "", res, localError(err, local)
	}
	res.Bytes, err = copyCounted(tmp, src, o.Callback)
	if cerr := src.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = localError(cerr, local)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", res, FileError(err, abs)
	}
	return tmp.Name(), res, nil
}

// downloadResumable downloads into PartName(local), continuing what is
// there if its tail matches; on failure the partial file is kept.
func (h *Host) downloadResumable(ctx context.Context, remote, abs, local string, o TransferOptions) (string, TransferResult, error) {
	var res TransferResult
	part := PartName(local)
	size, exists, err := h.remoteSize(ctx, abs)
	if err != nil {
		return "", res, err
	}
	var have int64
	if fi, err := os.Stat(part); err == nil && fi.Mode().IsRegular() {
		have = fi.Size()
	}
	if exists && have > size {
		have = 0 // not a part of this file
	}
	k := min(have, tailSize)
	src, err := h.Open(ctx, remote, FileOptions{Mode: "rb", Rest: have - k})
	if err != nil {
		return "", res, err
	}
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		src.Close()
		return "", res, localError(err, local)
	}
	if k > 0 {
		theirs := make([]byte, k)
		mine := make([]byte, k)
		_, rerr := io.ReadFull(src, theirs)
		_, lerr := f.ReadAt(mine, have-k)
		if rerr != nil || lerr != nil || !bytes.Equal(theirs, mine) {
			// not the start of this file (or it changed): start over
			src.Close()
			have = 0
			if src, err = h.Open(ctx, remote, FileOptions{Mode: "rb"}); err != nil {
				f.Close()
				return "", res, err
			}
		}
	}
	res.ResumedFrom = have
	if err := f.Truncate(have); err != nil {
		src.Close()
		f.Close()
		return "", res, localError(err, local)
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		src.Close()
		f.Close()
		return "", res, localError(err, local)
	}
	res.Bytes, err = copyCounted(f, src, o.Callback)
	if cerr := src.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = localError(cerr, local)
	}
	if err != nil {
		return "", res, FileError(err, abs)
	}
	if got := have + res.Bytes; exists && got < size {
		e := newError(FTPIOError, abs, "download of %s ended early: %d of %d bytes (the partial file %s is kept for resuming)", abs, got, size, part)
		return "", res, e
	}
	return part, res, nil
}

// UploadWith is Upload with options (see TransferOptions): resume, verify
// (MinVerify), atomic replacement, and a result saying what was done.
// Without options it does what Upload does.
func (h *Host) UploadWith(ctx context.Context, local, remote string, o TransferOptions) (TransferResult, error) {
	var res TransferResult
	if local == "" {
		return res, emptyPathError("source")
	}
	if remote == "" {
		return res, emptyPathError("target")
	}
	if err := checkPath(remote); err != nil {
		return res, err
	}
	abs := h.Abspath(remote)
	verify, methods, err := h.verifyPlan(o, abs)
	if err != nil {
		return res, err
	}
	src, err := os.Open(local)
	if err != nil {
		return res, localError(err, local)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return res, localError(err, local)
	}
	dest := abs
	if o.Atomic {
		dest = RemotePartName(abs)
	}
	discard := func() {
		h.removeFile(ctx, dest) // best effort
	}
	var offset int64
	var exists bool
	if o.Resume {
		var size int64
		size, exists, err = h.remoteSize(ctx, dest)
		if err != nil {
			return res, err
		}
		if exists && size > 0 && size <= fi.Size() {
			ok, err := h.remoteTailMatches(ctx, dest, src, size)
			if err != nil {
				return res, err
			}
			if ok {
				offset = size
			}
		}
	}
	res.ResumedFrom = offset
	if !(o.Resume && exists && offset == fi.Size() && offset > 0) {
		var started bool
		res.Bytes, started, err = h.uploadFrom(ctx, src, dest, offset, o.Callback)
		if err != nil {
			if started && !o.Resume {
				discard()
			}
			return res, FileError(err, dest)
		}
		res.Transferred = true
	}
	if (o.Resume || o.Atomic && !verify) && res.Transferred {
		// Some servers answer 226 to an upload whose data connection was
		// reset (pyftpdlib, at times), and a client that had all its data
		// in the socket's buffers by then sees no error: a cut upload
		// looks complete. A resumable or atomic upload checks the size
		// (Verify does at least that).
		size, exists, err := h.remoteSize(ctx, dest)
		if err != nil {
			return res, err
		}
		if !exists || size != fi.Size() {
			if !o.Resume {
				discard()
			}
			return res, newError(FTPIOError, dest, "upload to %s ended early: the server has %d of %d bytes%s",
				dest, size, fi.Size(), map[bool]string{true: " (kept for resuming)"}[o.Resume])
		}
	}
	if verify {
		var failed bool
		res.Verified, failed, err = h.verify(ctx, dest, local, methods, o.MinVerify)
		if err != nil {
			if failed {
				discard()
			}
			return res, err
		}
	}
	if o.Atomic {
		if err := h.replaceWith(ctx, dest, abs); err != nil {
			if !o.Resume {
				discard()
			}
			return res, err
		}
		res.Transferred = true
	}
	return res, nil
}

// remoteTailMatches reads the last bytes (at most tailSize) of the remote
// file's first size bytes with REST and compares them with the local
// file's bytes there.
func (h *Host) remoteTailMatches(ctx context.Context, remote string, local *os.File, size int64) (bool, error) {
	k := min(size, tailSize)
	f, err := h.Open(ctx, remote, FileOptions{Mode: "rb", Rest: size - k})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code/100 == 5 {
			return false, nil // cannot be read back: start over
		}
		return false, err
	}
	theirs, rerr := io.ReadAll(io.LimitReader(f, k+1))
	cerr := f.Close()
	if rerr != nil {
		return false, FileError(rerr, remote)
	}
	if cerr != nil {
		return false, FileError(cerr, remote)
	}
	mine := make([]byte, k)
	if _, err := local.ReadAt(mine, size-k); err != nil {
		return false, localError(err, local.Name())
	}
	return bytes.Equal(theirs, mine), nil
}

// uploadFrom sends the local file from offset to dest: STOR, or REST
// offset and STOR, or (where the server refuses REST before STOR, as
// proftpd without AllowStoreRestart and pyftpdlib on some files do) APPE.
// started is false when the server refused the upload (nothing changed).
func (h *Host) uploadFrom(ctx context.Context, src *os.File, dest string, offset int64, callback func([]byte) error) (n int64, started bool, err error) {
	if _, err := src.Seek(offset, io.SeekStart); err != nil {
		return 0, false, localError(err, src.Name())
	}
	dst, err := h.Open(ctx, dest, FileOptions{Mode: "wb", Rest: offset})
	if err != nil && offset > 0 {
		var tp *textproto.Error
		if errors.As(err, &tp) && tp.Code/100 == 5 {
			dst, err = h.Open(ctx, dest, FileOptions{Mode: "ab"})
		}
	}
	if err != nil {
		return 0, false, err
	}
	n, err = copyCounted(dst, src, callback)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return n, true, err
}

// replaceWith renames the temporary file over the target. Where the
// server refuses to rename over an existing file, the target is removed
// and the rename repeated.
func (h *Host) replaceWith(ctx context.Context, tmp, target string) error {
	err := h.Rename(ctx, tmp, target)
	if err == nil || !errors.Is(err, PermanentError) {
		return err
	}
	if _, exists, serr := h.remoteSize(ctx, target); serr != nil || !exists {
		return err
	}
	if derr := h.Remove(ctx, target); derr != nil {
		return err
	}
	if err2 := h.Rename(ctx, tmp, target); err2 != nil {
		e := newError(FTPIOError, target, "atomic upload: renaming %s to %s failed after removing the old %s (the new content is in %s): %v", tmp, target, target, tmp, err2)
		e.Err = err2
		return e
	}
	return nil
}

// InferTimeShift estimates the time shift (the server's listing time
// minus UTC) from the current directory without writing anything: for
// up to five regular files that the listing (LIST, as the time shift
// concerns it) shows to the minute, the listed time is compared with the
// UTC time MDTM gives; each difference is rounded to 15 minutes (with
// SetTimeShift's rules). ok is false, with the reason, when the server
// has no MDTM, no file qualifies, or the estimates disagree. The current
// time shift plays no part. err is a failure to list the directory or to
// reach the server.
func (h *Host) InferTimeShift(ctx context.Context) (shift float64, ok bool, reason string, err error) {
	return h.InferTimeShiftIn(ctx, ".")
}

// InferTimeShiftIn is InferTimeShift with the files of dir.
func (h *Host) InferTimeShiftIn(ctx context.Context, dir string) (shift float64, ok bool, reason string, err error) {
	if dir == "" {
		return 0, false, "", emptyPathError("path")
	}
	if err := checkPath(dir); err != nil {
		return 0, false, "", err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, false, "", newError(FTPOSError, dir, "%v", errClosed)
	}
	abs := h.abspath(dir)
	if _, has := h.feats["MDTM"]; !has {
		return 0, false, "the server does not offer MDTM", nil
	}
	lines, err := h.listLines(ctx, abs)
	if err != nil {
		return 0, false, "", err
	}
	// The listing's own times: parsed with shift 0 (and not cached).
	var parser parse.Parser = &parse.Auto{Now: h.now}
	if h.parser != nil {
		if _, mlsd := h.parser.(parse.MLSD); !mlsd {
			parser = h.parser
		}
	}
	entries, err := parse.ParseListing(parser, lines, 0)
	if err != nil {
		return 0, false, "", wrapError(err, "LIST", abs)
	}
	var cands []StatResult
	for _, e := range entries {
		if !isRegMode(e.Mode) || e.Valid&parse.HasMtime == 0 || e.Valid&parse.HasPrecision == 0 ||
			e.MtimePrecision <= 0 || e.MtimePrecision > 60 || mdtmSetsTime(e.Name) {
			continue
		}
		cands = append(cands, e)
	}
	if len(cands) == 0 {
		return 0, false, fmt.Sprintf("no file in %s is listed with its time to the minute", abs), nil
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Mtime > cands[j].Mtime })
	cands = cands[:min(len(cands), 5)]
	var estimates []float64
	var names []string
	for _, e := range cands {
		code, msg, err := h.cmd(ctx, "MDTM "+e.Name, abs) // the name as listed
		if err != nil {
			return 0, false, "", err
		}
		if code != 213 {
			continue
		}
		utc, ok := parseFactTime(strings.TrimSpace(msg))
		if !ok {
			continue
		}
		listed := e.Mtime
		// without a year in the listing the parser guessed one (from the
		// client's clock); a shift pushes it a year off
		if listed-utc < -180*86400 {
			listed = addYears(listed, 1)
		} else if listed-utc > 180*86400 {
			listed = addYears(listed, -1)
		}
		// the listing truncates to its precision: its middle is closest
		est := listed + e.MtimePrecision/2 - utc
		r, err := checkTimeShift(est)
		if err != nil {
			return 0, false, fmt.Sprintf("%s: listed %.0f s from its MDTM time, which is no time shift (%v)", h.codec.decode(e.Name), est, err), nil
		}
		estimates = append(estimates, r)
		names = append(names, h.codec.decode(e.Name))
	}
	if len(estimates) == 0 {
		return 0, false, fmt.Sprintf("MDTM gave no time for any of the %d files listed to the minute in %s", len(cands), abs), nil
	}
	for i := range estimates {
		if estimates[i] != estimates[0] {
			return 0, false, fmt.Sprintf("the files disagree: %s suggests %.0f s, %s %.0f s", names[0], estimates[0], names[i], estimates[i]), nil
		}
	}
	return estimates[0], true, "", nil
}

// mdtmSetsTime: vsftpd takes "MDTM YYYYMMDDHHMMSS name" as setting a
// time; a name starting like that must not be sent.
func mdtmSetsTime(name string) bool {
	if len(name) < 15 || name[14] != ' ' {
		return false
	}
	for i := 0; i < 14; i++ {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}

func addYears(t float64, years int) float64 {
	tm := time.Unix(0, int64(t*1e9)).UTC().AddDate(years, 0, 0)
	return float64(tm.UnixNano()) / 1e9
}
