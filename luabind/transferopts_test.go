package luabind

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftplua/ftplua/internal/testservers"
	lua "github.com/yuin/gopher-lua"
)

// xoTransfer is upload/download as transfer() makes them, with the options
// argument handled by transferWithOptions (the wiring the method table
// gets).
func xoTransfer(name string, upload bool) lua.LGFunction {
	return func(L *lua.LState) int {
		hh := checkHost(L, name)
		var local, remote string
		if upload {
			local = checkString(L, 2, 1, name)
			remote = checkPath(L, 3, 2, name)
		} else {
			remote = checkPath(L, 2, 1, name)
			local = checkString(L, 3, 2, name)
		}
		cb := chunkCallback(L, optCallback(L, 4, 3, name))
		local = getState(L).localPath(L, local, 1+boolInt(!upload), name)
		if n, ok := transferWithOptions(L, hh, name, upload, local, remote, cb); ok {
			return n
		}
		hh.run(L, func() error {
			if upload {
				return hh.h.Upload(hh.ctx(L), local, remote, cb)
			}
			return hh.h.Download(hh.ctx(L), remote, local, cb)
		})
		return 0
	}
}

func TestLuaTransferOptions(t *testing.T) {
	s := testservers.Builtin(t, false)
	dir := testservers.Scratch(t, s)
	local := t.TempDir()
	data := bytes.Repeat([]byte("0123456789"), 20_000)
	os.WriteFile(filepath.Join(local, "src.bin"), data, 0o644)
	os.WriteFile(filepath.Join(local, "dst.bin"+".ftplua-part"), data[:70_000], 0o644)
	os.WriteFile(filepath.Join(s.Root, dir, "old.txt"), []byte("old"), 0o644)

	L := lua.NewState()
	defer L.Close()
	Preload(L, Config{})
	defer CloseAll(L)
	if err := L.DoString(`ftputil = require("ftputil")`); err != nil {
		t.Fatal(err)
	}
	L.SetGlobal("upload", L.NewFunction(xoTransfer("upload", true)))
	L.SetGlobal("download", L.NewFunction(xoTransfer("download", false)))
	L.SetGlobal("infer_time_shift", L.NewFunction(hostInferTimeShift))
	L.SetGlobal("url", lua.LString(s.URL()))
	L.SetGlobal("dir", lua.LString(dir))
	L.SetGlobal("here", lua.LString(local))
	script := `
		local out = {}
		local function show(r)
			return string.format("bytes=%s resumed_from=%s verified=%s transferred=%s",
				tostring(r.bytes), tostring(r.resumed_from), tostring(r.verified), tostring(r.transferred))
		end
		local h = ftputil.connect(url)
		local n = 0
		local r = upload(h, here .. "/src.bin", dir .. "/up.bin", function(c) n = n + #c end,
			{verify = true, atomic = true, min_verify = "hash"})
		out[#out + 1] = "upload " .. show(r) .. " chunks=" .. n
		r = download(h, dir .. "/up.bin", here .. "/dst.bin", nil, {resume = true, verify = true})
		out[#out + 1] = "download " .. show(r)
		r = download(h, dir .. "/up.bin", here .. "/plain.bin", nil, {})
		out[#out + 1] = "empty options " .. show(r)
		out[#out + 1] = "no options " .. select("#", download(h, dir .. "/up.bin", here .. "/plain.bin"))
		r = upload(h, here .. "/src.bin", dir .. "/up.bin", nil, {resume = true})
		out[#out + 1] = "complete " .. show(r)
		for _, opts in ipairs{ {resum = true}, {verify = "yes"}, {min_verify = "sha3"}, {min_verify = 1}, {[1] = true}, "x"} do
			local ok, err = pcall(upload, h, here .. "/src.bin", dir .. "/x", nil, opts)
			out[#out + 1] = tostring(err)
		end
		local ok, err = pcall(download, h, dir .. "/nothing", here .. "/n", nil, {resume = true})
		out[#out + 1] = err.class .. " " .. tostring(err.code)
		out[#out + 1] = "shift " .. tostring(infer_time_shift(h, dir))
		h:chdir(dir .. "/..")
		local shift, why = infer_time_shift(h)
		out[#out + 1] = "no file: " .. tostring(shift) .. " " .. why
		local ok, err = pcall(infer_time_shift, h, 3)
		out[#out + 1] = tostring(err)
		return table.concat(out, "\n")
	`
	if err := L.DoString(script); err != nil {
		t.Fatal(err)
	}
	got := L.Get(-1).String()
	want := strings.Join([]string{
		"upload bytes=200000 resumed_from=0 verified=sha256 transferred=true chunks=200000",
		"download bytes=130000 resumed_from=70000 verified=sha256 transferred=true",
		"empty options bytes=200000 resumed_from=0 verified=nil transferred=true",
		"no options 0",
		"complete bytes=0 resumed_from=200000 verified=nil transferred=false",
		"<string>:20: bad argument #4 to 'upload' (unknown option 'resum')",
		"<string>:20: bad argument #4 to 'upload' (option 'verify': boolean expected, got string)",
		`<string>:20: bad argument #4 to 'upload' (option 'min_verify': "size", "hash", "crc32", "md5", "sha1", "sha256" or "sha512" expected, got "sha3")`,
		"<string>:20: bad argument #4 to 'upload' (option 'min_verify': string expected, got number)",
		"<string>:20: bad argument #4 to 'upload' (option names must be strings, got number)",
		"<string>:20: bad argument #4 to 'upload' (table of options expected, got string)",
		"FTPIOError 550",
		"shift 0",
		"no file: nil no file in / is listed with its time to the minute",
		"<string>:29: bad argument #1 to 'infer_time_shift' (string expected, got number)",
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(local, "dst.bin")); !bytes.Equal(b, data) {
		t.Error("download differs")
	}
}
