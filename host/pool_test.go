package host

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ftplua/ftplua/internal/faultproxy"
	"github.com/ftplua/ftplua/internal/testservers"
)

// A child reused at once skips the NOOP (Open sends only its transfer);
// if the server dropped it meanwhile, Open takes another child and the
// caller sees nothing.
func TestReusedChildDroppedWhileIdle(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		p, err := faultproxy.Start(s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		// the main connection and the second child go straight to the
		// server; the first child through the proxy, to be cut
		var mu sync.Mutex
		dials := 0
		var cmds []string
		o := options(s)
		o.Debug = func(line string) {
			mu.Lock()
			cmds = append(cmds, line)
			mu.Unlock()
		}
		o.SessionFactory = func(ctx context.Context, o *Options) (Session, error) {
			mu.Lock()
			dials++
			n := dials
			mu.Unlock()
			if n == 2 {
				via := *o
				via.Host, via.Port = p.Host(), p.Port()
				return DefaultSessionFactory(ctx, &via)
			}
			return DefaultSessionFactory(ctx, o)
		}
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		if err := os.WriteFile(filepath.Join(s.Root, dir, "f.txt"), []byte("data\n"), 0o666); err != nil {
			t.Fatal(err)
		}
		read := func() {
			t.Helper()
			f, err := h.Open(ctx, dir+"/f.txt", FileOptions{Mode: "rb"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil || string(b) != "data\n" {
				t.Fatalf("read %q, %v", b, err)
			}
		}
		read() // the first child: CWD, EPSV, RETR
		mu.Lock()
		cmds = nil
		mu.Unlock()
		read() // reused at once: no NOOP, no CWD
		mu.Lock()
		for _, c := range cmds {
			if strings.Contains(c, "NOOP") || strings.Contains(c, "CWD") {
				t.Errorf("a child reused at once in its directory sent %q", c)
			}
		}
		mu.Unlock()
		p.Close() // the server side of the idle child is gone
		read()
		if dials != 3 {
			t.Errorf("%d connections, want 3 (main, the dropped child, its replacement)", dials)
		}
	})
}
