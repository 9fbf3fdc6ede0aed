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

// A connection reused at once skips the NOOP (Open sends only its
// transfer); if the server dropped it meanwhile, Open takes another and
// the caller sees nothing. The connection is the host's own, lent to the
// file (Host.lendMain); the host then takes back the one that replaced it.
// With Session called first, the host keeps its own and the files use a
// child, which is dropped and replaced the same way.
func TestReusedChildDroppedWhileIdle(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		for _, keep := range []bool{false, true} {
			p, err := faultproxy.Start(s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			// the connection the files use first goes through the proxy,
			// to be cut (the host's own, or the first child when it keeps
			// its own); the others go straight to the server
			via := 1
			if keep {
				via = 2
			}
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
				if n == via {
					o2 := *o
					o2.Host, o2.Port = p.Host(), p.Port()
					return DefaultSessionFactory(ctx, &o2)
				}
				return DefaultSessionFactory(ctx, o)
			}
			h := dial(t, o)
			own := h.sess
			if keep && h.Session() != own {
				t.Fatal("Session did not return the host's connection")
			}
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
			read() // CWD, EPSV, RETR
			mu.Lock()
			cmds = nil
			mu.Unlock()
			read() // reused at once: no NOOP, no CWD
			mu.Lock()
			for _, c := range cmds {
				if strings.Contains(c, "NOOP") || strings.Contains(c, "CWD") {
					t.Errorf("keep=%v: a connection reused at once in its directory sent %q", keep, c)
				}
			}
			mu.Unlock()
			p.Close() // the server side of the idle connection is gone
			read()
			// the host works on: its own connection (keep), or the one
			// that replaced the dropped one, taken back without a dial
			if names, err := h.Listdir(ctx, dir); err != nil || len(names) != 1 {
				t.Errorf("keep=%v: listdir after the drop: %v %v", keep, names, err)
			}
			if keep && h.sess != own {
				t.Errorf("keep: the host's connection changed after Session")
			}
			want := map[bool]int{false: 2, true: 3}[keep]
			if dials != want {
				t.Errorf("keep=%v: %d connections, want %d (the dropped one, its replacement%s)", keep, dials, want, map[bool]string{true: ", the host's"}[keep])
			}
		}
	})
}
