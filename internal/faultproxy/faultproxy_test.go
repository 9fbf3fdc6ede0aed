package faultproxy_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/internal/faultproxy"
	"github.com/ftplua/ftplua/internal/testservers"
)

// servers are the built-in server and vsftpd, plain and with TLS (the real
// ones when configured).
func servers(t *testing.T) []testservers.Server {
	out := []testservers.Server{testservers.Builtin(t, false), testservers.Builtin(t, true)}
	for _, s := range testservers.Real(t) {
		if s.Kind() == "vsftpd" {
			out = append(out, s)
		}
	}
	return out
}

func each(t *testing.T, tlsToo bool, fn func(t *testing.T, s testservers.Server)) {
	for _, s := range servers(t) {
		if s.TLS && !tlsToo {
			continue
		}
		t.Run(s.Name, func(t *testing.T) { fn(t, s) })
	}
}

func start(t *testing.T, s testservers.Server) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func options(s testservers.Server, p *faultproxy.Proxy) host.Options {
	o := host.Options{Host: p.Host(), Port: p.Port(), User: s.User, Password: s.Password, Timeout: 10 * time.Second}
	if s.TLS {
		o.TLS, o.CAFile = host.TLSExplicit, s.CAFile
	}
	return o
}

func dial(t *testing.T, o host.Options) *host.Host {
	t.Helper()
	h, err := host.Dial(context.Background(), o)
	if err != nil {
		t.Fatalf("Dial through the proxy: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// roundTrip uploads and downloads data through h and checks it.
func roundTrip(t *testing.T, h *host.Host, remote string, data []byte) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	os.WriteFile(src, data, 0o644)
	if err := h.Upload(ctx, src, remote, nil); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if err := h.Download(ctx, remote, dst, nil); err != nil {
		t.Fatalf("download: %v", err)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes, not the %d uploaded", len(got), len(data))
	}
	if _, err := h.Listdir(ctx, host.Dirname(remote)); err != nil {
		t.Fatalf("listdir: %v", err)
	}
}

// Plain FTP: passive (EPSV and, with EPSV refused, PASV) and active (EPRT
// and, with EPRT refused, PORT) data connections all pass the proxy.
func TestRelaysDataConnections(t *testing.T) {
	each(t, false, func(t *testing.T, s testservers.Server) {
		dir := testservers.Scratch(t, s)
		data := payload(300_000)
		for _, mode := range []struct {
			name   string
			active bool
			refuse string
		}{
			{name: "EPSV"},
			{name: "PASV", refuse: "EPSV"},
			{name: "EPRT", active: true},
			{name: "PORT", active: true, refuse: "EPRT"},
		} {
			t.Run(mode.name, func(t *testing.T) {
				p := start(t, s)
				if mode.refuse != "" {
					p.ReplaceReplyTo(mode.refuse, "500 "+mode.refuse+" not understood (faultproxy)")
				}
				var dialogue strings.Builder
				o := options(s, p)
				o.Active = mode.active
				o.Debug = func(l string) { dialogue.WriteString(l + "\n") }
				h := dial(t, o)
				roundTrip(t, h, dir+"/"+mode.name+".bin", data)
				st := p.Stats()
				if st.Control != 1 || st.Data != 3 {
					t.Errorf("stats %+v: want 1 control connection (the host's, lent to each file) and 3 data connections (STOR, RETR, LIST)", st)
				}
				if !strings.Contains(dialogue.String(), "> "+mode.name) {
					t.Errorf("no %s in the dialogue:\n%s", mode.name, dialogue.String())
				}
				if mode.refuse != "" && st.Replaced == 0 {
					t.Error("the refusal was not injected")
				}
			})
		}
	})
}

// A data connection cut in either direction fails the transfer, and the
// host stays usable.
func TestCutData(t *testing.T) {
	each(t, false, func(t *testing.T, s testservers.Server) {
		ctx := context.Background()
		p := start(t, s)
		h := dial(t, options(s, p))
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := payload(4 << 20)
		src := filepath.Join(local, "src")
		os.WriteFile(src, data, 0o644)
		if err := h.Upload(ctx, src, dir+"/f", nil); err != nil {
			t.Fatal(err)
		}

		p.CutData(100_000, faultproxy.ToClient)
		err := h.Download(ctx, dir+"/f", filepath.Join(local, "dst"), nil)
		if !errors.Is(err, host.FTPIOError) {
			t.Fatalf("cut download: %v, want an FTPIOError", err)
		}
		if _, err := os.Stat(filepath.Join(local, "dst")); err == nil {
			t.Error("a cut download left a local file")
		}
		if st := p.Stats(); st.Cut != 1 {
			t.Errorf("stats %+v: want one cut", st)
		}

		p.Clear()
		p.CutData(100_000, faultproxy.ToServer)
		err = h.Upload(ctx, src, dir+"/g", nil)
		if !errors.Is(err, host.FTPIOError) {
			t.Fatalf("cut upload: %v, want an FTPIOError", err)
		}

		p.Clear()
		roundTrip(t, h, dir+"/h", data[:200_000])
		if st := p.Stats(); st.Cut != 2 {
			t.Errorf("stats %+v: want two cuts", st)
		}
	})
}

// A graceful cut of an upload looks like its end to the server: it keeps
// exactly the bytes that passed.
func TestGracefulCutTruncatesUpload(t *testing.T) {
	each(t, false, func(t *testing.T, s testservers.Server) {
		ctx := context.Background()
		p := start(t, s)
		h := dial(t, options(s, p))
		dir := testservers.Scratch(t, s)
		p.Set(faultproxy.Data, faultproxy.ToServer, faultproxy.Fault{After: 123_456, Cut: true, Graceful: true})
		f, err := h.Open(ctx, dir+"/t", host.FileOptions{Mode: "wb"})
		if err != nil {
			t.Fatal(err)
		}
		_, werr := f.Write(payload(8 << 20))
		cerr := f.Close()
		if werr == nil && cerr == nil {
			t.Error("writing past a cut data connection did not fail")
		}
		p.Clear()
		code, msg, err := h.Session().Cmd(ctx, "SIZE "+dir+"/t")
		if err != nil || code != 213 || strings.TrimSpace(msg) != "123456" {
			t.Errorf("SIZE after the graceful cut: %d %q %v, want 213 123456", code, msg, err)
		}
	})
}

// Stalling and slowing data.
func TestStallAndSlowData(t *testing.T) {
	each(t, false, func(t *testing.T, s testservers.Server) {
		ctx := context.Background()
		p := start(t, s)
		h := dial(t, options(s, p))
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		src := filepath.Join(local, "src")
		os.WriteFile(src, payload(50_000), 0o644)
		if err := h.Upload(ctx, src, dir+"/f", nil); err != nil {
			t.Fatal(err)
		}

		p.StallData(300*time.Millisecond, faultproxy.ToClient)
		t0 := time.Now()
		if err := h.Download(ctx, dir+"/f", filepath.Join(local, "a"), nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d < 300*time.Millisecond {
			t.Errorf("stalled download took %v", d)
		}

		p.Clear()
		p.SlowData(100_000, faultproxy.ToClient)
		t0 = time.Now()
		if err := h.Download(ctx, dir+"/f", filepath.Join(local, "b"), nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d < 400*time.Millisecond || d > 5*time.Second {
			t.Errorf("50 kB at 100 kB/s took %v", d)
		}
		if got, _ := os.ReadFile(filepath.Join(local, "b")); !bytes.Equal(got, payload(50_000)) {
			t.Error("the slowed download differs")
		}

		// stalled for good: the client's timeout fires; Clear releases it
		p.Clear()
		p.StallData(-1, faultproxy.ToClient)
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		err := h.Download(tctx, dir+"/f", filepath.Join(local, "c"), nil)
		if !isTimeout(err) {
			t.Errorf("download stalled for good: %v, want a timeout", err)
		}
		p.Clear()
	})
}

// Control faults work with and without TLS.
func TestControlFaults(t *testing.T) {
	each(t, true, func(t *testing.T, s testservers.Server) {
		ctx := context.Background()
		p := start(t, s)
		o := options(s, p)
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		roundTrip(t, h, dir+"/f", payload(70_000))
		if st := p.Stats(); s.TLS && st.Data != 0 {
			t.Errorf("stats %+v: with TLS no data connection passes the proxy", st)
		} else if !s.TLS && st.Data == 0 {
			t.Errorf("stats %+v: without TLS data connections pass the proxy", st)
		}

		// a stalled reply: the command times out
		h2 := dial(t, o)
		p.StallControl(-1, faultproxy.ToClient)
		t0 := time.Now()
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		if err := h2.KeepAlive(tctx); !isTimeout(err) {
			t.Errorf("KeepAlive with the replies stalled: %v", err)
		}
		cancel()
		if d := time.Since(t0); d > 3*time.Second {
			t.Errorf("timeout took %v", d)
		}
		p.Clear()

		// slowed replies still arrive
		p.SlowControl(200, faultproxy.ToClient)
		t0 = time.Now()
		if err := h.KeepAlive(ctx); err != nil {
			t.Errorf("KeepAlive slowed: %v", err)
		}
		if d := time.Since(t0); !s.TLS && d < 50*time.Millisecond {
			t.Errorf("a slowed reply took %v", d)
		}
		p.Clear()

		// a cut of a live control connection
		p.CutControl(0, faultproxy.ToClient)
		err := h.KeepAlive(ctx)
		var he *host.Error
		if !errors.As(err, &he) || he.Class != host.FTPOSError || he.Code != 0 {
			t.Errorf("KeepAlive on a cut connection: %v, want an FTPOSError without code", err)
		}
		if st := p.Stats(); st.Cut < 1 {
			t.Errorf("stats %+v: want a cut", st)
		}
		p.Clear()
		dial(t, o)
	})
}

// LimitClients refuses connections beyond k with 421, as a server's
// per-client limit does.
func TestLimitClients(t *testing.T) {
	each(t, true, func(t *testing.T, s testservers.Server) {
		p := start(t, s)
		p.LimitClients(2)
		o := options(s, p)
		h1 := dial(t, o)
		dial(t, o)
		_, err := host.Dial(context.Background(), o)
		var he *host.Error
		if !errors.As(err, &he) || he.Class != host.TemporaryError || he.Code != 421 {
			t.Fatalf("third connection: %v, want TemporaryError 421", err)
		}
		if st := p.Stats(); st.Refused != 1 || st.Open != 2 || st.Control != 2 {
			t.Errorf("stats %+v", st)
		}
		h1.Close()
		deadline := time.Now().Add(5 * time.Second)
		for p.Stats().Open != 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		dial(t, o)
		p.LimitClients(0)
		dial(t, o)
		if st := p.Stats(); st.Refused != 1 || st.Control != 4 {
			t.Errorf("stats %+v", st)
		}
	})
}

// ReplaceReply replaces the nth reply (the greeting is the first);
// ReplaceReplyTo the reply to a command.
func TestReplaceReplies(t *testing.T) {
	each(t, true, func(t *testing.T, s testservers.Server) {
		ctx := context.Background()
		p := start(t, s)
		p.ReplaceReply(1, "421 Service not available (faultproxy)")
		_, err := host.Dial(ctx, options(s, p))
		var he *host.Error
		if !errors.As(err, &he) || he.Code != 421 || !strings.Contains(he.Message, "faultproxy") {
			t.Fatalf("Dial with the greeting replaced: %v", err)
		}
		p.Clear()
		h := dial(t, options(s, p))
		if s.TLS {
			return // the rest is encrypted
		}
		p.ReplaceReplyTo("SIZE", "213 12345")
		code, msg, err := h.Session().Cmd(ctx, "SIZE /sample/file.txt")
		if err != nil || code != 213 || msg != "12345" {
			t.Errorf("SIZE replaced: %d %q %v", code, msg, err)
		}
		p.ReplaceReplyTo("SIZE", "")
		code, msg, _ = h.Session().Cmd(ctx, "SIZE /sample/file.txt")
		if code != 213 || msg != "6" {
			t.Errorf("SIZE: %d %q", code, msg)
		}
		// a multi-line replacement, and the nth reply of a live connection
		p.ReplaceReply(2, "211-Status\r\n of faultproxy\r\n211 End")
		h.Session().Cmd(ctx, "NOOP")
		code, msg, _ = h.Session().Cmd(ctx, "NOOP")
		if code != 211 || !strings.Contains(msg, "of faultproxy") {
			t.Errorf("second reply replaced: %d %q", code, msg)
		}
		if st := p.Stats(); st.Replaced != 3 {
			t.Errorf("stats %+v", st)
		}
	})
}

// StartTCP relays bytes without reading them (implicit TLS, any service).
func TestStartTCP(t *testing.T) {
	s := testservers.Builtin(t, true)
	p, err := faultproxy.StartTCP(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	h := dial(t, options(s, p))
	roundTrip(t, h, "/f", payload(1000))
	p.LimitClients(1)
	_, err = host.Dial(context.Background(), options(s, p))
	if err == nil {
		t.Fatal("second connection not refused")
	}
	if st := p.Stats(); st.Refused != 1 || st.Data != 0 {
		t.Errorf("stats %+v", st)
	}
}

// The proxy's own edge cases: an unreachable target, Close with stalled
// connections, a reply code split over reads.
func TestProxyEdges(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	p, err := faultproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	line, _ := textproto.NewReader(bufio.NewReader(c)).ReadLine()
	if !strings.HasPrefix(line, "421 ") {
		t.Errorf("unreachable target: %q", line)
	}
	c.Close()
	p.Close()
	if _, err := faultproxy.Start("nonsense"); err == nil {
		t.Error("Start accepted a target without a port")
	}

	s := testservers.Builtin(t, false)
	p = start(t, s)
	p.StallControl(-1, faultproxy.BothWays)
	c, err = net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a stalled connection")
	}
	if n, err := c.Read(make([]byte, 10)); err == nil {
		t.Errorf("read %d bytes from a closed proxy", n)
	}
}

// isTimeout: a deadline from the context or the connection's timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
