package host

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ftplua/ftplua/internal/faultproxy"
	"github.com/ftplua/ftplua/internal/ftpconn"
	"github.com/ftplua/ftplua/internal/testservers"
)

// A download whose data connection is closed in order in the middle (the
// server sent everything and says 226) fails, also after the connection
// has learnt that the server announces sizes in its 150 replies and no
// longer asks SIZE: vsftpd and proftpd announce them ("(N bytes)"), so a
// tree of downloads costs no SIZE per file there; the others are asked
// SIZE before every RETR.
func TestShortDownloadWithoutSize(t *testing.T) {
	ctx := context.Background()
	plainServers(t, func(t *testing.T, s testservers.Server, p *faultproxy.Proxy, o Options) {
		var mu sync.Mutex
		var sent []string
		o.Debug = func(line string) {
			if strings.HasPrefix(line, "> SIZE ") || strings.HasPrefix(line, "> RETR ") {
				mu.Lock()
				sent = append(sent, line[2:])
				mu.Unlock()
			}
		}
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		data := xoData(200_000, 5)
		xoWrite(t, s, dir+"/a.bin", data)
		xoWrite(t, s, dir+"/b.bin", data)
		local := t.TempDir()
		for _, name := range []string{"a.bin", "b.bin"} {
			if err := h.Download(ctx, dir+"/"+name, filepath.Join(local, name), nil); err != nil {
				t.Fatal(err)
			}
		}
		dst := filepath.Join(local, "a.bin")
		if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		p.Set(faultproxy.Data, faultproxy.ToClient, faultproxy.Fault{After: 100_000, Cut: true, Graceful: true})
		err := h.Download(ctx, dir+"/a.bin", dst, nil)
		p.Clear()
		if !errors.Is(err, FTPIOError) || !errors.Is(err, ftpconn.ErrShortData) {
			t.Fatalf("download cut in order: %v", err)
		}
		if b, _ := os.ReadFile(dst); string(b) != "old" {
			t.Errorf("the local file changed: %d bytes", len(b))
		}
		if err := h.Download(ctx, dir+"/a.bin", dst, nil); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
			t.Error("download after the cut differs")
		}
		want := []string{"SIZE a.bin", "RETR a.bin", "SIZE b.bin", "RETR b.bin", "SIZE a.bin", "RETR a.bin", "SIZE a.bin", "RETR a.bin"}
		switch s.Kind() {
		case "vsftpd", "proftpd":
			want = []string{"SIZE a.bin", "RETR a.bin", "RETR b.bin", "RETR a.bin", "RETR a.bin"}
		}
		mu.Lock()
		defer mu.Unlock()
		xoExpect(t, "SIZE and RETR sent", sent, want)
	})
}
