package luabind_test

import (
	"context"
	"fmt"
	"os"

	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// An application embeds the module: it opens a state with a sandbox (no
// io, no os.execute; local files only inside one folder) and a context
// that bounds everything the script does, hands the script a value of its
// own, runs it, and closes whatever the script left open.
func Example() {
	work, _ := os.MkdirTemp("", "embed")
	defer os.RemoveAll(work)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	L := lua.NewState()
	defer L.Close()
	if err := luabind.Open(L, luabind.Config{Context: ctx, Sandbox: true, LocalRoot: work}); err != nil {
		panic(err)
	}
	defer luabind.CloseAll(L) // hosts, files and servers the script did not close

	// a value of the application's own, through gopher-luar
	type job struct {
		Dir   string
		Count int
	}
	j := &job{Dir: "/pub"}
	luabind.SetGlobal(L, "job", j)

	err := L.DoString(`
		local srv = ftputil.local_server{ root = ".", files = { ["pub/a.txt"] = "A", ["pub/b.txt"] = "BB" } }
		local h = srv:connect()
		job.Count = #h:listdir(job.Dir)
		h:download("/pub/b.txt", "b-copy.txt")
		local ok, err = pcall(h.listdir, h, "/nothing")
		print(err.class, err.code)
		print(io == nil, os.execute == nil)
		h:close()
		srv:close()
	`)
	if err != nil {
		fmt.Println(err)
	}
	b, _ := os.ReadFile(work + "/b-copy.txt")
	fmt.Println(j.Count, string(b))
	// Output:
	// PermanentError	550
	// true	true
	// 2 BB
}
