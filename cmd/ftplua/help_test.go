package main

import (
	"io"
	"strings"
	"testing"

	"github.com/ftplua/ftplua/docs"
	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// --help ends by pointing to the manual and to help().
func TestHelpPointsToManual(t *testing.T) {
	code, out, _ := runFtplua(t, "", "--help")
	if code != 0 || !strings.HasPrefix(out, "usage: ftplua") || !strings.HasSuffix(out, manualHint) {
		t.Errorf("--help: %d\n%s", code, out)
	}
	if !strings.Contains(manualHint, "docs/README.md") || !strings.Contains(manualHint, "help()") {
		t.Errorf("the hint names neither the manual nor help(): %s", manualHint)
	}
}

// help() lists every page of the manual, each with the topic that shows
// it.
func TestHelpIndex(t *testing.T) {
	_, _, out, errOut := replRun(t, nil, "help()")
	if errOut != "" {
		t.Fatalf("stderr: %s", errOut)
	}
	if !strings.HasPrefix(out, "The ftplua manual.") {
		t.Errorf("help():\n%s", out)
	}
	for _, p := range docs.Pages() {
		if !strings.Contains(out, `help("`+strings.TrimSuffix(p.Name, ".md")+`")`) {
			t.Errorf("help() does not list %s:\n%s", p.Name, out)
		}
	}
	// each topic it lists shows its page
	_, _, page, _ := replRun(t, nil, `help("getting-started")`)
	if !strings.HasPrefix(page, "(docs/getting-started.md)\n\n# Getting started\n") {
		t.Errorf(`help("getting-started") = %.200q`, page)
	}
}

// help with a name, a function of the module or an object prints the
// section of the manual about it; the three ways to name a function agree.
func TestHelpSections(t *testing.T) {
	s := testservers.Builtin(t, false)
	_, _, out, errOut := replRun(t, map[string]string{"URL": s.URL()},
		`h = ftputil.connect(URL)`,
		`help("ftputil.connect")`, `print("----")`,
		`help(ftputil.connect)`, `print("----")`,
		`help("host:listdir")`, `print("----")`,
		`help("listdir")`, `print("----")`,
		`help(h.listdir)`, `print("----")`,
		`help(h)`, `print("----")`,
		`help("no_such_name_anywhere")`, `print("----")`,
		`help(print)`, `print("----")`,
		`help(42)`, `print("----")`,
		`help("PermanentError")`, `print("----")`,
		`help(ftputil.error.TemporaryError)`,
	)
	if errOut != "" {
		t.Fatalf("stderr: %s", errOut)
	}
	parts := strings.Split(out, "----\n")
	if len(parts) != 11 {
		t.Fatalf("%d parts:\n%s", len(parts), out)
	}
	if !strings.HasPrefix(parts[9], "(docs/reference/errors.md)\n\n# ") || parts[10] != parts[9] {
		t.Errorf("help of an error class:\n%.200s\n%.200s", parts[9], parts[10])
	}
	connect, connectFn, listdir, bare, listdirFn, hostPage, none, notOurs, number :=
		parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], parts[7], parts[8]
	if !strings.HasPrefix(connect, "(docs/reference/module.md)\n\n## `ftputil.connect(") {
		t.Errorf(`help("ftputil.connect") = %.300q`, connect)
	}
	if connectFn != connect {
		t.Errorf("help(ftputil.connect) differs from help(\"ftputil.connect\"):\n%.300s", connectFn)
	}
	if !strings.HasPrefix(listdir, "(docs/reference/host.md)\n\n#") || !strings.Contains(strings.SplitN(listdir, "\n", 4)[2], "host:listdir") {
		t.Errorf(`help("host:listdir") = %.300q`, listdir)
	}
	if bare != listdir || listdirFn != listdir {
		t.Errorf("help(\"listdir\") or help(h.listdir) differ from help(\"host:listdir\"):\n%.300s\n%.300s", bare, listdirFn)
	}
	if !strings.HasPrefix(hostPage, "(docs/reference/host.md)\n\n# ") {
		t.Errorf("help(h) = %.200q", hostPage)
	}
	if none != "help: nothing in the manual about \"no_such_name_anywhere\"; help() lists its pages\n" {
		t.Errorf("help of an unknown name: %q", none)
	}
	if !strings.HasPrefix(notOurs, "help: this function is not one of the ftputil module's") {
		t.Errorf("help(print): %q", notOurs)
	}
	if !strings.HasPrefix(number, "help: no help for a number value") {
		t.Errorf("help(42): %q", number)
	}
}

// luabind.FunctionName names the functions of the module and of its
// objects as scripts write them.
func TestFunctionNames(t *testing.T) {
	s := testservers.Builtin(t, false)
	L, err := newState(io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer L.Close()
	defer luabind.CloseAll(L)
	L.SetGlobal("URL", lua.LString(s.URL()))
	if err := L.DoString(`
		h = ftputil.connect(URL)
		f = h:open("sample/file.txt")
		srv = ftputil.local_server{}
		local ok, e = pcall(h.listdir, h, "nope")
		err = e
		local other = ftputil.connect(URL)   -- a host no global holds
		other_join = other.path.join
	`); err != nil {
		t.Fatal(err)
	}
	for expr, want := range map[string]string{
		"ftputil.connect":                  "ftputil.connect",
		"ftputil.session":                  "ftputil.session",
		"ftputil.parser.unix":              "ftputil.parser.unix",
		"ftputil.parser.parse_unix_mode":   "ftputil.parser.parse_unix_mode",
		"ftputil.localfs.walk":             "ftputil.localfs.walk",
		"h.listdir":                        "host:listdir",
		"h.unlink":                         "host:unlink",
		"h.download_if_newer":              "host:download_if_newer",
		"h.path.join":                      "host.path.join",
		"h.path.isdir":                     "host.path.isdir",
		"other_join":                       "host.path.join",
		"h.stat_cache.clear":               "host.stat_cache:clear",
		"f.readline":                       "file:readline",
		"srv.connect":                      "local_server:connect",
		"ftputil.parser.unix().parse_line": "parser:parse_line",
		"err.is":                           "err:is",
		"ftputil.error.PermanentError.is":  "ftputil.error.class:is",
		"print":                            "",
		"function() end":                   "",
	} {
		if err := L.DoString("fn = " + expr); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		fn, _ := L.GetGlobal("fn").(*lua.LFunction)
		got, ok := luabind.FunctionName(L, fn)
		if got != want || ok != (want != "") {
			t.Errorf("FunctionName(%s) = %q, %v; want %q", expr, got, ok, want)
		}
	}
	L.DoString(`f:close()`)
}
