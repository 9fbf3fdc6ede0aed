package fileobj

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"
)

// errorMode is Python's `errors` argument.
type errorMode int

const (
	errStrict errorMode = iota
	errReplace
	errIgnore
)

func parseErrors(s string) (errorMode, error) {
	switch s {
	case "", "strict":
		return errStrict, nil
	case "replace":
		return errReplace, nil
	case "ignore":
		return errIgnore, nil
	}
	return 0, optionError(fmt.Sprintf("unknown error handler name '%s'", s))
}

type codecKind int

const (
	kindUTF8 codecKind = iota
	kindLatin1
	kindASCII
	kindCharmap // a single-byte x/text charmap: EncodeRune per character
	kindOther   // any other x/text encoding: a Transformer each way
)

// codec is a text encoding. UTF-8, Latin-1 and ASCII are done here, the
// way Python's codecs do them; the rest comes from golang.org/x/text.
type codec struct {
	name string // as the caller spelled it ("utf-8" when empty)
	kind codecKind
	enc  encoding.Encoding // kindCharmap, kindOther
	cm   *charmap.Charmap  // kindCharmap
	// fffd: the encoding can carry U+FFFD itself, so a U+FFFD from its
	// decoder does not prove an undecodable sequence (UTF-16, GB18030).
	fffd bool
	// asciiSafe: ASCII characters encode as themselves, one byte each.
	asciiSafe bool
}

// Python spellings that IANA does not know (Python normalises "_" to "-"
// as well, done below).
var pyAliases = map[string]string{
	"utf8": "utf-8", "u8": "utf-8", "utf": "utf-8", "cp65001": "utf-8",
	"latin1": "iso-8859-1", "latin-1": "iso-8859-1", "latin": "iso-8859-1",
	"l1": "iso-8859-1", "iso8859-1": "iso-8859-1", "8859": "iso-8859-1", "cp819": "iso-8859-1",
	"ascii": "us-ascii", "646": "us-ascii", "us": "us-ascii",
}

// lookupCodec finds an encoding by IANA name or a common Python alias.
func lookupCodec(name string) (*codec, error) {
	c := &codec{name: name}
	if name == "" {
		c.name = "utf-8"
	}
	n := strings.ToLower(strings.TrimSpace(c.name))
	if a, ok := pyAliases[n]; ok {
		n = a
	}
	e, err := ianaindex.IANA.Encoding(n)
	if (e == nil || err != nil) && strings.ContainsRune(n, '_') {
		n = strings.ReplaceAll(n, "_", "-")
		if a, ok := pyAliases[n]; ok {
			n = a
		}
		e, err = ianaindex.IANA.Encoding(n)
	}
	if e == nil || err != nil {
		// Python's cp1252 and iso8859-15 spellings
		alt := ""
		switch {
		case strings.HasPrefix(n, "cp125") && len(n) == 6:
			alt = "windows-" + n[2:]
		case strings.HasPrefix(n, "iso8859-"):
			alt = "iso-" + n[3:]
		}
		if alt != "" {
			e, err = ianaindex.IANA.Encoding(alt)
		}
	}
	if e == nil || err != nil {
		return nil, optionError("unknown encoding: " + c.name)
	}
	iana, _ := ianaindex.IANA.Name(e)
	switch iana {
	case "UTF-8":
		c.kind, c.asciiSafe = kindUTF8, true
		return c, nil
	case "ISO_8859-1:1987":
		c.kind, c.asciiSafe = kindLatin1, true
		return c, nil
	case "US-ASCII":
		c.kind, c.asciiSafe = kindASCII, true
		return c, nil
	}
	c.enc = e
	if cm, ok := e.(*charmap.Charmap); ok {
		c.kind, c.cm = kindCharmap, cm
		for r := rune(0); r < 0x80; r++ {
			if b, ok := cm.EncodeRune(r); !ok || rune(b) != r {
				goto notASCII
			}
		}
		c.asciiSafe = true
	notASCII:
		return c, nil
	}
	c.kind = kindOther
	if _, err := e.NewEncoder().String("\uFFFD"); err == nil {
		c.fffd = true
	}
	return c, nil
}

// DecodeError reports bytes a text-mode read could not decode with
// errors "strict" (Python's UnicodeDecodeError).
type DecodeError struct {
	Encoding string // as given to Open, e.g. "utf-8"
	Offset   int64  // file offset of the first undecodable byte (-1: unknown)
	Bytes    []byte // the undecodable bytes, when known
	Reason   string // "invalid start byte", "invalid continuation byte", ...
}

