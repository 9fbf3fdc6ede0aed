package host_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/internal/localserver"
)

// server starts the built-in server over a folder with a few files, so
// that the examples run anywhere.
func server() (*localserver.Server, func()) {
	dir, _ := os.MkdirTemp("", "example")
	os.MkdirAll(filepath.Join(dir, "pub", "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "pub", "README"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "pub", "docs", "a.txt"), []byte("a\n"), 0o644)
	s, err := localserver.Start(localserver.Options{Root: dir, User: "u", Password: "p"})
	if err != nil {
		panic(err)
	}
	return s, func() { s.Close(); os.RemoveAll(dir) }
}

func Example() {
	srv, stop := server()
	defer stop()
	ctx := context.Background()
	h, err := host.Dial(ctx, host.Options{Host: srv.Host, Port: srv.Port, User: "u", Password: "p"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	names, _ := h.Listdir(ctx, "pub")
	slices.Sort(names)
	fmt.Println(names)
	st, _ := h.Stat(ctx, "pub/README")
	fmt.Println(st.Size, st.Mode&0o170000 == 0o100000)
	_, err = h.Stat(ctx, "pub/nothing")
	fmt.Println(err)
	fmt.Println(errors.Is(err, host.PermanentError), errors.Is(err, os.ErrNotExist))
	// Output:
	// [README docs]
	// 6 true
	// PermanentError: 550 /pub/nothing: no such file or directory
	// true true
}

func ExampleHost_Walk() {
	srv, stop := server()
	defer stop()
	ctx := context.Background()
	h, _ := host.Dial(ctx, host.Options{Host: srv.Host, Port: srv.Port, User: "u", Password: "p"})
	defer h.Close()
	w := h.Walk(ctx, "/pub", host.WalkOptions{})
	for w.Next() {
		fmt.Println(w.Dir(), w.Dirnames(), w.Filenames())
	}
	if err := w.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// /pub [docs] [README]
	// /pub/docs [] [a.txt]
}

func ExampleHost_Open() {
	srv, stop := server()
	defer stop()
	ctx := context.Background()
	h, _ := host.Dial(ctx, host.Options{Host: srv.Host, Port: srv.Port, User: "u", Password: "p"})
	defer h.Close()
	f, _ := h.Open(ctx, "pub/notes.txt", host.FileOptions{Mode: "w"})
	f.WriteString("one\ntwo\n")
	if err := f.Close(); err != nil { // the server's final reply
		fmt.Println(err)
	}
	f, _ = h.Open(ctx, "pub/notes.txt", host.FileOptions{})
	lines, _ := f.ReadLines()
	f.Close()
	fmt.Printf("%q\n", lines)
	// Output:
	// ["one\n" "two\n"]
}

func ExampleHost_Makedirs() {
	srv, stop := server()
	defer stop()
	ctx := context.Background()
	h, _ := host.Dial(ctx, host.Options{Host: srv.Host, Port: srv.Port, User: "u", Password: "p"})
	defer h.Close()
	fmt.Println(h.Makedirs(ctx, "/pub/a/b", false))
	err := h.Makedirs(ctx, "/pub/a/b", false)
	var he *host.Error
	errors.As(err, &he)
	fmt.Println(he.Class, he.Code, he.Message)
	fmt.Println(h.Makedirs(ctx, "/pub/a/b", true))
	// Output:
	// <nil>
	// PermanentError 17 path '/pub/a/b' exists
	// <nil>
}
