package fileobj

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

const maxEmptyReads = 100

// ErrInvalidUnreadByte is returned by UnreadByte when the last read was
// not a ReadByte.
var ErrInvalidUnreadByte = errors.New("fileobj: UnreadByte: previous operation was not a successful ReadByte")

// setEnd records the end of the data: io.EOF, or the error that ended it.
func (f *File) setEnd(err error) {
	f.eof = true
	if err == io.EOF {
		f.streamEOF = true
	} else {
		f.rerr = err
	}
}

// endErr is what a read at the end returns: io.EOF or the error.
func (f *File) endErr() error {
	if f.rerr == nil {
		return io.EOF
	}
	return f.pathErr("read", f.rerr)
}

func (f *File) emptyRead() {
	f.empties++
	if f.empties >= maxEmptyReads {
		f.setEnd(io.ErrNoProgress)
	}
}

// fill moves buf[r:w] to the front and adds data after it; it returns
// once data was added or f.eof is set.
func (f *File) fill() {
	f.canUnread = false
	if f.r > 0 {
		copy(f.buf, f.buf[f.r:f.w])
		f.w -= f.r
		f.r = 0
	}
	if f.spec.text {
		f.fillText()
		return
	}
	for !f.eof && f.w < len(f.buf) {
		n, err := f.stream.Read(f.buf[f.w:])
		f.w += n
		f.pos += int64(n)
		if err != nil {
			f.setEnd(err)
			return
		}
		if n > 0 {
			f.empties = 0
			return
		}
		f.emptyRead()
	}
}

// fillText decodes raw bytes into buf, reading the stream as needed.
func (f *File) fillText() {
	for !f.eof && f.w < len(f.buf) {
		if f.rr < f.rw || f.rawEOF {
			nDst, nSrc, err := f.dec.Transform(f.buf[f.w:], f.raw[f.rr:f.rw], f.rawEOF)
			n := nDst
			if f.translate {
				n = f.translateNL(f.buf[f.w : f.w+nDst])
			}
			f.w += n
			start := f.rawOff
			f.rr += nSrc
			f.rawOff += int64(nSrc)
			switch err {
			case nil:
				if f.rawEOF {
					f.eof = true
					return
				}
			case transform.ErrShortDst:
				if nDst == 0 {
					return // no room for the next character: consume first
				}
			case transform.ErrShortSrc:
				if f.rawEOF {
					f.setEnd(errors.New("fileobj: decoder wants input after the end"))
					return
				}
			default:
				var de *DecodeError
				if errors.As(err, &de) {
					if de.Offset >= 0 {
						de.Offset += start
					} else {
						de.Offset = start
					}
				}
				f.setEnd(err)
				return
			}
			if n > 0 {
				return
			}
			if err == transform.ErrShortDst {
				continue // all of it was a dropped "\n"
			}
		}
		// more raw bytes
		if f.rr > 0 {
			copy(f.raw, f.raw[f.rr:f.rw])
			f.rw -= f.rr
			f.rr = 0
		}
		n, err := f.stream.Read(f.raw[f.rw:])
		f.rw += n
		switch {
		case err == io.EOF:
			f.rawEOF = true
			f.streamEOF = true
		case err != nil:
			f.setEnd(err)
			return
		case n > 0:
			f.empties = 0
		default:
			f.emptyRead()
		}
	}
}

// translateNL turns "\r\n" and "\r" into "\n" in place (Python's
// universal newlines) and returns the new length. A "\r" at the end of b
// is translated at once; a "\n" starting the next chunk is then dropped.
func (f *File) translateNL(b []byte) int {
	w, r := 0, 0
	if f.skipLF && len(b) > 0 {
		f.skipLF = false
		if b[0] == '\n' {
			r = 1
		}
	}
	for r < len(b) {
		i := bytes.IndexByte(b[r:], '\r')
		if i < 0 {
			w += copy(b[w:], b[r:])
			break
		}
		w += copy(b[w:], b[r:r+i])
		b[w] = '\n'
		w++
		r += i + 1
		if r == len(b) {
			f.skipLF = true // a "\n" starting the next chunk belongs to this "\r"
		} else if b[r] == '\n' {
			r++
		}
	}
	return w
}