func (e *DecodeError) Error() string {
	switch {
	case len(e.Bytes) == 1:
		return fmt.Sprintf("'%s' codec can't decode byte 0x%02x in position %d: %s", e.Encoding, e.Bytes[0], e.Offset, e.Reason)
	case len(e.Bytes) > 1:
		return fmt.Sprintf("'%s' codec can't decode bytes in position %d-%d: %s", e.Encoding, e.Offset, e.Offset+int64(len(e.Bytes))-1, e.Reason)
	case e.Offset >= 0:
		return fmt.Sprintf("'%s' codec can't decode bytes at or after position %d: %s", e.Encoding, e.Offset, e.Reason)
	}
	return fmt.Sprintf("'%s' codec can't decode: %s", e.Encoding, e.Reason)
}

// EncodeError reports a character that a text-mode write could not encode
// with errors "strict" (Python's UnicodeEncodeError).
type EncodeError struct {
	Encoding string
	Char     rune
	Reason   string // "ordinal not in range(256)", "character maps to <undefined>"
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("'%s' codec can't encode character '%s': %s", e.Encoding, pyEscape(e.Char), e.Reason)
}

// pyEscape spells a character as Python's error messages do.
func pyEscape(r rune) string {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0xff):
		return fmt.Sprintf(`\x%02x`, r)
	case r < 0x80:
		return string(r)
	case r <= 0xffff:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}

// ErrInvalidText is returned by a text-mode write of bytes that are not
// UTF-8, with errors "strict".
var ErrInvalidText = errors.New("fileobj: text written is not valid UTF-8")

// ---------------------------------------------------------------------------
// Decoding. A decoder has transform.Transformer's contract: it converts src
// into UTF-8 in dst, returns transform.ErrShortDst when dst is full and
// transform.ErrShortSrc when src ends inside a sequence (and !atEOF). A
// strict decoder returns a *DecodeError whose Offset is relative to src;
// nDst and nSrc then cover the text before the bad bytes.

type decoder interface {
	Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error)
}

func (c *codec) newDecoder(mode errorMode) decoder {
	switch c.kind {
	case kindUTF8:
		return &utf8Decoder{mode: mode, name: c.name}
	case kindLatin1:
		return latin1Decoder{}
	case kindASCII:
		return &asciiDecoder{mode: mode, name: c.name}
	}
	return &xDecoder{t: c.enc.NewDecoder(), mode: mode, name: c.name, fffd: c.fffd}
}

// utf8Decoder is Python's UTF-8 decoder: a maximal invalid subpart (a lead
// byte and the continuation bytes that fit it) is one error, replaced by
// one U+FFFD.
type utf8Decoder struct {
	mode errorMode
	name string
}

func (d *utf8Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	slowEnd := 0 // bytes before it go one at a time
	for nSrc < len(src) {
		if nSrc >= slowEnd {
			// fast path: a block of valid UTF-8 is copied as it is
			n := min(len(src)-nSrc, len(dst)-nDst, 4096)
			end := n
			for i := n - 1; i >= 0 && i >= n-utf8.UTFMax; i-- {
				if utf8.RuneStart(src[nSrc+i]) {
					if !utf8.FullRune(src[nSrc+i : nSrc+n]) {
						end = i
					}
					break
				}
			}
			if end > 0 && utf8.Valid(src[nSrc:nSrc+end]) {
				copy(dst[nDst:], src[nSrc:nSrc+end])
				nDst += end
				nSrc += end
				continue
			}
			slowEnd = nSrc + max(end, 1)
		}
		b := src[nSrc]
		if b < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = b
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r != utf8.RuneError || size > 1 {
			if nDst+size > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			copy(dst[nDst:], src[nSrc:nSrc+size])
			nDst += size
			nSrc += size
			continue
		}
		// invalid or incomplete: find the maximal subpart
		need := 0
		lo, hi := byte(0x80), byte(0xbf)
		switch {
		case b >= 0xc2 && b <= 0xdf:
			need = 2
		case b >= 0xe0 && b <= 0xef:
			need = 3
			if b == 0xe0 {
				lo = 0xa0
			} else if b == 0xed {
				hi = 0x9f
			}
		case b >= 0xf0 && b <= 0xf4:
			need = 4
			if b == 0xf0 {
				lo = 0x90
			} else if b == 0xf4 {
				hi = 0x8f
			}
		}
		k := 1
		reason := "invalid start byte"
		if need > 0 {
			for k < need && nSrc+k < len(src) {
				c := src[nSrc+k]
				if k == 1 && (c < lo || c > hi) || k > 1 && (c < 0x80 || c > 0xbf) {
					break
				}
				k++
			}
			if nSrc+k == len(src) {
				if !atEOF {
					return nDst, nSrc, transform.ErrShortSrc
				}
				reason = "unexpected end of data"
			} else {
				reason = "invalid continuation byte"
			}
		}
		switch d.mode {
		case errStrict:
			return nDst, nSrc, &DecodeError{Encoding: d.name, Offset: int64(nSrc),
				Bytes: append([]byte(nil), src[nSrc:nSrc+k]...), Reason: reason}
		case errReplace:
			if nDst+3 > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += copy(dst[nDst:], "\uFFFD")
		}
		nSrc += k
	}
	return nDst, nSrc, nil
}

