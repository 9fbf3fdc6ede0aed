package luabind

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// localTree makes top/{a.txt, b/{c.txt, d/e.txt}, z/, link -> b, ln.txt -> a.txt}.
func localTree(t testing.TB) string {
	t.Helper()
	top := t.TempDir()
	for name, body := range map[string]string{"a.txt": "aaa", "b/c.txt": "c", "b/d/e.txt": "eeeee"} {
		p := filepath.Join(top, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(top, "z"), 0o755)
	os.Symlink("b", filepath.Join(top, "link"))
	os.Symlink("a.txt", filepath.Join(top, "ln.txt"))
	when := time.Date(2020, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
	os.Chtimes(filepath.Join(top, "a.txt"), when, when)
	return top
}

func runLua(t *testing.T, L *lua.LState, chunk string) string {
	t.Helper()
	var out strings.Builder
	L.SetGlobal("out", L.NewFunction(func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				out.WriteString(" ")
			}
			out.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		out.WriteString("\n")
		return 0
	}))
	if err := L.DoString(chunk); err != nil {
		t.Fatalf("%v", err)
	}
	return out.String()
}

func TestLocalWalk(t *testing.T) {
	top := localTree(t)
	L := withModule(t, Config{}, registerLocal)
	L.SetGlobal("TOP", lua.LString(top))
	got := runLua(t, L, `
		local fs = ftputil.localfs
		local function show(dir, dirs, files)
			out(dir:sub(#TOP + 1) .. "|" .. table.concat(dirs, ",") .. "|" .. table.concat(files, ","))
		end
		for dir, dirs, files in fs.walk(TOP) do show(dir, dirs, files) end
		out("-- pruned")
		for dir, dirs, files in fs.walk(TOP) do
			show(dir, dirs, files)
			for i = #dirs, 1, -1 do if dirs[i] == "b" then table.remove(dirs, i) end end
		end
		out("-- names added to dirnames are ignored; reordering orders")
		for dir, dirs, files in fs.walk(TOP) do
			show(dir, dirs, files)
			if dir == TOP then
				dirs[1], dirs[3] = "z", "b"
				dirs[#dirs + 1] = ".."
				dirs[#dirs + 1] = "b"
			end
		end
		out("-- bottom-up, following links")
		for dir, dirs, files in fs.walk(TOP, {topdown = false, followlinks = true}) do show(dir, dirs, files) end
		out("-- missing top")
		local errs = {}
		for dir in fs.walk(TOP .. "/nope", {onerror = function(e) errs[#errs + 1] = e end}) do out(dir) end
		out(#errs, errs[1].class, errs[1]:is("OSError"), errs[1].path == TOP .. "/nope")
		for dir in fs.walk(TOP .. "/nope") do out(dir) end
	`)
	want := `|b,link,z|a.txt,ln.txt
/b|d|c.txt
/b/d||e.txt
/z||
-- pruned
|b,link,z|a.txt,ln.txt
/z||
-- names added to dirnames are ignored; reordering orders
|b,link,z|a.txt,ln.txt
/z||
/b|d|c.txt
/b/d||e.txt
-- bottom-up, following links
/b/d||e.txt
/b|d|c.txt
/link/d||e.txt
/link|d|c.txt
/z||
|b,link,z|a.txt,ln.txt
-- missing top
1 FTPIOError true true
`
	if got != want {
		t.Errorf("walk:\n%s\nwant\n%s", got, want)
	}
}

func TestLocalQueriesAndStat(t *testing.T) {
	top := localTree(t)
	L := withModule(t, Config{}, registerLocal)
	L.SetGlobal("TOP", lua.LString(top))
	got := runLua(t, L, `
		local fs = ftputil.localfs
		out(table.concat(fs.listdir(TOP), ","))
		for _, p in ipairs{"a.txt", "b", "link", "ln.txt", "nope", "a.txt/x"} do
			local q = TOP .. "/" .. p
			out(p, fs.exists(q), fs.isdir(q), fs.isfile(q), fs.islink(q))
		end
		local st = fs.stat(TOP .. "/a.txt")
		out(st.name, st.type, st.st_size, string.format("%.1f", st.st_mtime), string.format("%o", st.st_mode),
			st.mtime_precision, st.target, st[7])
		local ls = fs.lstat(TOP .. "/ln.txt")
		out(ls.name, ls.type, ls.target, fs.stat(TOP .. "/ln.txt").type)
		out(fs.getsize(TOP .. "/b/d/e.txt"), string.format("%.1f", fs.getmtime(TOP .. "/a.txt")))
		local ok, e = pcall(fs.stat, TOP .. "/nope")
		out(ok, e.class, e.message == "local file: stat " .. TOP .. "/nope: no such file or directory", e.path == TOP .. "/nope")
		ok, e = pcall(fs.stat, "")
		out(fs.exists(""), ok, (e:gsub("^.-: bad", "bad")))
	`)
	want := `a.txt,b,link,ln.txt,z
a.txt true false true false
b true true false false
link true true false true
ln.txt true false true true
nope false false false false
a.txt/x false false false false
a.txt file 3 1577934245.5 100644 nil nil 3
ln.txt link a.txt file
5 1577934245.5
false FTPIOError true true
false false bad argument #1 to 'stat' (empty path)
`
	if got != want {
		t.Errorf("got:\n%s\nwant\n%s", got, want)
	}
}

