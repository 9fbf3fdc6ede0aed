package luabind_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// A sandboxed state: no io, no os.execute; downloads only inside the
// confined folder (links included); a cancelled context stops a 1 GiB
// transfer within a second.
func TestSandbox(t *testing.T) {
	s := testservers.Builtin(t, false)
	// a 1 GiB file that costs no disk: sparse
	big := filepath.Join(s.Root, "big.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(1 << 30)
	f.Close()
	confined := t.TempDir()
	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(confined, "escape"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	L := lua.NewState()
	defer L.Close()
	if err := luabind.Open(L, luabind.Config{Sandbox: true, LocalRoot: confined, Context: ctx}); err != nil {
		t.Fatal(err)
	}
	defer luabind.CloseAll(L)
	L.SetGlobal("URL", lua.LString(s.URL()))

	for _, c := range []struct{ chunk, want string }{
		{`io.open("/etc/passwd")`, "attempt to index a non-table object(nil) with key 'open'"},
		{`os.execute("true")`, "attempt to call a non-function object"},
		{`dofile("/etc/passwd")`, "attempt to call a non-function object"},
		{`loadfile("/etc/passwd")`, "attempt to call a non-function object"},
		{`require("os_module_from_disk")`, "module os_module_from_disk not found"},
		{`local h = ftputil.connect(URL); h:download("/sample/file.txt", "` + outside + `/x")`,
			"bad argument #2 to 'download' (local path " + outside + "/x is outside the allowed folder)"},
		{`local h = ftputil.connect(URL); h:download("/sample/file.txt", "escape/x")`,
			"bad argument #2 to 'download' (local path escape/x is outside the allowed folder)"},
		{`local h = ftputil.connect(URL); h:upload("../../etc/passwd", "/x")`,
			"bad argument #1 to 'upload' (local path ../../etc/passwd is outside the allowed folder)"},
	} {
		err := L.DoString(c.chunk)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.chunk, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "x")); err == nil {
		t.Error("a file was written outside the confined folder")
	}
	// inside the folder it works
	if err := L.DoString(`local h = ftputil.connect(URL); h:download("/sample/file.txt", "in.txt"); h:close()`); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(confined, "in.txt")); string(b) != "hello\n" {
		t.Errorf("download inside the folder: %q", b)
	}

	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	err = L.DoString(`
		local h = ftputil.connect(URL)
		local ok, e = pcall(h.download, h, "/big.bin", "big.bin")
		assert(not ok, "the 1 GiB download finished")
		error(e)
	`)
	d := time.Since(start)
	if err == nil {
		t.Fatal("no error after cancel")
	}
	if d > 300*time.Millisecond+time.Second {
		t.Errorf("cancel took %v after it was asked for", d-300*time.Millisecond)
	}
	if !strings.Contains(err.Error(), "cancel") {
		t.Errorf("error %v does not say it was cancelled", err)
	}
	entries, _ := os.ReadDir(confined)
	for _, e := range entries {
		if e.Name() != "in.txt" && e.Name() != "escape" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
