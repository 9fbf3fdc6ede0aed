package host

import (
	"context"
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
			if sum.Downloads != 200 || sum.Failed != 0 || sum.Retries == 0 || sum.Parallel != 1 {
				t.Errorf("summary %+v: want 200 downloads, retries, and parallelism shrunk to 1", sum)
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
