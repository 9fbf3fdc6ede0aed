package fileobj

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/textproto"
	"strings"
	"sync"
)

// Conn is what a file needs from its connection: *ftpconn.Conn and
// host.Session satisfy it. Transfer sends "REST offset" when offset > 0,
// then cmd, and returns the data stream once the server accepted the
// command; a refusal is a *textproto.Error. Closing the stream reads the
// transfer's final reply and returns a negative one as *textproto.Error;
// closing a download before its end aborts it without error.
//
// If the Conn also has a method Broken() bool (as *ftpconn.Conn does), it
// is asked after the transfer to decide whether the connection may be
// reused.
type Conn interface {
	Transfer(ctx context.Context, cmd string, offset int64) (io.ReadWriteCloser, error)
}

// StreamCopier is what a stream (from Conn.Transfer) may offer to move
// data between its connection and a local file without a copy through the
// File's buffer; *ftpconn.Conn's streams do, over plain TCP on Linux
// (splice, sendfile). File.WriteTo and File.ReadFrom (so io.Copy) use it
// in binary mode. handled false means nothing was done and the File goes
// on as usual. CopyTo copies the rest of a download into w and returns
// with a nil error at its end; CopyFrom copies r to its end into an
// upload.
type StreamCopier interface {
	CopyTo(w io.Writer) (n int64, handled bool, err error)
	CopyFrom(r io.Reader) (n int64, handled bool, err error)
}

// Buffer sizes; variables so that tests can shrink them to hit every
// boundary.
var (
	bufSize     = 256 << 10 // binary reads and all writes
	textRawSize = 64 << 10  // text reads: bytes as they come
	textBufSize = 64 << 10  // text reads: decoded UTF-8
)

var bufPool sync.Pool // of *[]byte, len >= bufSize

// getBuf returns a buffer of length n (its capacity may be larger, for
// putBuf).
func getBuf(n int) []byte {
	if p, ok := bufPool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n, max(n, bufSize))
}

func putBuf(b []byte) {
	if cap(b) >= bufSize {
		b = b[:cap(b)]
		bufPool.Put(&b)
	}
}

// Sentinel errors of File methods, wrapped in *fs.PathError.
var (
	ErrNotReadable = errors.New("fileobj: file not open for reading")
	ErrNotWritable = errors.New("fileobj: file not open for writing")
)

// errUnusable is passed to release when the transfer ended without error
// but left the connection unusable (an abort the server never answered).
var errUnusable = errors.New("fileobj: connection left unusable by the transfer")

// File is an open remote file, ftputil's FTPFile: a download (modes r, rb)
// or an upload (w, wb, a, ab) streaming over a connection of its own. Text
// modes decode and encode and translate newlines as Python's io does;
// binary modes pass bytes.
//
// Errors are *fs.PathError with Op "open", "read", "write" or "close"; a
// server's reply inside stays reachable with errors.As as
// *textproto.Error. Reading and writing after Close fail with
// fs.ErrClosed; reading an upload or writing a download fails with
// ErrNotReadable or ErrNotWritable.
//
// A File is not safe for concurrent use.
type File struct {
	name, mode string
	spec       *spec
	conn       Conn
	stream     io.ReadWriteCloser
	release    func(error)
	closed     bool
	pos        int64 // binary modes: offset in the remote file

	// reading: buf[r:w] is data not yet delivered: bytes in binary mode,
	// decoded and translated UTF-8 in text mode.
	buf       []byte
	r, w      int
	eof       bool  // nothing more will come into buf
	rerr      error // why: nil at the end of the data, else the error to report
	empties   int   // consecutive (0, nil) reads from the stream
	canUnread bool
	raw       []byte // text: bytes from the stream, raw[rr:rw] not yet decoded
	rr, rw    int
	rawEOF    bool
	streamEOF bool  // the stream reported its end: the download was not aborted
	rawOff    int64 // text: file offset of raw[rr]
	dec       decoder
	translate bool   // newline nil: "\r\n" and "\r" become "\n"
	skipLF    bool   // translate: the last character was "\r"
	term      byte   // line end: '\n', '\r', 'R' ("\r\n") or 'U' (any, untranslated)
	block     []byte // the pooled buffer behind buf (and raw)

	// writing: wbuf[:wn] is encoded data not yet sent.
	wbuf  []byte
	wn    int
	werr  error // sticky: a write to the stream failed
	enc   *runeEncoder
	nl    string // text: what "\n" becomes ("" = itself)
	pend  [utf8Max]byte
	npend int // text: an incomplete UTF-8 sequence held for the next Write
}

