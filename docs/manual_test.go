package docs

// The manual cannot rot: every Lua example in docs/*.md and
// docs/reference/*.md runs here, and what it prints is compared with the
// output block shown under it.
//
// The contract for writers of the pages:
//
//   - A runnable example is a fenced block with the info string "lua". If
//     the next thing after it (blank lines aside) is a fenced block with
//     the info string "output", that block is exactly what the example
//     prints to stdout (one trailing newline aside). A "lua" block without
//     an "output" block must print nothing. Either way it must not raise.
//   - Examples connect with the URL ftp://alice:secret@ftp.example.com/
//     (a path may follow, and the table form {url = "ftp://alice:...", ...}
//     works too). The test replaces ftp://alice:secret@ftp.example.com by
//     the test server's URL. In what the example prints, the server's
//     address is written back as ftp.example.com:21, so that
//     tostring(host) reads "FTPHost(alice@ftp.example.com:21, open)".
//   - Each example runs in a fresh Lua state (the module opened as ftplua
//     opens it) with a fresh temporary folder as its working directory,
//     against a fresh copy of the fixture (docs/testdata/fixture, plus the
//     empty folder incoming/, with the times of fixtureTimes) on the
//     built-in server (user alice, password secret).
//   - "lua vsftpd" runs against vsftpd instead (FTP_VSFTPD_* from
//     spec/servers/start.sh), in a scratch folder holding the fixture: the
//     URL's path starts there, so such examples use relative paths. The
//     scratch folder's name is removed from what they print. Without
//     vsftpd they are skipped, unless CI=true, where that fails.
//   - "lua no-run" is an example that cannot run here (it needs the
//     reader's own server). It must follow an HTML comment
//     <!-- no-run: reason -->. Keep them few.
//   - A fenced block with the info string "console" is a shell session:
//     lines "$ ftplua scripts/NAME.lua ARGS..." (or "$ ftplua -e 'CHUNK'")
//     each followed by what the command prints to stdout. The commands run
//     one after the other, as ftplua runs them, in one temporary folder
//     against one copy of the fixture on the built-in server, with the Lua
//     clock (os.time()) at consoleNow, so that scripts that compute ages
//     print the same every day. Other commands are not allowed there.
//
// Subtests are named by page and line: reference/host.md:120.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/localserver"
	"github.com/ftplua/ftplua/internal/testservers"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// Placeholder is the server of the examples.
const placeholder = "ftp://alice:secret@ftp.example.com"

// fixtureTimes are the modification times of the fixture (UTC); folders
// not named get fixtureDirTime.
var fixtureTimes = map[string]time.Time{
	"pub/README.txt":        time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC),
	"pub/notes/2026-01.txt": time.Date(2026, 1, 31, 18, 30, 0, 0, time.UTC),
	"pub/notes/2026-02.txt": time.Date(2026, 2, 27, 18, 30, 0, 0, time.UTC),
	"pub/data/big.csv":      time.Date(2026, 2, 10, 9, 15, 0, 0, time.UTC),
}

var fixtureDirTime = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// Example is one Lua block of a page.
type example struct {
	page   string // "reference/host.md"
	line   int    // of the opening fence
	kind   string // "builtin", "vsftpd" or "no-run"
	code   string
	output *string // nil: must print nothing
	reason string  // of a no-run block
}

func (e example) name() string { return fmt.Sprintf("%s:%d", e.page, e.line) }

// block is a fenced code block.
type block struct {
	info       string
	line       int // of the opening fence, 1-based
	endLine    int // of the closing fence
	text       string
	prevLine   string // the last non-blank line before the block
	blankAfter int    // index in lines of the first non-blank line after
}

