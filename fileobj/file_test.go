package fileobj

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/textproto"
	"runtime"
	"strings"
	"testing"
)

// Options are checked before anything is sent; a refused Open releases
// the connection once, clean.
func TestOpenValidation(t *testing.T) {
	cases := []struct {
		name   string
		o      Options
		is     error
		msg    string // the wrapped error's text
		opname string
	}{
		{"f", Options{Mode: "r+"}, ErrInvalidMode, "invalid mode 'r+'", ""},
		{"f", Options{Mode: "x"}, ErrInvalidMode, "invalid mode 'x'", ""},
		{"f", Options{Mode: "rbt"}, ErrInvalidMode, "invalid mode 'rbt'", ""},
		{"f", Options{Mode: "br"}, ErrInvalidMode, "invalid mode 'br'", ""},
		{"f", Options{Mode: "w+"}, ErrInvalidMode, "invalid mode 'w+'", ""},
		{"f", Options{Mode: "U"}, ErrInvalidMode, "invalid mode 'U'", ""},
		{"f", Options{Mode: "r", Rest: 3}, ErrRestText, "`rest` argument can't be used for text files", ""},
		{"f", Options{Mode: "wt", Rest: 3}, ErrRestText, "`rest` argument can't be used for text files", ""},
		{"f", Options{Mode: "a", Rest: 3}, ErrRestText, "`rest` argument can't be used for text files", ""},
		{"f", Options{Mode: "ab", Rest: 3}, ErrInvalidOption, "`rest` argument can't be used in append mode", ""},
		{"f", Options{Mode: "rb", Rest: -1}, ErrInvalidOption, "negative `rest` argument -1", ""},
		{"f", Options{Mode: "rb", Encoding: "utf-8"}, ErrInvalidOption, "binary mode doesn't take an encoding argument", ""},
		{"f", Options{Mode: "wb", Errors: "strict"}, ErrInvalidOption, "binary mode doesn't take an errors argument", ""},
		{"f", Options{Mode: "ab", Newline: strp("")}, ErrInvalidOption, "binary mode doesn't take a newline argument", ""},
		{"f", Options{Encoding: "no-such-codec"}, ErrInvalidOption, "unknown encoding: no-such-codec", ""},
		{"f", Options{Errors: "bogus"}, ErrInvalidOption, "unknown error handler name 'bogus'", ""},
		{"f", Options{Mode: "w", Newline: strp("x")}, ErrInvalidOption, "illegal newline value: x", ""},
		{"", Options{}, fs.ErrInvalid, fs.ErrInvalid.Error(), ""},
		{"a\r\nDELE b", Options{}, fs.ErrInvalid, fs.ErrInvalid.Error(), ""},
		{"a\nb", Options{Mode: "wb"}, fs.ErrInvalid, fs.ErrInvalid.Error(), ""},
		{"a\x00b", Options{Mode: "w"}, fs.ErrInvalid, fs.ErrInvalid.Error(), ""},
	}
	for _, c := range cases {
		conn := &fakeConn{}
		var rel releases
		f, err := Open(context.Background(), conn, c.name, c.o, rel.fn)
		if f != nil {
			t.Errorf("Open(%q, %+v) returned a file", c.name, c.o)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "open" || pe.Path != c.name {
			t.Errorf("Open(%q, %+v): %v, want *fs.PathError with Op open", c.name, c.o, err)
			continue
		}
		if !errors.Is(err, c.is) || pe.Err.Error() != c.msg {
			t.Errorf("Open(%q, %+v): %q, want %q (%v)", c.name, c.o, pe.Err.Error(), c.msg, c.is)
		}
		if len(conn.cmds) != 0 {
			t.Errorf("Open(%q, %+v) sent %q", c.name, c.o, conn.cmds)
		}
		rel.check(t, 1, true)
	}
}

func TestOpenCommands(t *testing.T) {
	cases := []struct {
		mode string
		rest int64
		cmd  string
	}{
		{"", 0, "RETR f x"}, {"r", 0, "RETR f x"}, {"rt", 0, "RETR f x"}, {"rb", 0, "RETR f x"},
		{"rb", 3, "RETR f x"}, {"w", 0, "STOR f x"}, {"wt", 0, "STOR f x"}, {"wb", 0, "STOR f x"},
		{"wb", 3, "STOR f x"}, {"a", 0, "APPE f x"}, {"at", 0, "APPE f x"}, {"ab", 0, "APPE f x"},
	}
	for _, c := range cases {
		conn := &fakeConn{data: []byte("abcdef")}
		var rel releases
		f, err := Open(context.Background(), conn, "f x", Options{Mode: c.mode, Rest: c.rest}, rel.fn)
		if err != nil {
			t.Fatalf("mode %q: %v", c.mode, err)
		}
		if len(conn.cmds) != 1 || conn.cmds[0] != c.cmd || conn.offsets[0] != c.rest {
			t.Errorf("mode %q rest %d: sent %q %v, want %q", c.mode, c.rest, conn.cmds, conn.offsets, c.cmd)
		}
		wantMode := c.mode
		if wantMode == "" {
			wantMode = "r"
		}
		if f.Name() != "f x" || f.Mode() != wantMode || f.Closed() {
			t.Errorf("Name %q Mode %q Closed %v", f.Name(), f.Mode(), f.Closed())
		}
		rel.check(t, 0, true)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		rel.check(t, 1, true)
		if err := f.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		rel.check(t, 1, true)
		if !f.Closed() || conn.open != 0 || conn.closed != 1 {
			t.Errorf("after Close: Closed %v, open streams %d, closed %d", f.Closed(), conn.open, conn.closed)
		}
	}
}

func TestOpenRefused(t *testing.T) {
	// a reply: the connection is in step
	conn := &fakeConn{openErr: replyErr(550, "No such file or directory.")}
	var rel releases
	_, err := Open(context.Background(), conn, "missing", Options{}, rel.fn)
	var tpErr *textproto.Error
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != "open" || !errors.As(err, &tpErr) || tpErr.Code != 550 {
		t.Fatalf("got %v, want a PathError holding the 550 reply", err)
	}
	rel.check(t, 1, true)
	// a transport failure: the connection must go
	conn = &fakeConn{openErr: io.ErrUnexpectedEOF}
	rel = releases{}
	_, err = Open(context.Background(), conn, "f", Options{Mode: "wb"}, rel.fn)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v", err)
	}
	rel.check(t, 1, false)
	// a Conn with Broken() decides
	broken := false
	conn = &fakeConn{openErr: io.ErrUnexpectedEOF, broken: &broken}
	rel = releases{}
	Open(context.Background(), brokenConn{conn}, "f", Options{}, rel.fn)
	rel.check(t, 1, true)
	broken = true
	conn.openErr = replyErr(550, "x")
	rel = releases{}
	Open(context.Background(), brokenConn{conn}, "f", Options{}, rel.fn)
	rel.check(t, 1, false)
}

