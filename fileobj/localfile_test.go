package fileobj

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ftplua/ftplua/internal/ftpconn"
)

// io.Copy between a File and a local *os.File, both ways, on every server:
// over plain TCP the stream moves the data itself (splice, sendfile: see
// StreamCopier), over TLS the File's buffer does; the bytes, the position
// and the final reply must be the same either way, also when part of the
// data went through the buffer first (a Read before, a Write before) and
// from a REST offset.
func TestServerLocalFileCopy(t *testing.T) {
	// uploads take sendfile only when asked (see ftpconn.SendfileUploads);
	// the buffered way is what every other upload test goes
	ftpconn.SendfileUploads = true
	defer func() { ftpconn.SendfileUploads = false }()
	data := make([]byte, 9<<20+12345) // more than two zero-copy chunks
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for _, s := range allServers(t) {
		t.Run(s.Name, func(t *testing.T) {
			e := newEnv(t, s)
			tmp := t.TempDir()
			src := filepath.Join(tmp, "src.bin")
			if err := os.WriteFile(src, data, 0o644); err != nil {
				t.Fatal(err)
			}

			// upload: some bytes through Write, the rest through io.Copy
			spy := &spyConn{Conn: e.c}
			f, err := Open(context.Background(), spy, "up.bin", Options{Mode: "wb"}, e.rel.fn)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(data[:1000]); err != nil {
				t.Fatal(err)
			}
			in, err := os.Open(src)
			if err != nil {
				t.Fatal(err)
			}
			in.Seek(1000, io.SeekStart)
			n, err := io.Copy(f, in)
			in.Close()
			if err != nil || n != int64(len(data)-1000) {
				t.Fatalf("io.Copy into the upload: %d %v", n, err)
			}
			if pos, _ := f.Seek(0, io.SeekCurrent); pos != int64(len(data)) {
				t.Errorf("position after the upload: %d", pos)
			}
			if err := f.Close(); err != nil {
				t.Fatalf("close of the upload: %v", err)
			}
			if got, err := os.ReadFile(filepath.Join(e.local, "up.bin")); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("uploaded file: %d bytes (want %d), equal %v, %v", len(got), len(data), bytes.Equal(got, data), err)
			}
			e.noop()

			for _, tc := range []struct {
				rest, first int64
			}{{0, 0}, {0, 777}, {4 << 20, 0}, {4<<20 + 3, 100}} {
				f, err := Open(context.Background(), spy, "up.bin", Options{Mode: "rb", Rest: tc.rest}, e.rel.fn)
				if err != nil {
					t.Fatal(err)
				}
				head := make([]byte, tc.first)
				if _, err := io.ReadFull(f, head); err != nil {
					t.Fatal(err)
				}
				out, err := os.Create(filepath.Join(tmp, "down.bin"))
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(out, f)
				out.Close()
				if err != nil {
					t.Fatalf("rest %d, first %d: io.Copy out of the download: %d %v", tc.rest, tc.first, n, err)
				}
				if pos, _ := f.Seek(0, io.SeekCurrent); pos != int64(len(data)) {
					t.Errorf("rest %d, first %d: position after the download: %d", tc.rest, tc.first, pos)
				}
				if b, err := f.Read(make([]byte, 10)); b != 0 || err != io.EOF {
					t.Errorf("read after the end: %d %v", b, err)
				}
				if err := f.Close(); err != nil {
					t.Fatalf("close of the download: %v", err)
				}
				got, _ := os.ReadFile(filepath.Join(tmp, "down.bin"))
				want := data[tc.rest+tc.first:]
				if !bytes.Equal(head, data[tc.rest:tc.rest+tc.first]) || !bytes.Equal(got, want) {
					t.Fatalf("rest %d, first %d: downloaded %d bytes, want %d (equal %v)", tc.rest, tc.first, len(got), len(want), bytes.Equal(got, want))
				}
				if last := e.rel.calls[len(e.rel.calls)-1]; last != nil {
					t.Fatalf("released with %v", last)
				}
				e.noop()
			}
			// into a file opened for appending (splice refuses O_APPEND:
			// the stream copies through a buffer of its own)
			f, err = e.open("up.bin", Options{Mode: "rb"})
			if err != nil {
				t.Fatal(err)
			}
			app, err := os.OpenFile(filepath.Join(tmp, "append.bin"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			app.WriteString("prefix")
			n, err = io.Copy(app, f)
			app.Close()
			if err != nil || n != int64(len(data)) {
				t.Fatalf("io.Copy into an O_APPEND file: %d %v", n, err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(filepath.Join(tmp, "append.bin")); string(got[:6]) != "prefix" || !bytes.Equal(got[6:], data) {
				t.Fatalf("appended download: %d bytes", len(got))
			}
			e.noop()

			// plain TCP on Linux: every copy went around the buffer
			want := 0
			if !s.TLS && runtime.GOOS == "linux" {
				want = 5
			}
			if spy.handled != want {
				t.Errorf("%d of 5 copies handled by the stream, want %d", spy.handled, want)
			}
		})
	}
}

// spyConn counts the copies its streams handled.
type spyConn struct {
	Conn
	handled int
}

func (c *spyConn) Transfer(ctx context.Context, cmd string, offset int64) (io.ReadWriteCloser, error) {
	st, err := c.Conn.Transfer(ctx, cmd, offset)
	if err != nil {
		return nil, err
	}
	return &spyStream{ReadWriteCloser: st, c: c}, nil
}

type spyStream struct {
	io.ReadWriteCloser
	c *spyConn
}

func (s *spyStream) CopyTo(w io.Writer) (int64, bool, error) {
	n, handled, err := s.ReadWriteCloser.(StreamCopier).CopyTo(w)
	if handled {
		s.c.handled++
	}
	return n, handled, err
}

func (s *spyStream) CopyFrom(r io.Reader) (int64, bool, error) {
	n, handled, err := s.ReadWriteCloser.(StreamCopier).CopyFrom(r)
	if handled {
		s.c.handled++
	}
	return n, handled, err
}
