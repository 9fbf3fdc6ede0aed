package fileobj

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/ftpconn"
)

// tinyServer speaks just enough FTP for ftpconn.Dial and one transfer at a
// time: greeting, USER, PASS, FEAT, TYPE, PWD, NOOP, EPSV, STOR, RETR,
// QUIT. Each transfer's final reply is taken from replies in turn.
type tinyServer struct {
	ln       net.Listener
	mu       sync.Mutex
	replies  []string // final replies, in order ("226 ok" once they run out)
	retrData []byte
	cutAfter int // STOR: close the data connection after this many bytes (0: read all)
	stored   [][]byte
}

func startTiny(t *testing.T, replies ...string) *tinyServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tinyServer{ln: ln, replies: replies}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *tinyServer) nextReply() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.replies) == 0 {
		return "226 Transfer complete."
	}
	r := s.replies[0]
	s.replies = s.replies[1:]
	return r
}

func (s *tinyServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(format string, args ...any) { fmt.Fprintf(c, format+"\r\n", args...) }
	say("220 tiny FTP")
	var data chan net.Conn
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		switch strings.ToUpper(verb) {
		case "USER":
			say("331 password please")
		case "PASS":
			say("230 logged in")
		case "FEAT":
			say("211-Features:\r\n EPSV\r\n211 End")
		case "TYPE", "NOOP":
			say("200 ok")
		case "PWD":
			say(`257 "/" is the current directory`)
		case "EPSV":
			dl, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				say("425 no")
				continue
			}
			data = make(chan net.Conn, 1)
			go func(ch chan net.Conn) {
				defer dl.Close()
				dc, err := dl.Accept()
				if err != nil {
					close(ch)
					return
				}
				ch <- dc
			}(data)
			say("229 Entering Extended Passive Mode (|||%d|)", dl.Addr().(*net.TCPAddr).Port)
		case "STOR":
			dc := <-data
			say("150 Ok to send data.")
			var got []byte
			if s.cutAfter > 0 {
				got = make([]byte, s.cutAfter)
				io.ReadFull(dc, got)
				dc.(*net.TCPConn).SetLinger(0) // reset, as a server out of space may
			} else {
				got, _ = io.ReadAll(dc)
			}
			dc.Close()
			s.mu.Lock()
			s.stored = append(s.stored, got)
			s.mu.Unlock()
			say("%s", s.nextReply())
		case "RETR":
			dc := <-data
			say("150 Opening data connection.")
			dc.Write(s.retrData)
			dc.Close()
			say("%s", s.nextReply())
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func dialTiny(t *testing.T, s *tinyServer) *ftpconn.Conn {
	t.Helper()
	c, err := ftpconn.Dial(context.Background(), ftpconn.Config{Addr: s.ln.Addr().String(),
		User: "u", Password: "p", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The rule of Close: an upload the server fails after taking the data
// (452 here) is an error from Close, with the reply reachable, although
// every Write succeeded; the connection is in step and released clean.
func TestCloseReportsFinalReply(t *testing.T) {
	srv := startTiny(t, "452 disk full")
	c := dialTiny(t, srv)
	var rel releases
	for _, mode := range []string{"wb", "w"} {
		f, err := Open(context.Background(), c, "out.bin", Options{Mode: mode}, rel.fn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		body := bytes.Repeat([]byte("0123456789\n"), 100000)
		if n, err := f.Write(body); err != nil || n != len(body) {
			t.Fatalf("Write: %d %v", n, err)
		}
		err = f.Close()
		var tpErr *textproto.Error
		var pe *fs.PathError
		if mode == "wb" {
			if !errors.As(err, &tpErr) || tpErr.Code != 452 || tpErr.Msg != "disk full" ||
				!errors.As(err, &pe) || pe.Op != "close" || pe.Path != "out.bin" {
				t.Fatalf("Close: %v, want a PathError holding 452 disk full", err)
			}
			rel.check(t, 1, true)
		} else if err != nil {
			t.Fatalf("second upload: %v", err) // the server's default: 226
		}
		srv.mu.Lock()
		got := srv.stored[len(srv.stored)-1]
		srv.mu.Unlock()
		if !bytes.Equal(got, body) {
			t.Fatalf("server got %d bytes, want %d", len(got), len(body))
		}
	}
	rel.check(t, 2, true)
	if code, _, err := c.Cmd(context.Background(), "NOOP"); err != nil || code != 200 {
		t.Fatalf("NOOP: %d %v", code, err)
	}
}

// A server that cuts the data connection mid-upload: Write (or Close's
// flush) fails, and Close reports the reply that says why.
func TestCloseReportsCutUpload(t *testing.T) {
	srv := startTiny(t, "552 Quota exceeded")
	srv.cutAfter = 64 << 10
	c := dialTiny(t, srv)
	var rel releases
	f, err := Open(context.Background(), c, "out.bin", Options{Mode: "wb"}, rel.fn)
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i < 64 && werr == nil; i++ {
		_, werr = f.Write(chunk)
	}
	if werr == nil {
		t.Fatalf("64 MiB written into a cut connection without error")
	}
	err = f.Close()
	var tpErr *textproto.Error
	if !errors.As(err, &tpErr) || tpErr.Code != 552 {
		t.Fatalf("Close: %v, want the 552 reply", err)
	}
	rel.check(t, 1, true)
}

// A download whose final reply is negative: the data came to its end, so
// the reply is Close's error.
func TestCloseReportsFailedDownload(t *testing.T) {
	srv := startTiny(t, "451 Local error in processing")
	srv.retrData = []byte("first line\nsecond")
	c := dialTiny(t, srv)
	f, err := Open(context.Background(), c, "in.txt", Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := f.ReadLines()
	if err != nil || len(lines) != 2 {
		t.Fatalf("ReadLines: %q %v", lines, err)
	}
	var tpErr *textproto.Error
	if err := f.Close(); !errors.As(err, &tpErr) || tpErr.Code != 451 {
		t.Fatalf("Close: %v, want 451", err)
	}
}