// A failure the server reports in the final reply is Close's error, and
// the connection, in step, is released clean.
func TestCloseFinalReply(t *testing.T) {
	for _, mode := range []string{"w", "wb", "a", "ab"} {
		conn := &fakeConn{closeErr: replyErr(452, "Insufficient storage space")}
		var rel releases
		f, err := Open(context.Background(), conn, "big", Options{Mode: mode}, rel.fn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("data\n"); err != nil {
			t.Fatalf("%s: Write: %v", mode, err)
		}
		err = f.Close()
		var tpErr *textproto.Error
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "close" || !errors.As(err, &tpErr) || tpErr.Code != 452 {
			t.Fatalf("%s: Close: %v, want a PathError holding 452", mode, err)
		}
		if conn.written.String() != "data\n" {
			t.Errorf("%s: wrote %q", mode, conn.written.String())
		}
		rel.check(t, 1, true)
		if err := f.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		rel.check(t, 1, true)
	}
	// a download the server cut short
	conn := &fakeConn{data: []byte("partial"), closeErr: replyErr(426, "Connection closed; transfer aborted.")}
	f := openFake(t, conn, "f", Options{Mode: "rb"})
	if b, err := io.ReadAll(f); err != nil || string(b) != "partial" {
		t.Fatalf("ReadAll: %q %v", b, err)
	}
	var tpErr *textproto.Error
	if err := f.Close(); !errors.As(err, &tpErr) || tpErr.Code != 426 {
		t.Fatalf("Close: %v, want 426", err)
	}
}

// An abort the server never answers leaves the connection unusable,
// although Close itself succeeds.
func TestCloseLeavesConnBroken(t *testing.T) {
	broken := false
	conn := &fakeConn{data: bytes.Repeat([]byte("x"), 1000), broken: &broken}
	var rel releases
	f, err := Open(context.Background(), brokenConn{conn}, "f", Options{Mode: "rb"}, rel.fn)
	if err != nil {
		t.Fatal(err)
	}
	broken = true
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	rel.check(t, 1, false)
	// a transport error at Close without Broken(): discard
	conn = &fakeConn{closeErr: io.ErrUnexpectedEOF}
	rel = releases{}
	f, _ = Open(context.Background(), conn, "f", Options{Mode: "wb"}, rel.fn)
	if err := f.Close(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Close: %v", err)
	}
	rel.check(t, 1, false)
}

func TestUseAfterCloseAndWrongDirection(t *testing.T) {
	r := openFake(t, &fakeConn{data: []byte("abc\n")}, "f", Options{})
	w := openFake(t, &fakeConn{}, "g", Options{Mode: "wb"})
	buf := make([]byte, 4)
	check := func(what string, err, want error) {
		t.Helper()
		var pe *fs.PathError
		if !errors.Is(err, want) || !errors.As(err, &pe) {
			t.Errorf("%s: %v, want a PathError wrapping %v", what, err, want)
		}
	}
	_, err := w.Read(buf)
	check("Read of an upload", err, ErrNotReadable)
	_, err = w.ReadLine()
	check("ReadLine of an upload", err, ErrNotReadable)
	_, err = w.ReadLines()
	check("ReadLines of an upload", err, ErrNotReadable)
	_, err = w.ReadChars(-1)
	check("ReadChars of an upload", err, ErrNotReadable)
	_, err = w.ReadByte()
	check("ReadByte of an upload", err, ErrNotReadable)
	_, err = w.WriteTo(io.Discard)
	check("WriteTo of an upload", err, ErrNotReadable)
	_, err = r.Write(buf)
	check("Write of a download", err, ErrNotWritable)
	_, err = r.WriteString("x")
	check("WriteString of a download", err, ErrNotWritable)
	check("WriteLines of a download", r.WriteLines([]string{"x"}), ErrNotWritable)
	check("WriteLines(nil) of a download", r.WriteLines(nil), ErrNotWritable)
	check("Flush of a download", r.Flush(), ErrNotWritable)
	_, err = r.ReadFrom(strings.NewReader("x"))
	check("ReadFrom of a download", err, ErrNotWritable)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = r.Read(buf)
	check("Read after Close", err, fs.ErrClosed)
	_, err = r.ReadLine()
	check("ReadLine after Close", err, fs.ErrClosed)
	_, err = w.Write(buf)
	check("Write after Close", err, fs.ErrClosed)
	_, err = w.WriteString("x")
	check("WriteString after Close", err, fs.ErrClosed)
	_, err = r.Seek(0, io.SeekCurrent)
	check("Seek after Close", err, fs.ErrClosed)
}

func TestBinaryLinesAndChars(t *testing.T) {
	f := openFake(t, &fakeConn{data: []byte("a\r\nb\rc\n\nlast"), chunk: 2}, "f", Options{Mode: "rb"})
	lines, err := f.ReadLines()
	want := []string{"a\r\n", "b\rc\n", "\n", "last"}
	if err != nil || !equalLines(lines, want) {
		t.Fatalf("ReadLines: %q %v, want %q", lines, err, want)
	}
	if l, err := f.ReadLine(); l != "" || err != io.EOF {
		t.Fatalf("ReadLine at the end: %q %v", l, err)
	}
	if lines, err := f.ReadLines(); len(lines) != 0 || err != nil {
		t.Fatalf("ReadLines at the end: %q %v", lines, err)
	}
	f.Close()

	f = openFake(t, &fakeConn{data: []byte("abcdefg"), chunk: 3}, "f", Options{Mode: "rb"})
	for _, step := range []struct {
		n    int
		want string
		err  error
	}{{0, "", nil}, {4, "abcd", nil}, {4, "efg", nil}, {0, "", io.EOF}, {4, "", io.EOF}, {-1, "", nil}} {
		if got, err := f.ReadChars(step.n); got != step.want || err != step.err {
			t.Fatalf("ReadChars(%d) = %q, %v; want %q, %v", step.n, got, err, step.want, step.err)
		}
	}
	f.Close()

	// text: characters, not bytes
	f = openFake(t, &fakeConn{data: []byte("é€😀ab"), chunk: 1}, "f", Options{})
	for _, want := range []string{"é€", "😀a", "b"} {
		if got, err := f.ReadChars(2); got != want || err != nil {
			t.Fatalf("ReadChars(2) = %q, %v; want %q", got, err, want)
		}
	}
	f.Close()
}

func TestReadByteUnreadByte(t *testing.T) {
	f := openFake(t, &fakeConn{data: []byte("12x"), chunk: 1}, "f", Options{})
	defer f.Close()
	if err := f.UnreadByte(); err != ErrInvalidUnreadByte {
		t.Fatalf("UnreadByte first: %v", err)
	}
	var digits []byte
	for {
		c, err := f.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		if c < '0' || c > '9' {
			if err := f.UnreadByte(); err != nil {
				t.Fatal(err)
			}
			break
		}
		digits = append(digits, c)
	}
	if rest, err := f.ReadChars(-1); string(digits) != "12" || rest != "x" || err != nil {
		t.Fatalf("digits %q rest %q %v", digits, rest, err)
	}
	if _, err := f.ReadByte(); err != io.EOF {
		t.Fatalf("ReadByte at the end: %v", err)
	}
}

// A read error ends the data: what came before is delivered, then the
// error, wrapped, every time.
func TestReadError(t *testing.T) {
	boom := errors.New("connection reset")
	for _, mode := range []string{"r", "rb"} {
		f := openFake(t, &fakeConn{data: []byte("line\npartial"), readErr: boom}, "f", Options{Mode: mode})
		if l, err := f.ReadLine(); l != "line\n" || err != nil {
			t.Fatalf("%s: first line %q %v", mode, l, err)
		}
		l, err := f.ReadLine()
		var pe *fs.PathError
		if l != "partial" || !errors.Is(err, boom) || !errors.As(err, &pe) || pe.Op != "read" {
			t.Fatalf("%s: partial line %q %v", mode, l, err)
		}
		if _, err := f.Read(make([]byte, 10)); !errors.Is(err, boom) {
			t.Fatalf("%s: Read after the error: %v", mode, err)
		}
		if _, err := f.WriteTo(io.Discard); !errors.Is(err, boom) {
			t.Fatalf("%s: WriteTo after the error: %v", mode, err)
		}
		f.Close()
	}
}

func TestDecodeErrorOffset(t *testing.T) {
	f := openFake(t, &fakeConn{data: []byte("abc\ndef\xffghi"), chunk: 3}, "f", Options{})
	b, err := io.ReadAll(f)
	var de *DecodeError
	if string(b) != "abc\ndef" || !errors.As(err, &de) {
		t.Fatalf("got %q %v", b, err)
	}
	if want := "'utf-8' codec can't decode byte 0xff in position 7: invalid start byte"; de.Error() != want || de.Offset != 7 {
		t.Fatalf("got %q (offset %d), want %q", de.Error(), de.Offset, want)
	}
	f.Close()
	f = openFake(t, &fakeConn{data: []byte("ab\xe2\x82"), chunk: 1}, "f", Options{})
	_, err = io.ReadAll(f)
	if want := "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data"; !errors.As(err, &de) || de.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	f.Close()
}

func TestSeek(t *testing.T) {
	f := openFake(t, &fakeConn{data: []byte("0123456789"), chunk: 4}, "f", Options{Mode: "rb", Rest: 3})
	if pos, err := f.Seek(0, io.SeekCurrent); pos != 3 || err != nil {
		t.Fatalf("Seek at start: %d %v", pos, err)
	}
	if s, _ := f.ReadChars(2); s != "34" {
		t.Fatalf("read %q", s)
	}
	if pos, err := f.Seek(0, io.SeekCurrent); pos != 5 || err != nil {
		t.Fatalf("Seek after 2 bytes: %d %v", pos, err)
	}
	for _, c := range [][2]int64{{0, io.SeekStart}, {1, io.SeekCurrent}, {0, io.SeekEnd}} {
		if _, err := f.Seek(c[0], int(c[1])); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Seek(%d, %d): %v", c[0], c[1], err)
		}
	}
	f.Close()
	w := openFake(t, &fakeConn{}, "f", Options{Mode: "wb", Rest: 5})
	w.WriteString("abc")
	if pos, err := w.Seek(0, io.SeekCurrent); pos != 8 || err != nil {
		t.Fatalf("Seek in upload: %d %v", pos, err)
	}
	w.Close()
	tf := openFake(t, &fakeConn{}, "f", Options{})
	if _, err := tf.Seek(0, io.SeekCurrent); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Seek in text mode: %v", err)
	}
	tf.Close()
}