var openFenceRE = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*([^`]*)$")

// blocks returns the fenced code blocks of a Markdown text. An unclosed
// block is an error.
func blocks(text string) ([]block, error) {
	lines := strings.Split(text, "\n")
	var out []block
	prev := ""
	for i := 0; i < len(lines); i++ {
		m := openFenceRE.FindStringSubmatch(lines[i])
		if m == nil {
			if strings.TrimSpace(lines[i]) != "" {
				prev = strings.TrimSpace(lines[i])
			}
			continue
		}
		indent, fence, info := m[1], m[2], strings.TrimSpace(m[3])
		b := block{info: info, line: i + 1, prevLine: prev}
		var body []string
		j := i + 1
		for ; j < len(lines); j++ {
			t := strings.TrimSpace(lines[j])
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				break
			}
			body = append(body, strings.TrimPrefix(lines[j], indent))
		}
		if j == len(lines) {
			return nil, fmt.Errorf("line %d: code block not closed", i+1)
		}
		b.endLine = j + 1
		b.text = strings.Join(body, "\n")
		if len(body) > 0 {
			b.text += "\n"
		}
		out = append(out, b)
		i = j
		prev = "```"
	}
	return out, nil
}

var noRunRE = regexp.MustCompile(`^<!--\s*no-run:\s*(\S.*?)\s*-->$`)

// examples returns the Lua examples of a page; problems with the page's
// blocks (an output block without an example, an unknown kind, a no-run
// without a reason) are errors.
func examples(page, text string) ([]example, []error) {
	bs, err := blocks(text)
	if err != nil {
		return nil, []error{fmt.Errorf("%s: %v", page, err)}
	}
	lines := strings.Split(text, "\n")
	// onlyBlank tells whether the lines between two blocks are blank
	onlyBlank := func(from, to int) bool { // 1-based, exclusive
		for k := from; k < to-1; k++ {
			if strings.TrimSpace(lines[k]) != "" {
				return false
			}
		}
		return true
	}
	var out []example
	var errs []error
	for i := 0; i < len(bs); i++ {
		b := bs[i]
		f := strings.Fields(b.info)
		if len(f) == 0 {
			continue
		}
		if f[0] == "output" {
			errs = append(errs, fmt.Errorf("%s:%d: an output block must follow a lua block directly", page, b.line))
			continue
		}
		if f[0] == "console" {
			out = append(out, example{page: page, line: b.line, kind: "console", code: b.text})
			continue
		}
		if f[0] != "lua" {
			continue
		}
		e := example{page: page, line: b.line, kind: "builtin", code: b.text}
		if len(f) > 1 {
			e.kind = f[1]
		}
		if len(f) > 2 || (e.kind != "builtin" && e.kind != "vsftpd" && e.kind != "no-run") {
			errs = append(errs, fmt.Errorf("%s:%d: unknown example kind %q (lua, lua vsftpd or lua no-run)", page, b.line, b.info))
			continue
		}
		if e.kind == "no-run" {
			m := noRunRE.FindStringSubmatch(b.prevLine)
			if m == nil {
				errs = append(errs, fmt.Errorf("%s:%d: a lua no-run block must follow <!-- no-run: reason -->", page, b.line))
				continue
			}
			e.reason = m[1]
		}
		if i+1 < len(bs) && strings.Fields(bs[i+1].info + " x")[0] == "output" && onlyBlank(b.endLine, bs[i+1].line) {
			o := strings.TrimSuffix(bs[i+1].text, "\n")
			e.output = &o
			i++
		}
		out = append(out, e)
	}
	return out, errs
}

// allExamples collects the examples of every page.
func allExamples(t *testing.T) []example {
	t.Helper()
	var all []example
	for _, p := range Pages() {
		ex, errs := examples(p.Name, p.Text)
		for _, err := range errs {
			t.Error(err)
		}
		all = append(all, ex...)
	}
	return all
}