const utf8Max = 4

// A TransferError is a transfer that did not start: the server refused
// its command, or the connection failed. Command is the command sent
// (RETR, STOR or APPE and the name).
type TransferError struct {
	Command string
	Err     error
}

func (e *TransferError) Error() string { return e.Command + ": " + e.Err.Error() }
func (e *TransferError) Unwrap() error { return e.Err }

// Open validates o and starts the transfer on conn: RETR name to read,
// STOR name for w and wb, APPE name for a and ab, each after REST o.Rest
// when o.Rest > 0. name is sent as given (a bare file name in the
// connection's working directory); an empty name or one holding CR, LF or
// NUL is refused with fs.ErrInvalid before anything is sent.
//
// ctx governs the whole transfer, up to and including Close: cancelling it
// aborts the transfer.
//
// release is called exactly once: by Open itself when Open returns an
// error, otherwise by Close. release(nil) means the connection is in step
// and may be reused; release(err) means it must be discarded. A server's
// refusal (550 at Open, 452 at Close) leaves it in step.
//
// If there is an error, it will be of type *fs.PathError.
func Open(ctx context.Context, conn Conn, name string, o Options, release func(error)) (*File, error) {
	if release == nil {
		release = func(error) {}
	}
	fail := func(err error) (*File, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	s, err := o.parse()
	if err != nil {
		release(nil)
		return fail(err)
	}
	if name == "" || strings.ContainsAny(name, "\r\n\x00") {
		release(nil)
		return fail(fs.ErrInvalid)
	}
	verb := "RETR "
	if s.write {
		verb = "STOR "
		if s.append {
			verb = "APPE "
		}
	}
	stream, err := conn.Transfer(ctx, verb+name, s.rest)
	if err != nil {
		release(unusable(conn, err))
		return fail(&TransferError{Command: verb + name, Err: err})
	}
	mode := o.Mode
	if mode == "" {
		mode = "r"
	}
	f := &File{name: name, mode: mode, spec: s, conn: conn, stream: stream,
		release: release, pos: s.rest}
	switch {
	case s.write:
		f.wbuf = getBuf(bufSize)
		if s.text {
			f.enc = s.codec.newEncoder()
			if s.newline != nil && (*s.newline == "\r" || *s.newline == "\r\n") {
				f.nl = *s.newline
			}
		}
	case s.text:
		b := getBuf(textRawSize + textBufSize)
		f.block = b
		f.raw = b[:textRawSize:textRawSize]
		f.buf = b[textRawSize:]
		f.dec = s.codec.newDecoder(s.errs)
		f.translate = s.newline == nil
		f.term = '\n'
		if s.newline != nil {
			switch *s.newline {
			case "":
				f.term = 'U'
			case "\r":
				f.term = '\r'
			case "\r\n":
				f.term = 'R'
			}
		}
	default:
		f.buf = getBuf(bufSize)
		f.block = f.buf
		f.term = '\n'
	}
	return f, nil
}

// unusable says whether err (from Transfer or from closing the stream)
// leaves conn unusable, and if so returns the error to release it with.
func unusable(conn Conn, err error) error {
	if b, ok := conn.(interface{ Broken() bool }); ok {
		if !b.Broken() {
			return nil
		}
		if err == nil {
			return errUnusable
		}
		return err
	}
	var tpErr *textproto.Error
	if err == nil || errors.As(err, &tpErr) {
		return nil // a reply came: the control connection is in step
	}
	return err
}

// Name returns the name the file was opened with.
func (f *File) Name() string { return f.name }

// Mode returns the mode the file was opened with ("r" when it was empty).
func (f *File) Mode() string { return f.mode }

// Encoding returns the text encoding as given ("utf-8" by default), or ""
// in binary mode.
func (f *File) Encoding() string {
	if f.spec.codec == nil {
		return ""
	}
	return f.spec.codec.name
}

// Closed reports whether Close was called.
func (f *File) Closed() bool { return f.closed }

// Readable and Writable report the direction of the transfer.
func (f *File) Readable() bool { return !f.spec.write }
func (f *File) Writable() bool { return f.spec.write }

// Close ends the transfer: an upload sends what is buffered and closes the
// data connection; then the server's final reply is read. A transfer the
// server failed (451, 452, 552, a cut connection) is an error here, never
// ignored. Closing a download before its end aborts it, which is not an
// error. Close then hands the connection back (see Open's release). A
// second Close does nothing and returns nil, as ftputil's close does.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	var errs []error
	if f.spec.write {
		if err := f.finishWrite(); err != nil && f.werr == nil {
			errs = append(errs, err)
		}
	}
	cerr := f.stream.Close()
	rel := unusable(f.conn, cerr)
	var tpErr *textproto.Error
	if !f.spec.write && !f.streamEOF && errors.As(cerr, &tpErr) {
		// Closed before the end: whatever the server says of the transfer
		// it no longer sends is moot. ftputil accepts 150 (pure-ftpd's
		// answer), 426, 450 and 451; the built-in server says 550.
		// (*ftpconn.Conn sends ABOR and reports none of them; a Conn of
		// an embedder may.)
		cerr = nil
	}
	if cerr != nil {
		errs = append(errs, cerr)
	} else if f.werr != nil {
		errs = append(errs, f.werr) // the stream did not report its own failure
	}
	f.release(rel)
	f.release = nil
	if f.block != nil {
		putBuf(f.block)
	}
	if f.wbuf != nil {
		putBuf(f.wbuf)
	}
	f.buf, f.raw, f.wbuf, f.block = nil, nil, nil, nil
	f.r, f.w, f.rr, f.rw, f.wn = 0, 0, 0, 0, 0
	if err := errors.Join(errs...); err != nil {
		return &fs.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// Seek reports the position in binary mode: Seek(0, io.SeekCurrent) is
// the byte offset in the remote file (Rest plus bytes read or written),
// like Lua's file:seek(). Moving is not supported (a transfer runs one
// way), nor is a position in text mode; both fail with
// errors.ErrUnsupported.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrClosed}
	}
	if f.spec.text || offset != 0 || whence != io.SeekCurrent {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: errors.ErrUnsupported}
	}
	if f.spec.write {
		return f.pos, nil
	}
	return f.pos - int64(f.w-f.r), nil
}

func (f *File) pathErr(op string, err error) error {
	return &fs.PathError{Op: op, Path: f.name, Err: err}
}

// checkRead returns the error for a read that cannot be done.
func (f *File) checkRead() error {
	switch {
	case f.closed:
		return f.pathErr("read", fs.ErrClosed)
	case f.spec.write:
		return f.pathErr("read", ErrNotReadable)
	}
	return nil
}

func (f *File) checkWrite() error {
	switch {
	case f.closed:
		return f.pathErr("write", fs.ErrClosed)
	case !f.spec.write:
		return f.pathErr("write", ErrNotWritable)
	}
	return nil
}

var (
	_ io.ReadWriteCloser = (*File)(nil)
	_ io.StringWriter    = (*File)(nil)
	_ io.WriterTo        = (*File)(nil)
	_ io.ReaderFrom      = (*File)(nil)
	_ io.ByteScanner     = (*File)(nil)
	_ io.Seeker          = (*File)(nil)
)
