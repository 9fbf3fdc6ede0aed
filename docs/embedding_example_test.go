package docs_test

// The Go code shown in embedding.md is cut from these examples, which go
// test compiles and runs; TestGoSnippets checks that every go block of
// that page appears here (or in the Example tests of luabind and host).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/internal/localserver"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// exampleServer starts the built-in server over a few files; the
// application's own server stands in its place in the manual.
func exampleServer() (addr, url string, srv *localserver.Server, stop func()) {
	dir, _ := os.MkdirTemp("", "embed-example")
	s, err := localserver.Start(localserver.Options{Root: dir, User: "alice", Password: "secret",
		Files: map[string]string{"pub/a.txt": "A\n", "pub/b.txt": "BB\n", "pub/notes/n1.txt": "n1\n"}})
	if err != nil {
		panic(err)
	}
	return s.Addr(), s.URL(), s, func() { s.Close(); os.RemoveAll(dir) }
}

// An application runs a user's script in a sandbox, with a deadline, and
// reads the error object of a failure.
func Example_runScript() {
	_, url, _, stop := exampleServer()
	defer stop()
	work, _ := os.MkdirTemp("", "embed-work")
	defer os.RemoveAll(work)
	script := `
		local host = ftputil.connect(URL)
		host:download("pub/b.txt", "b.txt")
		print(#host:listdir("pub"))
		host:stat("pub/missing.txt")
	`

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var debugLog bytes.Buffer
	L := lua.NewState()
	defer L.Close()
	err := luabind.Open(L, luabind.Config{
		Context:   ctx,       // bounds the script and every FTP operation
		Stderr:    &debugLog, // where debug = true writes
		Sandbox:   true,      // no io, os.execute, dofile, require of files
		LocalRoot: work,      // upload/download only inside this folder
	})
	if err != nil {
		panic(err)
	}
	defer luabind.CloseAll(L) // closes what the script left open; before L.Close
	L.SetGlobal("URL", lua.LString(url))

	err = L.DoString(script)
	var apiErr *lua.ApiError
	if errors.As(err, &apiErr) {
		if obj, ok := apiErr.Object.(*lua.LTable); ok {
			fmt.Println(obj.RawGetString("class"), obj.RawGetString("code"), obj.RawGetString("path"))
		}
	}
	b, _ := os.ReadFile(filepath.Join(work, "b.txt"))
	fmt.Printf("%q\n", b)
	// Output:
	// 3
	// PermanentError 550 /pub/missing.txt
	// "BB\n"
}

// Preload makes require("ftputil") work without setting the global; each
// goroutine has a state of its own.
func Example_statePerGoroutine() {
	_, url, _, stop := exampleServer()
	defer stop()
	dirs := []string{"pub", "pub/notes"}
	counts := make([]lua.LValue, len(dirs))
	var wg sync.WaitGroup
	for i, dir := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			L := lua.NewState() // one LState per goroutine, never shared
			defer L.Close()
			luabind.Preload(L, luabind.Config{})
			defer luabind.CloseAll(L)
			L.SetGlobal("URL", lua.LString(url))
			L.SetGlobal("DIR", lua.LString(dir))
			err := L.DoString(`
				local ftputil = require("ftputil")
				COUNT = ftputil.session(URL, function(host) return #host:listdir(DIR) end)
			`)
			if err != nil {
				panic(err)
			}
			counts[i] = L.GetGlobal("COUNT")
		}()
	}
	wg.Wait()
	fmt.Println(counts)
	// Output:
	// [3 1]
}

// A host made in Go is handed to a script; the application keeps it (and
// closes it).
func Example_handHostToScript() {
	_, _, srv, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	h, err := host.Dial(ctx, host.Options{Host: srv.Host, Port: srv.Port, User: "alice", Password: "secret"})
	if err != nil {
		panic(err)
	}
	defer h.Close()

	L := lua.NewState()
	defer L.Close()
	luabind.Open(L, luabind.Config{Context: ctx})
	defer luabind.CloseAll(L)
	luabind.SetGlobal(L, "host", h) // the module's host object, every method of the manual
	luabind.SetGlobal(L, "limits", map[string]int{"max_files": 2})
	err = L.DoString(`
		local names = host:listdir("pub")
		table.sort(names)
		for i = 1, limits.max_files do print(names[i]) end
	`)
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(h.Closed())
	// Output:
	// a.txt
	// b.txt
	// false
}

// The host package without Lua: an io/fs view of a remote tree, and
// errors that work with errors.Is.
func Example_hostFS() {
	_, _, srv, stop := exampleServer()
	defer stop()
	ctx := context.Background()
	h, err := host.Dial(ctx, host.Options{Host: srv.Host, Port: srv.Port, User: "alice", Password: "secret"})
	if err != nil {
		panic(err)
	}
	defer h.Close()

	fsys := h.FS(ctx, "/pub")
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			fmt.Println(p)
		}
		return err
	})
	b, _ := fs.ReadFile(fsys, "notes/n1.txt")
	fmt.Printf("%q\n", b)

	_, err = h.Stat(ctx, "/pub/missing.txt")
	fmt.Println(errors.Is(err, host.PermanentError), errors.Is(err, fs.ErrNotExist))
	var he *host.Error
	if errors.As(err, &he) {
		fmt.Println(he.Class, he.Code, he.Path)
	}
	// Output:
	// a.txt
	// b.txt
	// notes/n1.txt
	// "n1\n"
	// true true
	// PermanentError 550 /pub/missing.txt
}

// Options.SessionFactory (Config.SessionFactory for scripts) puts a layer
// of the application's own under every connection: here one that counts
// the commands sent.
func Example_sessionFactory() {
	_, url, _, stop := exampleServer()
	defer stop()
	var mu sync.Mutex
	counts := map[string]int{}
	factory := func(ctx context.Context, o *host.Options) (host.Session, error) {
		s, err := host.DefaultSessionFactory(ctx, o)
		if err != nil {
			return nil, err
		}
		return &countingSession{Session: s, count: func(verb string) {
			mu.Lock()
			counts[verb]++
			mu.Unlock()
		}}, nil
	}

	L := lua.NewState()
	defer L.Close()
	luabind.Open(L, luabind.Config{SessionFactory: factory})
	defer luabind.CloseAll(L)
	L.SetGlobal("URL", lua.LString(url))
	if err := L.DoString(`ftputil.session(URL, function(h) h:listdir("pub"); h:listdir("pub/notes") end)`); err != nil {
		panic(err)
	}
	fmt.Println(counts["CWD"], counts["LIST"])
	// Output:
	// 2 2
}

// countingSession reports the verb of every command and transfer.
type countingSession struct {
	host.Session
	count func(verb string)
}

func (s *countingSession) Cmd(ctx context.Context, line string) (int, string, error) {
	s.count(strings.ToUpper(strings.Fields(line + " ")[0]))
	return s.Session.Cmd(ctx, line)
}

func (s *countingSession) Transfer(ctx context.Context, cmd string, offset int64) (io.ReadWriteCloser, error) {
	s.count(strings.ToUpper(strings.Fields(cmd + " ")[0]))
	return s.Session.Transfer(ctx, cmd, offset)
}
