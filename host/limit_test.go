package host

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/faultproxy"
	"github.com/ftplua/ftplua/internal/testservers"
)

// A server that takes at most 2 connections per client (the proxy answers
// 421 beyond that, as a server at its limit does) still completes a
// 200-file parallel sync: Apply runs fewer transfers at once and retries.
func TestApplyUnderConnectionLimit(t *testing.T) {
	ctx := context.Background()
	for _, s := range append([]testservers.Server{testservers.Builtin(t, false)}, testservers.Real(t)...) {
		if s.TLS {
			continue // the proxy relays TLS data untouched; plain instances suffice
		}
		s := s
		t.Run(s.Name, func(t *testing.T) {
			remote := testservers.Scratch(t, s)
			files := map[string]string{}
			for i := 0; i < 200; i++ {
				files["d"+strconv.Itoa(i%4)+"/f"+strconv.Itoa(i)] = strconv.Itoa(i)
			}
			writeTree(t, filepath.Join(s.Root, remote), files, 20*time.Second)
			p, err := faultproxy.Start(s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			p.LimitClients(2)
			o := options(s)
			o.Host, o.Port = p.Host(), p.Port()
			h := dial(t, o)
			local := filepath.Join(t.TempDir(), "copy")
			plan, err := h.SyncPlan(ctx, SyncOptions{Src: remote, Dst: local, Direction: "down"})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := h.Apply(ctx, plan, ApplyOptions{Parallel: 8})
			if err != nil {
				t.Fatalf("apply: %v (%+v)", err, sum)
			}
			// two transfers fit: the host's connection lent to one, a
			// child for the other (or 1, when listing ahead left a child
			// idle in the pool, which the host's own does not join)
			if sum.Downloads != 200 || sum.Failed != 0 || sum.Retries == 0 || sum.Parallel < 1 || sum.Parallel > 2 {
				t.Errorf("summary %+v: want 200 downloads, retries, and parallelism shrunk to 1 or 2", sum)
			}
			if st := p.Stats(); st.Refused == 0 {
				t.Errorf("the proxy refused nothing: %+v", st)
			}
			for name, body := range files {
				if b, err := os.ReadFile(filepath.Join(local, name)); err != nil || string(b) != body {
					t.Fatalf("%s = %q %v", name, b, err)
				}
			}
		})
	}
}

// A server at its connection limit (1 here): the host lends its one
// connection to a file; a second file, and a host command while the file
// is open, meet the server's 421 (TemporaryError, code 421, naming the
// path), while keep_alive sends nothing; once the file is closed, the
// host takes its connection back and works on, without another
// connection.
func TestOpenAtConnectionLimit(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		dir := testservers.Scratch(t, s)
		if err := os.WriteFile(filepath.Join(s.Root, dir, "a.txt"), []byte("a\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		p, err := faultproxy.Start(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		p.LimitClients(1)
		o := options(s)
		o.Host, o.Port = p.Host(), p.Port()
		h := dial(t, o)
		refused := func(what string, err error, path string) {
			t.Helper()
			var he *Error
			if !errors.As(err, &he) || he.Class != TemporaryError || he.Code != 421 || he.Path != path {
				t.Errorf("%s at the limit: %v, want TemporaryError 421 for %s", what, err, path)
			}
		}
		f, err := h.Open(ctx, dir+"/a.txt", FileOptions{Mode: "rb"})
		if err != nil {
			t.Fatalf("open on the host's connection: %v", err)
		}
		_, err = h.Open(ctx, dir+"/a.txt", FileOptions{Mode: "rb"})
		refused("a second open file", err, dir+"/a.txt")
		_, err = h.Listdir(ctx, dir)
		refused("listdir while the file is open", err, dir)
		// nothing of the host's is idle: keep_alive sends nothing (no
		// connection, so no refusal)
		if err := h.KeepAlive(ctx); err != nil {
			t.Errorf("keep_alive while the file is open: %v", err)
		}
		b, err := io.ReadAll(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil || string(b) != "a\n" {
			t.Fatalf("read %q, %v", b, err)
		}
		names, err := h.Listdir(ctx, dir)
		if err != nil || len(names) != 1 || names[0] != "a.txt" {
			t.Errorf("listdir after close: %v %v", names, err)
		}
		if err := h.KeepAlive(ctx); err != nil {
			t.Errorf("keep_alive after close: %v", err)
		}
		if st := p.Stats(); st.Refused != 2 {
			t.Errorf("%d connections refused, want 2 (the second file, the listing)", st.Refused)
		}
	})
}