func TestExamples(t *testing.T) {
	all := allExamples(t)
	var vsftpd *vsftpdServer
	counts := map[string]int{}
	for _, e := range all {
		counts[e.kind]++
		if e.kind == "no-run" {
			continue
		}
		if e.kind == "console" {
			t.Run(e.name(), func(t *testing.T) { runConsole(t, e) })
			continue
		}
		t.Run(e.name(), func(t *testing.T) {
			var env runEnv
			switch e.kind {
			case "builtin":
				env = builtinEnv(t)
			case "vsftpd":
				if vsftpd == nil {
					vsftpd = findVsftpd()
				}
				if vsftpd.why != "" {
					if os.Getenv("CI") == "true" {
						t.Fatalf("vsftpd is not available (%s); CI=true needs it", vsftpd.why)
					}
					t.Skipf("vsftpd not configured (%s): run spec/servers/start.sh and source its env file", vsftpd.why)
				}
				env = vsftpd.env(t)
			}
			t.Chdir(t.TempDir())
			stdout, stderr, err := runExample(e.code, env)
			if err != nil {
				t.Fatalf("the example raised an error: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
			}
			want := ""
			if e.output != nil {
				want = *e.output
			}
			got := strings.TrimSuffix(stdout, "\n")
			if got != want {
				if e.output == nil {
					t.Fatalf("the example has no output block but printed:\n%s", got)
				}
				t.Fatalf("output differs from the output block.\n%s\ngot:\n%s\n\nwant:\n%s\nstderr:\n%s",
					firstDifference(got, want), got, want, stderr)
			}
		})
	}
	t.Logf("examples: %d on the built-in server, %d on vsftpd (skipped without it), %d no-run; %d console sessions",
		counts["builtin"], counts["vsftpd"], counts["no-run"], counts["console"])
}

// firstDifference names the first line where got and want differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if i >= len(g) || i >= len(w) || gl != wl {
			return fmt.Sprintf("first difference in output line %d:\n  got:  %q\n  want: %q", i+1, gl, wl)
		}
	}
	return ""
}

// runEnv says where an example runs: the URL that replaces the
// placeholder, and how its output is written back.
type runEnv struct {
	url     string // replaces placeholder (no trailing slash)
	addr    string // host:port of the server, shown as ftp.example.com:21
	scratch string // a folder name removed from the output ("" none)
}

func (env runEnv) code(code string) string {
	return strings.ReplaceAll(code, placeholder, env.url)
}

func (env runEnv) output(s string) string {
	s = strings.ReplaceAll(s, env.url, placeholder)
	if env.scratch != "" {
		s = strings.ReplaceAll(s, env.scratch+"/", "/")
		s = strings.ReplaceAll(s, env.scratch, "/")
	}
	return strings.ReplaceAll(s, env.addr, "ftp.example.com:21")
}

// seedFixture copies the fixture under dir, makes incoming/ and sets the
// times.
func seedFixture(t testing.TB, dir string) {
	t.Helper()
	src := filepath.Join("testdata", "fixture")
	var dirs []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			dirs = append(dirs, dst)
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying the fixture: %v", err)
	}
	in := filepath.Join(dir, "incoming")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, in)
	for rel, tm := range fixtureTimes {
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(rel)), tm, tm); err != nil {
			t.Fatalf("fixture times: %v", err)
		}
	}
	// deepest first, so that setting a folder's time is the last change in it
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Chtimes(dirs[i], fixtureDirTime, fixtureDirTime)
	}
}

// builtinEnv starts the built-in server over a fresh copy of the fixture.
func builtinEnv(t *testing.T) runEnv {
	t.Helper()
	root := t.TempDir()
	seedFixture(t, root)
	s, err := localserver.Start(localserver.Options{Root: root, User: "alice", Password: "secret"})
	if err != nil {
		t.Fatalf("starting the built-in server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return runEnv{url: "ftp://alice:secret@" + s.Addr(), addr: s.Addr()}
}

type vsftpdServer struct {
	why string // why it is not available; "" when it is
	srv testservers.Server
}

func findVsftpd() *vsftpdServer {
	get := func(f string) string { return os.Getenv("FTP_VSFTPD_" + f) }
	if get("HOST") == "" || get("PORT") == "" || get("ROOT") == "" {
		return &vsftpdServer{why: "FTP_VSFTPD_HOST, _PORT or _ROOT not set"}
	}
	if st := get("STATUS"); st != "" && st != "running" {
		return &vsftpdServer{why: "status " + st}
	}
	port, err := strconv.Atoi(get("PORT"))
	if err != nil {
		return &vsftpdServer{why: "bad port " + get("PORT")}
	}
	return &vsftpdServer{srv: testservers.Server{Name: "vsftpd", Host: get("HOST"), Port: port,
		User: get("USER"), Password: get("PASSWORD"), Root: get("ROOT")}}
}

// env seeds the fixture into a scratch folder of vsftpd's root, owned by
// the server's user so that examples may change it.
func (v *vsftpdServer) env(t *testing.T) runEnv {
	t.Helper()
	scratch := testservers.Scratch(t, v.srv)
	local := filepath.Join(v.srv.Root, filepath.FromSlash(scratch))
	seedFixture(t, local)
	if u, err := user.Lookup(v.srv.User); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
			if err == nil {
				os.Lchown(p, uid, gid)
			}
			return nil
		})
	}
	u := url.URL{Scheme: "ftp", User: url.UserPassword(v.srv.User, v.srv.Password), Host: v.srv.Addr()}
	return runEnv{url: u.String() + scratch, addr: v.srv.Addr(), scratch: scratch}
}