func TestWriteBinary(t *testing.T) {
	conn := &fakeConn{}
	f := openFake(t, conn, "f", Options{Mode: "wb"})
	var want bytes.Buffer
	for i := 0; i < 1000; i++ {
		f.Write([]byte{byte(i)})
		want.WriteByte(byte(i))
	}
	f.WriteString("string")
	want.WriteString("string")
	f.WriteLines([]string{"a\n", "b", "c\n"})
	want.WriteString("a\nbc\n")
	if conn.writes != 0 {
		t.Errorf("%d small writes reached the stream before Close", conn.writes)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), bufSize/8) // two buffers
	f.Write(big)
	want.Write(big)
	n, err := f.ReadFrom(bytes.NewReader(big))
	want.Write(big)
	if n != int64(len(big)) || err != nil {
		t.Fatalf("ReadFrom: %d %v", n, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(conn.written.Bytes(), want.Bytes()) {
		t.Fatalf("wrote %d bytes, want %d", conn.written.Len(), want.Len())
	}
	if conn.writes > 6 {
		t.Errorf("%d writes on the stream for %d bytes", conn.writes, want.Len())
	}
}

// A failed write to the data stream is reported by Write (or Flush) and
// again by Close, which also reports the final reply.
func TestWriteStreamError(t *testing.T) {
	reset := errors.New("connection reset by peer")
	conn := &fakeConn{writeErr: reset}
	f := openFake(t, conn, "f", Options{Mode: "wb"})
	if _, err := f.WriteString("small"); err != nil {
		t.Fatalf("buffered write: %v", err)
	}
	if err := f.Flush(); !errors.Is(err, reset) {
		t.Fatalf("Flush: %v", err)
	}
	if _, err := f.WriteString("more"); !errors.Is(err, reset) {
		t.Fatalf("write after the failure: %v", err)
	}
	if err := f.Close(); !errors.Is(err, reset) {
		t.Fatalf("Close: %v", err)
	}
	// with a final reply, Close carries the reply
	conn = &fakeConn{writeErr: reset, closeErr: replyErr(552, "Quota exceeded")}
	f = openFake(t, conn, "f", Options{Mode: "w"})
	_, err := f.Write(bytes.Repeat([]byte("x"), 2*bufSize))
	if !errors.Is(err, reset) {
		t.Fatalf("Write: %v", err)
	}
	var tpErr *textproto.Error
	if err := f.Close(); !errors.As(err, &tpErr) || tpErr.Code != 552 {
		t.Fatalf("Close: %v", err)
	}
}

func TestWriteTextInvalidInput(t *testing.T) {
	for _, c := range []struct {
		errors string
		in     []string
		want   string
		ok     bool
	}{
		{"replace", []string{"a\xffb"}, "a?b", true},
		{"ignore", []string{"a\xffb"}, "ab", true},
		{"replace", []string{"a\xe2\x82"}, "a?", true}, // incomplete at Close
		{"replace", []string{"a\xe2", "\x82x"}, "a?x", true},
		{"replace", []string{"a\xe2\x82x\xf0\x9f\x98"}, "a?x?", true},
		{"replace", []string{"\xed\xa0\x80"}, "???", true}, // a surrogate: each byte, as Python decodes it
		{"replace", []string{"a\xe2", "\x82\xac"}, "a€", true},
		{"strict", []string{"a\xe2", "\x82"}, "a", false},
		{"strict", []string{"a\xffb"}, "a", false},
	} {
		conn := &fakeConn{}
		f := openFake(t, conn, "f", Options{Mode: "w", Errors: c.errors})
		var err error
		for _, s := range c.in {
			if _, err = f.WriteString(s); err != nil {
				break
			}
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if (err == nil) != c.ok || conn.written.String() != c.want {
			t.Errorf("%s %q: wrote %q err %v, want %q ok=%v", c.errors, c.in, conn.written.String(), err, c.want, c.ok)
		}
		if !c.ok && !errors.Is(err, ErrInvalidText) {
			t.Errorf("%s %q: %v, want ErrInvalidText", c.errors, c.in, err)
		}
	}
}

func TestEncodings(t *testing.T) {
	text := "Grüße, a\nb\r\n"
	for _, c := range []struct {
		enc  string
		text string
		want string // the bytes written, if known
	}{
		{"", text, text},
		{"UTF-8", text, text},
		{"utf8", text, text},
		{"latin-1", text, "Gr\xfc\xdfe, a\nb\r\n"},
		{"Latin1", text, "Gr\xfc\xdfe, a\nb\r\n"},
		{"iso-8859-1", text, "Gr\xfc\xdfe, a\nb\r\n"},
		{"iso8859_15", "€\n", "\xa4\n"},
		{"cp1252", "€“\n", "\x80\x93\n"},
		{"windows-1252", "€\n", "\x80\n"},
		{"ascii", "abc\n", "abc\n"},
		{"koi8-r", "Жук\n", "\xf6\xd5\xcb\n"},
		{"shift_jis", "日本\n", "\x93\xfa\x96\x7b\n"},
		{"utf-16le", "aé\n", "a\x00\xe9\x00\n\x00"},
		{"utf-16", "a\n", ""},
		{"ibm037", "AB\n", "\xc1\xc2\x25"}, // EBCDIC: "\n" is not 0x0a
	} {
		conn := &fakeConn{}
		f := openFake(t, conn, "f", Options{Mode: "w", Encoding: c.enc})
		if _, err := f.WriteString(c.text); err != nil {
			t.Fatalf("%s: %v", c.enc, err)
		}
		if err := f.Close(); err != nil {
			t.Fatalf("%s: %v", c.enc, err)
		}
		if c.want != "" && conn.written.String() != c.want {
			t.Errorf("%s: wrote %q, want %q", c.enc, conn.written.String(), c.want)
		}
		conn.data = conn.written.Bytes()
		for _, chunk := range []int{1, 0} {
			conn.chunk = chunk
			r := openFake(t, conn, "f", Options{Encoding: c.enc, Newline: strp("")})
			got, err := r.ReadChars(-1)
			r.Close()
			if got != c.text || err != nil {
				t.Errorf("%s: read back %q %v, want %q", c.enc, got, err, c.text)
			}
		}
	}
	// strict and replace with an encoding from x/text
	conn := &fakeConn{data: []byte("a\x81b")}
	r := openFake(t, conn, "f", Options{Encoding: "cp1252"})
	got, err := r.ReadChars(-1)
	var de *DecodeError
	if got != "a" || !errors.As(err, &de) {
		t.Errorf("cp1252 strict: %q %v", got, err)
	}
	r.Close()
	w := openFake(t, &fakeConn{}, "f", Options{Mode: "w", Encoding: "cp1252"})
	_, err = w.WriteString("a😀")
	var ee *EncodeError
	if !errors.As(err, &ee) || ee.Error() != `'cp1252' codec can't encode character '\U0001f600': character maps to <undefined>` {
		t.Errorf("cp1252 encode: %v", err)
	}
	w.Close()
}

// Memory stays fixed whatever the size of the file: 16 MiB through each
// path allocates little more than the buffers.
func TestMemoryFixed(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 16 MiB many times")
	}
	const size = 16 << 20
	pattern := []byte("Grüße, wörld\r\nline two\rthree\n")
	measure := func(name string, fn func() error) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
			t.Errorf("%s: %d bytes allocated for %d bytes moved", name, alloc, size)
		}
	}
	for _, o := range []Options{{Mode: "rb"}, {Mode: "r"}, {Mode: "r", Encoding: "latin-1"},
		{Mode: "r", Encoding: "cp1252", Errors: "replace"}, {Mode: "r", Newline: strp("")}} {
		for _, how := range []string{"Read", "WriteTo"} {
			measure(how+" "+o.Mode+" "+o.Encoding, func() error {
				f := openFake(t, &fakeConn{src: &genReader{pattern: pattern, left: size}}, "f", o)
				defer f.Close()
				var n int64
				var err error
				if how == "WriteTo" {
					n, err = f.WriteTo(io.Discard)
				} else {
					buf := make([]byte, 32<<10)
					for err == nil {
						var k int
						k, err = f.Read(buf)
						n += int64(k)
					}
					if err == io.EOF {
						err = nil
					}
				}
				if n < size/2 {
					t.Errorf("only %d bytes", n)
				}
				return err
			})
		}
	}
	for _, o := range []Options{{Mode: "wb"}, {Mode: "w"}, {Mode: "w", Encoding: "latin-1", Newline: strp("\r\n")},
		{Mode: "w", Encoding: "cp1252"}} {
		measure("ReadFrom "+o.Mode+" "+o.Encoding, func() error {
			conn := &fakeConn{discard: true}
			f := openFake(t, conn, "f", o)
			if _, err := f.ReadFrom(&genReader{pattern: pattern, left: size}); err != nil {
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			if conn.nwritten < size/2 {
				t.Errorf("only %d bytes written", conn.nwritten)
			}
			return nil
		})
	}
}
