package fileobj

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/textproto"
	"testing"
)

// fakeConn serves RETR from data, in reads of at most chunk bytes, and
// collects what STOR and APPE write.
type fakeConn struct {
	data     []byte
	chunk    int
	cmds     []string
	offsets  []int64
	written  bytes.Buffer
	openErr  error // returned by Transfer
	closeErr error // returned by the stream's Close
	readErr  error // returned by the stream's Read after data
	writeErr error // returned by the stream's Write
	broken   *bool // if set, the conn has Broken() reporting it
	open     int   // streams not closed
	closed   int
	src      io.Reader // if set, RETR reads from it instead of data
	discard  bool      // count what is written instead of keeping it
	nwritten int64
	writes   int // Write calls on the stream
}

func (c *fakeConn) Transfer(ctx context.Context, cmd string, off int64) (io.ReadWriteCloser, error) {
	c.cmds = append(c.cmds, cmd)
	c.offsets = append(c.offsets, off)
	if c.openErr != nil {
		return nil, c.openErr
	}
	c.open++
	var src io.Reader = bytes.NewReader(c.data[min(int(off), len(c.data)):])
	if c.src != nil {
		src = c.src
	}
	return &fakeStream{c: c, src: src}, nil
}

type brokenConn struct{ *fakeConn }

func (b brokenConn) Broken() bool { return *b.broken }

type fakeStream struct {
	c      *fakeConn
	src    io.Reader
	closed bool
}

func (s *fakeStream) Read(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("fake: read after close")
	}
	if s.c.chunk > 0 && len(p) > s.c.chunk {
		p = p[:s.c.chunk]
	}
	n, err := s.src.Read(p)
	if err == io.EOF && s.c.readErr != nil {
		err = s.c.readErr
	}
	return n, err
}

func (s *fakeStream) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("fake: write after close")
	}
	if s.c.writeErr != nil {
		return 0, s.c.writeErr
	}
	s.c.writes++
	s.c.nwritten += int64(len(p))
	if s.c.discard {
		return len(p), nil
	}
	return s.c.written.Write(p)
}

func (s *fakeStream) Close() error {
	if s.closed {
		return errors.New("fake: stream closed twice")
	}
	s.closed = true
	s.c.open--
	s.c.closed++
	return s.c.closeErr
}

// genReader produces n bytes of a repeated pattern without holding them.
type genReader struct {
	pattern []byte
	off     int
	left    int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n := 0
	for n < len(p) {
		k := copy(p[n:], g.pattern[g.off:])
		n += k
		g.off = (g.off + k) % len(g.pattern)
	}
	g.left -= int64(n)
	return n, nil
}

// releases records the calls of a release function.
type releases struct {
	calls []error
}

func (r *releases) fn(err error) { r.calls = append(r.calls, err) }

func (r *releases) check(t *testing.T, wantCalls int, wantClean bool) {
	t.Helper()
	if len(r.calls) != wantCalls {
		t.Fatalf("release called %d times, want %d", len(r.calls), wantCalls)
	}
	if wantCalls > 0 && (r.calls[len(r.calls)-1] == nil) != wantClean {
		t.Fatalf("release(%v), want clean=%v", r.calls[len(r.calls)-1], wantClean)
	}
}

func openFake(t testing.TB, c Conn, name string, o Options) *File {
	t.Helper()
	f, err := Open(context.Background(), c, name, o, nil)
	if err != nil {
		t.Fatalf("Open(%q, %+v): %v", name, o, err)
	}
	return f
}

func replyErr(code int, msg string) error { return &textproto.Error{Code: code, Msg: msg} }

func strp(s string) *string { return &s }