type latin1Decoder struct{}

func (latin1Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		b := src[nSrc]
		if b < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = b
			nDst++
		} else {
			if nDst+2 > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = 0xc0 | b>>6
			dst[nDst+1] = 0x80 | b&0x3f
			nDst += 2
		}
		nSrc++
	}
	return nDst, nSrc, nil
}

type asciiDecoder struct {
	mode errorMode
	name string
}

func (d *asciiDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		b := src[nSrc]
		if b < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = b
			nDst++
		} else {
			switch d.mode {
			case errStrict:
				return nDst, nSrc, &DecodeError{Encoding: d.name, Offset: int64(nSrc),
					Bytes: []byte{b}, Reason: "ordinal not in range(128)"}
			case errReplace:
				if nDst+3 > len(dst) {
					return nDst, nSrc, transform.ErrShortDst
				}
				nDst += copy(dst[nDst:], "\uFFFD")
			}
		}
		nSrc++
	}
	return nDst, nSrc, nil
}

var replacementChar = []byte("\uFFFD")

// xDecoder wraps an x/text decoder. Those replace what they cannot decode
// with U+FFFD; strict mode stops there, ignore mode drops it.
type xDecoder struct {
	t    transform.Transformer
	mode errorMode
	name string
	fffd bool
}

func (d *xDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	nDst, nSrc, err = d.t.Transform(dst, src, atEOF)
	if d.mode == errReplace || d.fffd {
		return nDst, nSrc, err
	}
	out := dst[:nDst]
	i := bytes.Index(out, replacementChar)
	if i < 0 {
		return nDst, nSrc, err
	}
	if d.mode == errStrict {
		return i, 0, &DecodeError{Encoding: d.name, Offset: -1, Reason: "undecodable bytes"}
	}
	// ignore: drop every U+FFFD
	w := 0
	for r := 0; r < len(out); {
		if r+3 <= len(out) && out[r] == 0xef && out[r+1] == 0xbf && out[r+2] == 0xbd {
			r += 3
			continue
		}
		out[w] = out[r]
		w++
		r++
	}
	return w, nSrc, err
}

// ---------------------------------------------------------------------------
// Encoding, one character at a time into dst.

// encodeRune appends the encoding of r (whose UTF-8 form is s) to dst.
// ok false: r cannot be encoded. It may also return transform.ErrShortDst.
type runeEncoder struct {
	c *codec
	t transform.Transformer // kindOther
}

func (c *codec) newEncoder() *runeEncoder {
	e := &runeEncoder{c: c}
	if c.kind == kindOther {
		e.t = c.enc.NewEncoder()
	}
	return e
}

// errUnencodable: the character has no encoding.
var errUnencodable = errors.New("unencodable")

// encode writes the encoding of r (UTF-8 bytes s) into dst and returns
// the bytes written. Errors: transform.ErrShortDst (dst too small; nothing
// written) or errUnencodable.
func (e *runeEncoder) encode(dst []byte, r rune, s []byte) (int, error) {
	switch e.c.kind {
	case kindUTF8:
		if len(dst) < len(s) {
			return 0, transform.ErrShortDst
		}
		return copy(dst, s), nil
	case kindLatin1, kindASCII:
		max := rune(0xff)
		if e.c.kind == kindASCII {
			max = 0x7f
		}
		if r > max {
			return 0, errUnencodable
		}
		if len(dst) < 1 {
			return 0, transform.ErrShortDst
		}
		dst[0] = byte(r)
		return 1, nil
	case kindCharmap:
		b, ok := e.c.cm.EncodeRune(r)
		if !ok {
			return 0, errUnencodable
		}
		if len(dst) < 1 {
			return 0, transform.ErrShortDst
		}
		dst[0] = b
		return 1, nil
	}
	nDst, _, err := e.t.Transform(dst, s, false)
	if err == transform.ErrShortDst {
		return 0, err
	}
	if err != nil {
		var rep interface{ Replacement() byte }
		if errors.As(err, &rep) {
			return 0, errUnencodable
		}
		return nDst, err
	}
	return nDst, nil
}

// flush ends a stateful encoding (ISO-2022-JP's return to ASCII).
func (e *runeEncoder) flush(dst []byte) (int, error) {
	if e.t == nil {
		return 0, nil
	}
	n, _, err := e.t.Transform(dst, nil, true)
	return n, err
}

func (e *runeEncoder) reason() string {
	switch e.c.kind {
	case kindLatin1:
		return "ordinal not in range(256)"
	case kindASCII:
		return "ordinal not in range(128)"
	}
	return "character maps to <undefined>"
}