// runExample runs code in a fresh state, as ftplua runs a script, and
// returns what it printed.
func runExample(code string, env runEnv) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	L, err := exampleState(ctx, &out, &errb)
	if err != nil {
		return "", "", err
	}
	defer L.Close()
	defer luabind.CloseAll(L)
	argt := L.NewTable()
	argt.RawSetInt(0, lua.LString("example.lua"))
	L.SetGlobal("arg", argt)
	err = L.DoString(env.code(code))
	luabind.CloseAll(L)
	return env.output(out.String()), env.output(errb.String()), err
}

// exampleState is a fresh state with the module opened as ftplua opens
// it, its output going to the buffers (see redirect).
func exampleState(ctx context.Context, stdout, stderr *bytes.Buffer) (*lua.LState, error) {
	L := lua.NewState(lua.Options{RegistryMaxSize: 1 << 20})
	if err := luabind.Open(L, luabind.Config{Context: ctx, Stderr: stderr}); err != nil {
		L.Close()
		return nil, err
	}
	redirect(L, stdout, stderr)
	return L, nil
}

// redirect points print, io.write, io.stdout and io.stderr at the buffers,
// and makes os.exit raise an error rather than end the test.
func redirect(L *lua.LState, stdout, stderr io.Writer) {
	L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			if i > 1 {
				io.WriteString(stdout, "\t")
			}
			io.WriteString(stdout, L.ToStringMeta(L.Get(i)).String())
		}
		io.WriteString(stdout, "\n")
		return 0
	}))
	file := func(w io.Writer) *lua.LTable {
		f := L.NewTable()
		L.SetFuncs(f, map[string]lua.LGFunction{
			"write": func(L *lua.LState) int {
				for i := 2; i <= L.GetTop(); i++ {
					io.WriteString(w, L.CheckString(i))
				}
				L.Push(L.Get(1))
				return 1
			},
			"flush":   func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
			"setvbuf": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
			"close":   func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		})
		return f
	}
	if iot, ok := L.GetGlobal("io").(*lua.LTable); ok {
		out := file(stdout)
		L.SetField(iot, "stdout", out)
		L.SetField(iot, "stderr", file(stderr))
		L.SetField(iot, "write", L.NewFunction(func(L *lua.LState) int {
			for i := 1; i <= L.GetTop(); i++ {
				io.WriteString(stdout, L.CheckString(i))
			}
			L.Push(out)
			return 1
		}))
	}
	if ost, ok := L.GetGlobal("os").(*lua.LTable); ok {
		L.SetField(ost, "exit", L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("os.exit is not allowed in the manual's examples")
			return 0
		}))
	}
}

