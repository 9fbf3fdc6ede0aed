package luabind_test

import (
	"strings"
	"testing"

	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// TestPcallKeepsUpvalues: a caught error leaves closures sharing the
// locals of the functions still running (yuin/gopher-lua#448), while the
// locals of the frames the error unwound are closed with their last
// values, as in Lua 5.1.
func TestPcallKeepsUpvalues(t *testing.T) {
	const script = `
		local out = {}
		local function say(...) out[#out + 1] = table.concat({...}, " ") end

		-- a closure over a local of the running chunk
		local n = 0
		local function inc() n = n + 1 end
		for i = 1, 3 do
			inc()
			pcall(error, "x")
			inc()
		end
		say("counter", n)

		-- an error raised by Go (a bad argument) and a runtime error
		local m = 0
		local function incm() m = m + 1 end
		pcall(string.rep)
		pcall(function() local t = nil; return t.x end)
		incm()
		say("after Go and runtime errors", m)

		-- nested: an inner pcall returns, then the outer call fails
		local k = 0
		local function inck() k = k + 1 end
		pcall(function()
			pcall(error, "inner")
			inck()
			error("outer")
		end)
		inck()
		say("nested", k)

		-- closures made inside the failed call keep their values
		local get
		pcall(function()
			local x = "kept"
			get = function() return x end
			local filler1, filler2, filler3 = 1, 2, 3
			error("e")
		end)
		local a, b, c, d = "overwrite", "overwrite", "overwrite", "overwrite"
		say("closed", get())

		-- xpcall, with a handler that sees the error
		local j = 0
		local function incj() j = j + 1 end
		local ok, msg = xpcall(function() error({code = 7}) end, function(e) incj(); return e.code end)
		incj()
		say("xpcall", tostring(ok), msg, j)

		-- results and errors as before
		say("pcall", select("#", pcall(function() return 1, nil, 3 end)), tostring(pcall(error, "plain", 0)))
		local ok2, e2 = pcall(error, "with position")
		say("msg", e2)
		say("not callable", select(2, pcall(42)))
		say("xpcall ok", select("#", xpcall(function() return 1, 2 end, print)))

		-- inside a coroutine
		local co = coroutine.wrap(function()
			local z = 0
			local function incz() z = z + 1 end
			pcall(error, "x")
			incz()
			coroutine.yield(z)
		end)
		say("coroutine", co())
		return table.concat(out, "\n")
	`
	L := lua.NewState()
	defer L.Close()
	if err := luabind.Open(L, luabind.Config{}); err != nil {
		t.Fatal(err)
	}
	defer luabind.CloseAll(L)
	if err := L.DoString(script); err != nil {
		t.Fatal(err)
	}
	got := L.Get(-1).String()
	want := strings.Join([]string{
		"counter 6",
		"after Go and runtime errors 1",
		"nested 2",
		"closed kept",
		"xpcall false 7 2",
		"pcall 4 false",
		"msg <string>:54: with position",
		"not callable attempt to call a number value",
		"xpcall ok 3",
		"coroutine 1",
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
