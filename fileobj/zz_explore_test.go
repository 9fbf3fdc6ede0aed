package fileobj

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ftplua/ftplua/internal/ftpconn"
	"github.com/ftplua/ftplua/internal/testservers"
)

func TestZZDir(t *testing.T) {
	ctx := context.Background()
	s := testservers.Builtin(t, true)
	dir := testservers.Scratch(t, s)
	os.Mkdir(filepath.Join(s.Root, dir, "adir"), 0o777)
	cfg := config(t, s)
	cfg.Debug = func(l string) { t.Log(l) }
	c, err := ftpconn.Dial(ctx, cfg)
	if err != nil { t.Fatal(err) }
	c.Cmd(ctx, "CWD "+dir)
	for i := 0; i < 5; i++ {
		f, err := Open(ctx, c, "adir", Options{Mode: "rb"}, nil)
		if err != nil { t.Fatal(err) }
		b, err := f.ReadChars(-1)
		t.Logf("read %q %v", b, err)
		t.Logf("close %v", f.Close())
		t.Logf("broken %v", c.Broken())
	}
}