var (
	linkRE      = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	inlineCode  = regexp.MustCompile("`[^`]*`")
	externalURL = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:`)
)

// links returns the link targets of a Markdown text outside code, with
// their line numbers.
func links(text string) (targets []string, lineNos []int) {
	outsideCode(text, func(i int, line string) {
		for _, m := range linkRE.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			targets = append(targets, m[1])
			lineNos = append(lineNos, i+1)
		}
	})
	return targets, lineNos
}

// Every relative link of the manual leads to a file that exists, and a
// link to a heading of a page (#anchor) to a heading that exists. The
// table of contents links every page, and the project's README links the
// table of contents.
func TestLinks(t *testing.T) {
	pages := Pages()
	byName := map[string]Page{}
	for _, p := range pages {
		byName[p.Name] = p
	}
	anchors := func(text string) map[string]bool {
		m := map[string]bool{}
		for _, h := range Headings(text) {
			m[h.Slug] = true
		}
		return m
	}
	linkedFromTOC := map[string]bool{}
	for _, p := range pages {
		targets, lineNos := links(p.Text)
		for i, target := range targets {
			if externalURL.MatchString(target) {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			name := p.Name
			if file != "" {
				name = path.Clean(path.Join(path.Dir(p.Name), file))
			}
			if p.Name == "README.md" {
				linkedFromTOC[name] = true
			}
			where := fmt.Sprintf("%s:%d: link %s", p.Name, lineNos[i], target)
			local := filepath.FromSlash(name)
			fi, err := os.Stat(local)
			if err != nil {
				t.Errorf("%s: %s does not exist", where, name)
				continue
			}
			if anchor == "" {
				continue
			}
			var text string
			if q, ok := byName[name]; ok {
				text = q.Text
			} else if strings.HasSuffix(name, ".md") && !fi.IsDir() {
				b, _ := os.ReadFile(local)
				text = string(b)
			} else {
				continue
			}
			if !anchors(text)[anchor] {
				t.Errorf("%s: %s has no heading with the anchor #%s", where, name, anchor)
			}
		}
	}
	for _, p := range pages {
		if p.Name != "README.md" && !linkedFromTOC[p.Name] {
			t.Errorf("README.md (the table of contents) does not link %s", p.Name)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "](docs/README.md)") {
		t.Errorf("the project's README.md does not link docs/README.md")
	}
}

// The embedded pages are the pages on disk.
func TestPagesEmbedded(t *testing.T) {
	onDisk := map[string]bool{}
	for _, pattern := range []string{"*.md", "reference/*.md"} {
		m, _ := filepath.Glob(pattern)
		for _, f := range m {
			onDisk[filepath.ToSlash(f)] = true
		}
	}
	for _, p := range Pages() {
		if !onDisk[p.Name] {
			t.Errorf("embedded page %s is not on disk", p.Name)
		}
		delete(onDisk, p.Name)
	}
	for name := range onDisk {
		t.Errorf("page %s is not embedded", name)
	}
}

// The harness itself: blocks, examples and their checks.
func TestExampleParsing(t *testing.T) {
	page := "Intro\n\n```lua\nprint(1)\n```\n\n```output\n1\n```\n\n" +
		"```lua\nlocal x = 1\n```\ntext\n```output\nstray\n```\n\n" +
		"<!-- no-run: needs your own server -->\n```lua no-run\nftputil.connect('ftpes://x')\n```\n\n" +
		"```lua no-run\nx()\n```\n\n  ```lua vsftpd\n  print(2)\n  ```\n  ```output\n  2\n  ```\n" +
		"```lua other\n```\n~~~sh\n```lua\n~~~\n"
	ex, errs := examples("p.md", page)
	var got []string
	for _, e := range ex {
		o := "<none>"
		if e.output != nil {
			o = *e.output
		}
		got = append(got, fmt.Sprintf("%d %s %q %q %q", e.line, e.kind, e.code, o, e.reason))
	}
	want := []string{
		`3 builtin "print(1)\n" "1" ""`,
		`11 builtin "local x = 1\n" "<none>" ""`,
		`20 no-run "ftputil.connect('ftpes://x')\n" "<none>" "needs your own server"`,
		`28 vsftpd "print(2)\n" "2" ""`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("examples:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	wantErrs := []string{
		"p.md:15: an output block must follow a lua block directly",
		"p.md:24: a lua no-run block must follow <!-- no-run: reason -->",
		"p.md:34: unknown example kind \"lua other\" (lua, lua vsftpd or lua no-run)",
	}
	if strings.Join(msgs, "\n") != strings.Join(wantErrs, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(wantErrs, "\n"))
	}
	if _, err := blocks("```lua\nprint(1)\n"); err == nil {
		t.Errorf("an unclosed block is not an error")
	}

	cmds, err := parseConsole("$ ftplua scripts/x.lua -n 3 'a b' \"c\"d\n1\n2\n$ ./ftplua -e 'print(1)'\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%q %q %q %q", cmds[0].args, cmds[0].want, cmds[1].args, cmds[1].want); got !=
		`["scripts/x.lua" "-n" "3" "a b" "cd"] "1\n2" ["-e" "print(1)"] ""` {
		t.Errorf("parseConsole: %s", got)
	}
	for _, bad := range []string{"output first\n$ ftplua x", "$ ls -l", "$ ftplua 'unclosed"} {
		if _, err := parseConsole(bad); err == nil {
			t.Errorf("parseConsole(%q) is no error", bad)
		}
	}
}