func TestLocalMakedirsAndRemove(t *testing.T) {
	top := localTree(t)
	L := withModule(t, Config{}, registerLocal)
	L.SetGlobal("TOP", lua.LString(top))
	got := runLua(t, L, `
		local fs = ftputil.localfs
		fs.makedirs(TOP .. "/n/e/w")
		out(fs.isdir(TOP .. "/n/e/w"))
		local ok, e = pcall(fs.makedirs, TOP .. "/n/e/w")
		out(ok, e.class, e.message:find("file already exists") ~= nil)
		fs.makedirs(TOP .. "/n/e/w", {exist_ok = true})
		ok, e = pcall(fs.makedirs, TOP .. "/a.txt", {exist_ok = true})
		out(ok, e.class)
		out(pcall(fs.makedirs, TOP .. "/q", {exist = true}))
		fs.remove(TOP .. "/a.txt")
		fs.remove(TOP .. "/n/e/w")
		out(fs.exists(TOP .. "/a.txt"), fs.exists(TOP .. "/n/e/w"))
		ok, e = pcall(fs.remove, TOP .. "/b")
		out(ok, e.class, e.path == TOP .. "/b")
	`)
	want := `true
false FTPIOError true
false FTPIOError
false <string>:10: bad argument #2 to 'makedirs' (unknown option 'exist')
false false
false FTPIOError true
`
	if got != want {
		t.Errorf("got:\n%s\nwant\n%s", got, want)
	}
}

// With Config.LocalRoot, paths are relative to it and may not leave it,
// not even through a link.
func TestLocalRespectsLocalRoot(t *testing.T) {
	top := localTree(t)
	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(top, "escape"))
	L := withModule(t, Config{LocalRoot: top}, registerLocal)
	got := runLua(t, L, `
		local fs = ftputil.localfs
		out(fs.isfile("a.txt"), fs.getsize("b/d/e.txt"))
		fs.makedirs("n/e/w")
		fs.makedirs("b/d/f", {exist_ok = true})
		out(fs.isdir("n/e/w"), fs.isdir("b/d/f"), pcall(fs.makedirs, "escape/sub"))
		for dir, dirs, files in fs.walk("b") do out(dir, #dirs, #files) end
		for _, f in ipairs{"stat", "listdir", "exists", "makedirs"} do
			local ok, e = pcall(fs[f], "../x")
			out(f, e)
		end
		local ok, e = pcall(fs.listdir, "escape")
		out(e)
	`)
	want := `true 5
true true false <string>:6: bad argument #1 to 'makedirs' (local path escape/sub is outside the allowed folder)
b 1 1
b/d 1 1
b/d/f 0 0
stat <string>:9: bad argument #1 to 'stat' (local path ../x is outside the allowed folder)
listdir <string>:9: bad argument #1 to 'listdir' (local path ../x is outside the allowed folder)
exists <string>:9: bad argument #1 to 'exists' (local path ../x is outside the allowed folder)
makedirs <string>:9: bad argument #1 to 'makedirs' (local path ../x is outside the allowed folder)
<string>:12: bad argument #1 to 'listdir' (local path escape is outside the allowed folder)
`
	if got != want {
		t.Errorf("got:\n%s\nwant\n%s", got, want)
	}
}

// FuzzLocalfsArgs calls every localfs function and progress with arguments
// made from the input, in a sandbox confined to a folder: every failure
// must be a Lua error, never a Go panic.
func FuzzLocalfsArgs(f *testing.F) {
	top := localTree(f)
	L := lua.NewState()
	f.Cleanup(L.Close)
	if err := Open(L, Config{Sandbox: true, LocalRoot: top}); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { CloseAll(L) })
	mod := L.GetGlobal("ftputil").(*lua.LTable)
	registerLocal(L, mod)
	registerProgress(L, mod)
	funcs := []string{"localfs.walk", "localfs.listdir", "localfs.stat", "localfs.lstat", "localfs.exists",
		"localfs.isdir", "localfs.isfile", "localfs.islink", "localfs.getsize", "localfs.getmtime",
		"localfs.makedirs", "localfs.remove", "progress", "progress(10)", "progress()"}
	values := func(b byte, s string) string {
		switch b % 10 {
		case 0:
			return "nil"
		case 1:
			return fmt.Sprintf("%d", int(b)-100)
		case 2:
			return fmt.Sprintf("%q", s)
		case 3:
			return "{}"
		case 4:
			return "true"
		case 5:
			return "function() end"
		case 6:
			return fmt.Sprintf("{topdown = %v, followlinks = true, exist_ok = %q}", b%4 == 0, s)
		case 7:
			return "0/0"
		case 8:
			return "1/0"
		default:
			return fmt.Sprintf("%q", "../"+s)
		}
	}
	for _, seed := range []string{"\x00\x01\x02", "\x01\x02\x09\x06", "\x0a\x01\x00", "\x0c\x01\x07"} {
		f.Add([]byte(seed), "a.txt")
	}
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		if len(b) < 2 {
			return
		}
		var args []string
		for i := 0; i < int(b[1])%4 && 2+i < len(b); i++ {
			args = append(args, values(b[2+i], s))
		}
		call := "ftputil." + funcs[int(b[0])%len(funcs)] + "(" + strings.Join(args, ", ") + ")"
		if strings.HasSuffix(funcs[int(b[0])%len(funcs)], "walk") {
			call = "(function() for a, b, c in " + call + " do end end)()"
		}
		err := L.DoString("local ok, e = pcall(function() return " + call + " end)\n" +
			"if not ok then _last = tostring(e) else _last = nil end")
		if err != nil {
			t.Fatalf("%s: the guard itself failed: %v", call, err)
		}
		msg := lua.LVAsString(L.GetGlobal("_last"))
		for _, bad := range []string{"runtime error", "invalid memory address", "interface conversion", "goroutine ", "panic"} {
			if strings.Contains(msg, bad) {
				t.Fatalf("%s: a Go panic reached Lua: %s", call, msg)
			}
		}
	})
}
