package fileobj

import (
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// Write writes p: bytes in binary mode; in text mode p is UTF-8 text,
// whose "\n" become Options.Newline and which is encoded to the file's
// encoding. A character split across two Writes is put together. Data is
// buffered; Close (or Flush) sends the rest.
func (f *File) Write(p []byte) (int, error) {
	if err := f.checkWrite(); err != nil {
		return 0, err
	}
	if f.werr != nil {
		return 0, f.pathErr("write", f.werr)
	}
	if f.spec.text {
		return f.writeText(p)
	}
	n := 0
	for len(p) > 0 {
		if f.wn == 0 && len(p) >= len(f.wbuf) {
			// large writes bypass the buffer
			m, err := f.stream.Write(p)
			n += m
			f.pos += int64(m)
			if err == nil && m < len(p) {
				err = io.ErrShortWrite
			}
			if err != nil {
				return n, f.streamFail(err)
			}
			return n, nil
		}
		k := copy(f.wbuf[f.wn:], p)
		f.wn += k
		f.pos += int64(k)
		n += k
		p = p[k:]
		if f.wn == len(f.wbuf) {
			if err := f.flushBuf(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// WriteString is Write of a string.
func (f *File) WriteString(s string) (int, error) {
	if f.spec.text || f.closed || !f.spec.write || f.werr != nil {
		return f.Write([]byte(s))
	}
	// binary: copy through the buffer, no conversion
	n := 0
	for len(s) > 0 {
		k := copy(f.wbuf[f.wn:], s)
		f.wn += k
		f.pos += int64(k)
		n += k
		s = s[k:]
		if f.wn == len(f.wbuf) {
			if err := f.flushBuf(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// WriteLines writes each string as it is, adding no line ends (ftputil's
// writelines()).
func (f *File) WriteLines(lines []string) error {
	for _, l := range lines {
		if _, err := f.WriteString(l); err != nil {
			return err
		}
	}
	if len(lines) == 0 {
		return f.checkWrite()
	}
	return nil
}

// ReadFrom copies src into the file until io.EOF (io.Copy uses it): binary
// mode reads straight into the file's one buffer and sends it when full;
// from a local file it sends without the buffer when the stream can (see
// StreamCopier).
func (f *File) ReadFrom(src io.Reader) (int64, error) {
	if err := f.checkWrite(); err != nil {
		return 0, err
	}
	if f.werr != nil {
		return 0, f.pathErr("write", f.werr)
	}
	var total int64
	if f.spec.text {
		tmp := make([]byte, 32<<10)
		for {
			n, err := src.Read(tmp)
			if n > 0 {
				m, werr := f.writeText(tmp[:n])
				total += int64(m)
				if werr != nil {
					return total, werr
				}
			}
			if err == io.EOF {
				return total, nil
			}
			if err != nil {
				return total, err
			}
		}
	}
	if sc, ok := f.stream.(StreamCopier); ok {
		if err := f.flushBuf(); err != nil {
			return 0, err
		}
		n, handled, err := sc.CopyFrom(src)
		f.pos += n
		if handled {
			if err != nil {
				// sent in part, read or sent, nobody knows: the upload is over
				return n, f.streamFail(err)
			}
			return n, nil
		}
	}
	empties := 0
	for {
		if f.wn == len(f.wbuf) {
			if err := f.flushBuf(); err != nil {
				return total, err
			}
		}
		n, err := src.Read(f.wbuf[f.wn:])
		f.wn += n
		f.pos += int64(n)
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		if n == 0 {
			if empties++; empties >= maxEmptyReads {
				return total, io.ErrNoProgress
			}
		} else {
			empties = 0
		}
	}
}

// Flush sends the buffered data.
func (f *File) Flush() error {
	if err := f.checkWrite(); err != nil {
		return err
	}
	if f.werr != nil {
		return f.pathErr("write", f.werr)
	}
	return f.flushBuf()
}

func (f *File) flushBuf() error {
	if f.wn == 0 {
		return nil
	}
	m, err := f.stream.Write(f.wbuf[:f.wn])
	if err == nil && m < f.wn {
		err = io.ErrShortWrite
	}
	if err != nil {
		return f.streamFail(err)
	}
	f.wn = 0
	return nil
}

// streamFail records a failed write to the data stream: the upload is
// over; Close reports why (the server's final reply).
func (f *File) streamFail(err error) error {
	f.werr = err
	f.wn = 0
	return f.pathErr("write", err)
}

// finishWrite sends what Close must send: an incomplete character held
// back, the encoder's closing state and the buffer.
func (f *File) finishWrite() error {
	if f.werr != nil {
		return f.werr
	}
	var errs []error
	if f.spec.text {
		if f.npend > 0 {
			f.npend = 0
			if err := f.badText(); err != nil {
				errs = append(errs, err)
			}
		}
		for f.werr == nil {
			m, err := f.enc.flush(f.wbuf[f.wn:])
			if err == transform.ErrShortDst && f.wn > 0 {
				if err := f.flushBuf(); err != nil {
					break
				}
				continue
			}
			f.wn += m
			if err != nil {
				errs = append(errs, f.pathErr("write", err))
			}
			break
		}
	}
	if f.werr == nil {
		if err := f.flushBuf(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeText translates and encodes UTF-8 text p into wbuf.
func (f *File) writeText(p []byte) (int, error) {
	n := 0
	if f.npend > 0 {
		// complete the character held back by the last Write
		var t [2 * utf8Max]byte
		k := copy(t[:], f.pend[:f.npend])
		k += copy(t[k:], p[:min(len(p), utf8Max-1)])
		if !utf8.FullRune(t[:k]) {
			n = copy(f.pend[f.npend:], p)
			f.npend += n
			return n, nil
		}
		held := f.npend
		f.npend = 0
		r, size := utf8.DecodeRune(t[:k])
		if r == utf8.RuneError && size <= 1 {
			// the held bytes and those of p that still fitted them are
			// one invalid sequence
			m := held
			for m < k && !utf8.FullRune(t[:m+1]) {
				m++
			}
			if err := f.badText(); err != nil {
				return 0, err
			}
			n = m - held
		} else {
			if err := f.emitRune(r, t[:size]); err != nil {
				return 0, err
			}
			n = size - held
		}
	}
	c := f.enc.c
	if c.kind == kindUTF8 && f.nl == "" {
		// fast path: valid UTF-8 goes as it is
		for n < len(p) {
			room := len(f.wbuf) - f.wn
			if room < utf8Max {
				if err := f.flushBuf(); err != nil {
					return n, err
				}
				continue
			}
			chunk := p[n:min(len(p), n+room)]
			end := len(chunk)
			for i := end - 1; i >= 0 && i >= end-utf8Max; i-- {
				if utf8.RuneStart(chunk[i]) {
					if !utf8.FullRune(chunk[i:]) {
						end = i
					}
					break
				}
			}
			if end == 0 || !utf8.Valid(chunk[:end]) {
				break
			}
			f.wn += copy(f.wbuf[f.wn:], chunk[:end])
			n += end
		}
	}
	for n < len(p) {
		b := p[n]
		if b < utf8.RuneSelf && c.asciiSafe && (b != '\n' || f.nl == "") {
			// a run of ASCII goes as it is
			j := n + 1
			for j < len(p) && p[j] < utf8.RuneSelf && (p[j] != '\n' || f.nl == "") {
				j++
			}
			for n < j {
				if f.wn == len(f.wbuf) {
					if err := f.flushBuf(); err != nil {
						return n, err
					}
				}
				k := copy(f.wbuf[f.wn:], p[n:j])
				f.wn += k
				n += k
			}
			continue
		}
		if b < utf8.RuneSelf {
			if b == '\n' && f.nl != "" {
				for i := 0; i < len(f.nl); i++ {
					if err := f.emitASCII(f.nl[i]); err != nil {
						return n, err
					}
				}
			} else if err := f.emitASCII(b); err != nil {
				return n, err
			}
			n++
			continue
		}
		if !utf8.FullRune(p[n:]) {
			f.npend = copy(f.pend[:], p[n:])
			return len(p), nil
		}
		r, size := utf8.DecodeRune(p[n:])
		if r == utf8.RuneError && size == 1 {
			// one '?' for a lead byte and the continuation bytes that fit it
			m := 1
			for n+m < len(p) && !utf8.FullRune(p[n:n+m+1]) {
				m++
			}
			if err := f.badText(); err != nil {
				return n, err
			}
			n += m
			continue
		}
		if err := f.emitRune(r, p[n:n+size]); err != nil {
			return n, err
		}
		n += size
	}
	return n, nil
}

func (f *File) emitASCII(b byte) error {
	if !f.enc.c.asciiSafe {
		return f.emitRune(rune(b), []byte{b})
	}
	if f.wn == len(f.wbuf) {
		if err := f.flushBuf(); err != nil {
			return err
		}
	}
	f.wbuf[f.wn] = b
	f.wn++
	return nil
}

var question = []byte("?")

// emitRune encodes one character into wbuf.
func (f *File) emitRune(r rune, s []byte) error {
	for {
		m, err := f.enc.encode(f.wbuf[f.wn:], r, s)
		switch {
		case err == nil:
			f.wn += m
			return nil
		case err == transform.ErrShortDst && f.wn > 0:
			if err := f.flushBuf(); err != nil {
				return err
			}
		case err == errUnencodable:
			switch f.spec.errs {
			case errStrict:
				return f.pathErr("write", &EncodeError{Encoding: f.enc.c.name, Char: r, Reason: f.enc.reason()})
			case errReplace:
				if r == '?' {
					return f.pathErr("write", &EncodeError{Encoding: f.enc.c.name, Char: r, Reason: f.enc.reason()})
				}
				r, s = '?', question
			default:
				return nil
			}
		default:
			return f.pathErr("write", err)
		}
	}
}

// badText handles bytes of p that are not UTF-8.
func (f *File) badText() error {
	switch f.spec.errs {
	case errStrict:
		return f.pathErr("write", ErrInvalidText)
	case errReplace:
		return f.emitRune('?', question)
	}
	return nil
}