// An example whose output changes fails, naming the line that differs.
func TestExampleOutputChecked(t *testing.T) {
	env := builtinEnv(t)
	t.Chdir(t.TempDir())
	code := "local h = ftputil.connect('" + placeholder + "/pub')\nprint(tostring(h))\nprint(h:getcwd())\nh:close()\n"
	out, errOut, err := runExample(code, env)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := "FTPHost(alice@ftp.example.com:21, open)\n/pub\n"
	if out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	if d := firstDifference("a\nb", "a\nc"); !strings.Contains(d, "line 2") {
		t.Errorf("firstDifference: %s", d)
	}
	_, _, err = runExample("error('boom')", env)
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("a raising example: %v", err)
	}
	_, _, err = runExample("os.exit(0)", env)
	if err == nil {
		t.Errorf("os.exit did not raise")
	}
	if _, _, err := net.SplitHostPort(env.addr); err != nil {
		t.Errorf("addr %q: %v", env.addr, err)
	}
}

// consoleNow is what os.time() returns in console sessions.
var consoleNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// consoleCommand is one "$ ftplua ..." of a console block and what it
// prints.
type consoleCommand struct {
	line int // in the block, 1-based
	args []string
	want string
}

// parseConsole splits a console block into its commands.
func parseConsole(text string) ([]consoleCommand, error) {
	var cmds []consoleCommand
	var out []string
	flush := func() {
		if len(cmds) > 0 {
			cmds[len(cmds)-1].want = strings.Join(out, "\n")
		}
		out = nil
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		cmdline, ok := strings.CutPrefix(line, "$ ")
		if !ok {
			if len(cmds) == 0 {
				return nil, fmt.Errorf("line %d: a console block starts with a command ($ ftplua ...)", i+1)
			}
			out = append(out, line)
			continue
		}
		flush()
		words, err := shellWords(cmdline)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		if len(words) < 2 || (words[0] != "ftplua" && words[0] != "./ftplua") {
			return nil, fmt.Errorf("line %d: only ftplua commands can run in a console block", i+1)
		}
		cmds = append(cmds, consoleCommand{line: i + 1, args: words[1:]})
	}
	flush()
	return cmds, nil
}