// Read reads up to len(p) bytes: the file's bytes in binary mode, its text
// as UTF-8 (decoded, newlines translated per Options.Newline) in text
// mode. At the end it returns 0, io.EOF.
func (f *File) Read(p []byte) (int, error) {
	if err := f.checkRead(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	f.canUnread = false
	for f.r == f.w {
		if f.eof {
			return 0, f.endErr()
		}
		if !f.spec.text && len(p) >= len(f.buf) {
			// large reads bypass the buffer
			n, err := f.stream.Read(p)
			f.pos += int64(n)
			if err != nil {
				f.setEnd(err)
				if n == 0 {
					return 0, f.endErr()
				}
			}
			if n > 0 {
				f.empties = 0
				return n, nil
			}
			f.emptyRead()
			continue
		}
		f.fill()
	}
	n := copy(p, f.buf[f.r:f.w])
	f.r += n
	return n, nil
}

// WriteTo writes the rest of the file to w (io.Copy uses it): binary mode
// moves the data through the file's one buffer, without further copies
// or allocation; into a local file (*os.File) it moves it without the
// buffer when the stream can (see StreamCopier).
func (f *File) WriteTo(w io.Writer) (int64, error) {
	if err := f.checkRead(); err != nil {
		return 0, err
	}
	f.canUnread = false
	var total int64
	for {
		if f.r < f.w {
			n, err := w.Write(f.buf[f.r:f.w])
			f.r += n
			total += int64(n)
			if err != nil {
				return total, err
			}
		}
		if f.eof {
			if f.rerr != nil {
				return total, f.endErr()
			}
			return total, nil
		}
		if sc, ok := f.stream.(StreamCopier); ok && !f.spec.text {
			n, handled, err := sc.CopyTo(w)
			f.pos += n
			total += n
			if handled {
				if err == nil {
					err = io.EOF
				}
				f.setEnd(err) // an error leaves no way to resume: data may be lost
				if f.rerr != nil {
					return total, f.endErr()
				}
				return total, nil
			}
		}
		// fill the whole buffer before writing: a TLS connection returns
		// one record (16 KiB) per read, and each write to w is a system
		// call for a file
		for first := true; first || !f.eof && f.w < len(f.buf); first = false {
			w := f.w
			f.fill()
			if f.w == w {
				break
			}
		}
	}
}

// lineEnd returns the index just after the first line terminator in b,
// or -1.
func (f *File) lineEnd(b []byte) int {
	switch f.term {
	case '\n', '\r':
		if i := bytes.IndexByte(b, f.term); i >= 0 {
			return i + 1
		}
	case 'R':
		if i := bytes.Index(b, crlf); i >= 0 {
			return i + 2
		}
	case 'U':
		i := bytes.IndexByte(b, '\n')
		j := bytes.IndexByte(b, '\r')
		if i >= 0 && (j < 0 || i < j) {
			return i + 1
		}
		if j >= 0 {
			switch {
			case j+1 < len(b) && b[j+1] == '\n':
				return j + 2
			case j+1 < len(b) || f.eof:
				return j + 1
			}
			// "\r" ends the data so far: the next byte decides
		}
	}
	return -1
}

var crlf = []byte("\r\n")

// ReadLine reads one line and returns it with its terminator, as ftputil's
// readline() does: "\n" in binary mode; in text mode as Options.Newline
// says. The last line of a file may lack the terminator. At the end it
// returns "", io.EOF. If the data ends with an error, the partial line
// comes with the error.
func (f *File) ReadLine() (string, error) {
	if err := f.checkRead(); err != nil {
		return "", err
	}
	f.canUnread = false
	var acc []byte
	for {
		if f.r < f.w {
			b := f.buf[f.r:f.w]
			if end := f.lineEnd(b); end >= 0 {
				f.r += end
				if acc == nil {
					return string(b[:end]), nil
				}
				return string(append(acc, b[:end]...)), nil
			}
			take := len(b)
			if !f.eof && (f.term == 'U' || f.term == 'R') && b[take-1] == '\r' {
				take-- // may be the start of "\r\n"
			}
			acc = append(acc, b[:take]...)
			f.r += take
		}
		if f.eof && f.r == f.w {
			switch {
			case f.rerr != nil:
				return string(acc), f.endErr()
			case len(acc) > 0:
				return string(acc), nil
			}
			return "", io.EOF
		}
		f.fill()
	}
}

// ReadLines reads the remaining lines (ftputil's readlines()). At the end
// of the file it returns an empty slice and nil.
func (f *File) ReadLines() ([]string, error) {
	var lines []string
	for {
		line, err := f.ReadLine()
		if err == io.EOF {
			return lines, nil
		}
		if line != "" {
			lines = append(lines, line)
		}
		if err != nil {
			return lines, err
		}
	}
}

// ReadChars reads up to n characters in text mode (bytes in binary mode),
// fewer only at the end of the file: Python's read(n). n < 0 reads the
// rest of the file and never returns io.EOF. With n >= 0 at the end of the
// file it returns "", io.EOF (also for n == 0, Lua's end-of-file test).
func (f *File) ReadChars(n int) (string, error) {
	if err := f.checkRead(); err != nil {
		return "", err
	}
	f.canUnread = false
	var acc []byte
	if n < 0 {
		for {
			acc = append(acc, f.buf[f.r:f.w]...)
			f.r = f.w
			if f.eof {
				if f.rerr != nil {
					return string(acc), f.endErr()
				}
				return string(acc), nil
			}
			f.fill()
		}
	}
	count := 0
	for {
		if f.r == f.w {
			if f.eof {
				break
			}
			f.fill()
			continue
		}
		if count == n {
			break
		}
		b := f.buf[f.r:f.w]
		i := 0
		if f.spec.text {
			// count runes; the continuation bytes of the last one go along
			// (buf always ends on a character boundary)
			for i < len(b) && (count < n || !utf8.RuneStart(b[i])) {
				if utf8.RuneStart(b[i]) {
					count++
				}
				i++
			}
		} else {
			i = min(n-count, len(b))
			count += i
		}
		acc = append(acc, b[:i]...)
		f.r += i
	}
	if len(acc) == 0 && f.eof && f.r == f.w {
		return "", f.endErr()
	}
	return string(acc), nil
}

// ReadByte reads one byte (of UTF-8 in text mode).
func (f *File) ReadByte() (byte, error) {
	if err := f.checkRead(); err != nil {
		return 0, err
	}
	for f.r == f.w {
		if f.eof {
			return 0, f.endErr()
		}
		f.fill()
	}
	c := f.buf[f.r]
	f.r++
	f.canUnread = true
	return c, nil
}

// UnreadByte puts back the byte the last ReadByte returned.
func (f *File) UnreadByte() error {
	if err := f.checkRead(); err != nil {
		return err
	}
	if !f.canUnread || f.r == 0 {
		return ErrInvalidUnreadByte
	}
	f.r--
	f.canUnread = false
	return nil
}
