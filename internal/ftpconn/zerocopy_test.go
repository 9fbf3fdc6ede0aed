package ftpconn

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeData is a one-connection FTP server whose data connection does what
// the test says: retr sends a download, stor takes an upload.
type fakeData struct {
	retr func(dc net.Conn)
	stor func(dc net.Conn)
}

func (fd fakeData) start(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
		say("220 fake")
		var dl net.Listener
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			verb, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			switch verb {
			case "USER":
				say("331 pw")
			case "PASS":
				say("230 in")
			case "FEAT":
				say("211 no features")
			case "TYPE", "NOOP":
				say("200 ok")
			case "EPSV":
				dl, _ = net.Listen("tcp", "127.0.0.1:0")
				say(fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", dl.Addr().(*net.TCPAddr).Port))
			case "RETR", "STOR":
				dc, err := dl.Accept()
				dl.Close()
				if err != nil {
					return
				}
				say("150 here")
				go func() {
					if verb == "RETR" {
						fd.retr(dc)
					} else {
						fd.stor(dc)
					}
					dc.Close()
					say("226 done")
				}()
			case "ABOR":
				say("225 no transfer")
			case "QUIT":
				say("221 bye")
				return
			default:
				say("502 no")
			}
		}
	}()
	return ln.Addr().String()
}

// The zero-copy paths keep Config.Timeout an idle limit: a transfer that
// takes longer than it while data keeps moving completes, one that stops
// moving fails after about the limit, and a cancelled context stops both
// at once.
func TestZeroCopyTimeouts(t *testing.T) {
	SendfileUploads = true // off by default; its path is tested all the same
	defer func() { SendfileUploads = false }()
	if runtime.GOOS != "linux" {
		t.Skip("splice and sendfile: Linux")
	}
	const timeout = 300 * time.Millisecond
	chunk := bytes.Repeat([]byte("x"), 1024)
	dribble := func(dc net.Conn) { // 1.2 s in all, never idle for long
		for range 40 {
			dc.Write(chunk)
			time.Sleep(30 * time.Millisecond)
		}
	}
	stall := func(dc net.Conn) { // 10 KiB, then nothing for 5 s
		dc.Write(bytes.Repeat(chunk, 10))
		time.Sleep(5 * time.Second)
	}
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 64<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, fd fakeData, ctx context.Context, cmd string) *dataConn {
		c, err := Dial(context.Background(), Config{Addr: fd.start(t), User: "u", Password: "p", Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		st, err := c.Transfer(ctx, cmd, 0)
		if err != nil {
			t.Fatal(err)
		}
		return st.(*dataConn)
	}

	t.Run("slow download completes", func(t *testing.T) {
		d := open(t, fakeData{retr: dribble}, context.Background(), "RETR f")
		out.Truncate(0)
		out.Seek(0, io.SeekStart)
		n, handled, err := d.CopyTo(out)
		if !handled || err != nil || n != 40*1024 {
			t.Fatalf("CopyTo: %d %v %v", n, handled, err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("stalled download times out", func(t *testing.T) {
		d := open(t, fakeData{retr: stall}, context.Background(), "RETR f")
		start := time.Now()
		n, handled, err := d.CopyTo(out)
		var ne net.Error
		if !handled || !errors.As(err, &ne) || !ne.Timeout() || n != 10*1024 {
			t.Fatalf("CopyTo: %d %v %v, want 10240 bytes and a timeout", n, handled, err)
		}
		if took := time.Since(start); took > 4*timeout {
			t.Errorf("stall noticed after %v", took)
		}
		d.Close()
	})
	t.Run("cancelled download", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		d := open(t, fakeData{retr: dribble}, ctx, "RETR f")
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, _, err := d.CopyTo(out)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("CopyTo after cancel: %v", err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("cancel took %v", took)
		}
		d.Close()
	})
	t.Run("stalled upload times out", func(t *testing.T) {
		d := open(t, fakeData{stor: func(dc net.Conn) { time.Sleep(5 * time.Second) }}, context.Background(), "STOR f")
		in, err := os.Open(big)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		start := time.Now()
		n, handled, err := d.CopyFrom(in)
		var ne net.Error
		if !handled || !errors.As(err, &ne) || !ne.Timeout() || n == 0 || n == 64<<20 {
			t.Fatalf("CopyFrom: %d %v %v, want part and a timeout", n, handled, err)
		}
		// each period of the limit in which the socket buffers still took
		// some data counts as progress; they fill within a few
		if took := time.Since(start); took > 10*timeout {
			t.Errorf("stall noticed after %v", took)
		}
		d.Close()
	})
	t.Run("slow upload completes", func(t *testing.T) {
		got := make(chan int64, 1)
		d := open(t, fakeData{stor: func(dc net.Conn) {
			var n int64
			buf := make([]byte, 64<<10)
			for {
				m, err := dc.Read(buf)
				n += int64(m)
				if err != nil {
					break
				}
				time.Sleep(2 * time.Millisecond) // 64 MiB in about 2 s
			}
			got <- n
		}}, context.Background(), "STOR f")
		in, err := os.Open(big)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		n, handled, err := d.CopyFrom(in)
		if !handled || err != nil || n != 64<<20 {
			t.Fatalf("CopyFrom: %d %v %v", n, handled, err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if m := <-got; m != 64<<20 {
			t.Errorf("server got %d bytes", m)
		}
	})
	t.Run("not a file: not handled", func(t *testing.T) {
		d := open(t, fakeData{retr: dribble}, context.Background(), "RETR f")
		if n, handled, err := d.CopyTo(io.Discard); handled || n != 0 || err != nil {
			t.Errorf("CopyTo(io.Discard): %d %v %v", n, handled, err)
		}
		if n, handled, err := d.CopyFrom(strings.NewReader("x")); handled || n != 0 || err != nil {
			t.Errorf("CopyFrom on a download: %d %v %v", n, handled, err)
		}
		d.Close()
	})
}