// shellWords splits a command line as sh does for plain words and '...'
// and "..." quotes (no variables, no escapes inside single quotes).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unclosed quote in %s", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			in = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// runConsole runs the commands of a console block and compares what each
// prints.
func runConsole(t *testing.T, e example) {
	cmds, err := parseConsole(e.code)
	if err != nil {
		t.Fatalf("%s: %v", e.name(), err)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	env := builtinEnv(t)
	t.Chdir(t.TempDir())
	for _, c := range cmds {
		stdout, stderr, code, err := runCommand(repo, c.args, env)
		where := fmt.Sprintf("command at line %d of the block (%s)", c.line, strings.Join(c.args, " "))
		if err != nil {
			t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", where, err, stdout, stderr)
		}
		if code == 1 || code == 2 {
			t.Fatalf("%s: exit status %d\nstdout:\n%s\nstderr:\n%s", where, code, stdout, stderr)
		}
		if got := strings.TrimSuffix(stdout, "\n"); got != c.want {
			t.Fatalf("%s: output differs.\n%s\ngot:\n%s\n\nwant:\n%s\nstderr:\n%s", where,
				firstDifference(got, c.want), got, c.want, stderr)
		}
	}
}

// consoleExit is what os.exit raises in a console command.
type consoleExit struct{ code int }

// runCommand runs "ftplua ARGS" as the command does, in a fresh state:
// -e CHUNK, or a script of the repository with its arguments.
func runCommand(repo string, args []string, env runEnv) (stdout, stderr string, code int, err error) {
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	L, err := exampleState(ctx, &out, &errb)
	if err != nil {
		return "", "", 0, err
	}
	defer L.Close()
	defer luabind.CloseAll(L)
	ost := L.GetGlobal("os").(*lua.LTable)
	L.SetField(ost, "exit", L.NewFunction(func(L *lua.LState) int {
		ud := L.NewUserData()
		ud.Value = consoleExit{L.OptInt(1, 0)}
		L.Error(ud, 0)
		return 0
	}))
	realTime := L.GetField(ost, "time")
	L.SetField(ost, "time", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() == 0 {
			L.Push(lua.LNumber(consoleNow.Unix()))
			return 1
		}
		L.Push(realTime)
		L.Push(L.Get(1))
		L.Call(1, 1)
		return 1
	}))
	args = append([]string(nil), args...)
	for i := range args {
		args[i] = env.code(args[i])
	}
	var fn *lua.LFunction
	var vargs []lua.LValue
	argt := L.NewTable()
	argt.RawSetInt(-1, lua.LString("ftplua"))
	switch {
	case len(args) >= 2 && args[0] == "-e":
		fn, err = L.LoadString(args[1])
	case strings.HasPrefix(args[0], "scripts/"):
		argt.RawSetInt(0, lua.LString(args[0]))
		for k, a := range args[1:] {
			argt.RawSetInt(k+1, lua.LString(a))
			vargs = append(vargs, lua.LString(a))
		}
		fn, err = L.LoadFile(filepath.Join(repo, filepath.FromSlash(args[0])))
	default:
		return "", "", 0, fmt.Errorf("a console command runs -e CHUNK or scripts/NAME.lua")
	}
	if err != nil {
		return "", "", 0, err
	}
	L.SetGlobal("arg", argt)
	L.Push(fn)
	for _, a := range vargs {
		L.Push(a)
	}
	err = L.PCall(len(vargs), 0, nil)
	luabind.CloseAll(L)
	if apiErr, ok := err.(*lua.ApiError); ok {
		if ud, ok := apiErr.Object.(*lua.LUserData); ok {
			if e, ok := ud.Value.(consoleExit); ok {
				return env.output(out.String()), env.output(errb.String()), e.code, nil
			}
		}
	}
	return env.output(out.String()), env.output(errb.String()), 0, err
}

// goSources are the compiled examples that the Go snippets of the manual
// are cut from.
var goSources = []string{"embedding_example_test.go", "../luabind/example_test.go", "../host/example_test.go"}

// Every go block of the chapters (not the reference pages) is an excerpt
// of a compiled example: its lines, leading white space aside, appear in
// one of goSources in the same order, one after the other.
func TestGoSnippets(t *testing.T) {
	var sources [][]string
	for _, name := range goSources {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, trimmedLines(string(b)))
	}
	n := 0
	for _, p := range Pages() {
		if strings.HasPrefix(p.Name, "reference/") {
			continue
		}
		bs, err := blocks(p.Text)
		if err != nil {
			continue // reported by TestExamples
		}
		for _, b := range bs {
			if b.info != "go" {
				continue
			}
			n++
			want := trimmedLines(b.text)
			found := false
			for _, src := range sources {
				if containsRun(src, want) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s:%d: this go block is not an excerpt of %s (leading white space aside)",
					p.Name, b.line, strings.Join(goSources, ", "))
			}
		}
	}
	t.Logf("%d go snippets checked", n)
}

func trimmedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// containsRun tells whether want appears in have as consecutive lines.
func containsRun(have, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for i := 0; i+len(want) <= len(have); i++ {
		ok := true
		for j := range want {
			if have[i+j] != want[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
