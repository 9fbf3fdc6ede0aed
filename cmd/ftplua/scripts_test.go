package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/testservers"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// The scripts of scripts/ run here against the built-in server and every
// configured real server (vsftpd, proftpd, pure-ftpd, pyftpdlib, plain
// and TLS), their output checked line by line.

const scriptDir = "../../scripts/"

// connArgs are the arguments that name server s to a script: the URL,
// and the CA file for TLS.
func connArgs(s testservers.Server) []string {
	if s.TLS {
		return []string{"--ca-file", s.CAFile, s.URL()}
	}
	return []string{s.URL()}
}

func runScript(t *testing.T, script string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runFtplua(t, "", append([]string{scriptDir + script}, args...)...)
}

// wantRun runs a script and checks its exit status and whole output.
func wantRun(t *testing.T, wantCode int, want string, script string, args ...string) {
	t.Helper()
	code, out, errOut := runScript(t, script, args...)
	if code != wantCode || out != want {
		t.Errorf("%s %s: exit %d, want %d; stderr %q\noutput:\n%s\nwant:\n%s", script,
			strings.Join(args, " "), code, wantCode, errOut, out, want)
	}
}

// writeTree writes files (slash paths to content) under root with
// modification time mtime; folders are made writable for the servers'
// user, so that they may change what is inside.
func writeTree(t *testing.T, root string, files map[string]string, mtime time.Time) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		dir := filepath.Dir(p)
		if strings.HasSuffix(name, "/") {
			dir = p
		}
		if err := os.MkdirAll(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		for d := dir; len(d) > len(root); d = filepath.Dir(d) {
			os.Chmod(d, 0o777)
		}
		if strings.HasSuffix(name, "/") {
			continue
		}
		if err := os.WriteFile(p, []byte(body), 0o666); err != nil {
			t.Fatal(err)
		}
		setTime(t, p, mtime)
	}
}

func setTime(t *testing.T, p string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Errorf("reading %s: %v", p, err)
	}
	return string(b)
}

// ageSample moves the times of the built-in server's fresh sample tree an
// hour back, as the real servers' trees are older than the test: a remote
// file changed within the second before a download is downloaded again
// (ftputil's rule, "if in doubt").
func ageSample(t *testing.T, s testservers.Server) {
	if !strings.HasPrefix(s.Name, "builtin") {
		return
	}
	hourAgo := time.Now().Add(-time.Hour)
	filepath.WalkDir(filepath.Join(s.Root, "sample"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && d.Name() != "old.txt" {
			setTime(t, p, hourAgo)
		}
		return nil
	})
}

// Every script compiles, answers --help with its usage on stdout, and a
// wrong call with the usage on stderr and status 2.
func TestScriptsUsage(t *testing.T) {
	files, err := filepath.Glob(scriptDir + "*.lua")
	if err != nil || len(files) < 6 {
		t.Fatalf("scripts: %v %v", files, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		chunk, err := parse.Parse(strings.NewReader(string(src)), f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := lua.Compile(chunk, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		if !strings.HasPrefix(string(src), "-- "+name+": ") || !strings.Contains(string(src), "\n-- usage: ftplua scripts/"+name) {
			t.Errorf("%s: the header does not start with its name and usage", name)
		}
		if name == "tour.lua" {
			continue
		}
		code, out, errOut := runScript(t, name, "--help")
		if code != 0 || !strings.HasPrefix(out, "usage: ftplua scripts/"+name) || errOut != "" {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", name, code, out, errOut)
		}
		code, out, errOut = runScript(t, name, "--bogus")
		base := strings.TrimSuffix(name, ".lua")
		if code != 2 || out != "" || !strings.HasPrefix(errOut, base+": unknown option --bogus\nusage: ftplua scripts/"+name) {
			t.Errorf("%s --bogus: exit %d, stdout %q, stderr %q", name, code, out, errOut)
		}
		code, _, errOut = runScript(t, name, "a", "b", "c", "d", "e")
		if code != 2 || !strings.HasPrefix(errOut, base+": wrong number of arguments\n") {
			t.Errorf("%s with five arguments: exit %d, stderr %q", name, code, errOut)
		}
	}
}

// pull_tree copies the sample tree (links, a broken link, a link to a
// folder, names with spaces and accents), then only what changed.
func TestScriptPullTree(t *testing.T) {
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		ageSample(t, s)
		dst := filepath.Join(t.TempDir(), "pulled")
		args := append(connArgs(s), "sample", dst)
		wantRun(t, 0, `downloaded .hidden
skipped    broken (not a file)
downloaded café.txt
downloaded file.txt
downloaded link
downloaded old.txt
downloaded with space.txt
downloaded subdir/inner.txt
7 downloaded, 0 up to date, 1 skipped
`, "pull_tree.lua", args...)
		for name, want := range map[string]string{"file.txt": "hello\n", "link": "hello\n",
			"café.txt": "utf8\n", "subdir/inner.txt": "inner\n", ".hidden": "hidden\n"} {
			if got := readFile(t, filepath.Join(dst, name)); got != want {
				t.Errorf("%s holds %q, want %q", name, got, want)
			}
		}
		if fi, err := os.Stat(filepath.Join(dst, "olddir")); err != nil || !fi.IsDir() {
			t.Errorf("olddir not made: %v", err)
		}
		if _, err := os.Lstat(filepath.Join(dst, "dirlink")); err == nil {
			t.Error("the link to a folder was followed")
		}
		wantRun(t, 0, "skipped    broken (not a file)\n0 downloaded, 7 up to date, 1 skipped\n", "pull_tree.lua", args...)
		// a local copy older than the remote file is replaced
		os.WriteFile(filepath.Join(dst, "subdir/inner.txt"), []byte("changed"), 0o644)
		setTime(t, filepath.Join(dst, "subdir/inner.txt"), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
		wantRun(t, 0, "skipped    broken (not a file)\ndownloaded subdir/inner.txt\n1 downloaded, 6 up to date, 1 skipped\n",
			"pull_tree.lua", args...)
		if got := readFile(t, filepath.Join(dst, "subdir/inner.txt")); got != "inner\n" {
			t.Errorf("inner.txt holds %q after the pull", got)
		}
		// a missing remote folder
		code, _, errOut := runScript(t, "pull_tree.lua", append(connArgs(s), "no/such", dst)...)
		if code != 1 || errOut != "pull_tree: no/such is not a remote folder\n" {
			t.Errorf("missing folder: exit %d, stderr %q", code, errOut)
		}
	})
}

// push_tree makes the remote folders, uploads, skips what is current and
// what --exclude names, and uploads a file changed since.
func TestScriptPushTree(t *testing.T) {
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		src := t.TempDir()
		hourAgo := time.Now().Add(-time.Hour)
		writeTree(t, src, map[string]string{
			"a.txt": "A", "notes.tmp": "scratch", "sub/b.txt": "BB", "sub/deeper/c.txt": "CCC",
			"cache.tmp/x.txt": "X", "empty/": "",
		}, hourAgo)
		scratch := testservers.Scratch(t, s)
		dest := scratch + "/site/www"
		args := append(connArgs(s), "--exclude", "%.tmp$", src, dest)
		wantRun(t, 0, `uploaded a.txt
uploaded sub/b.txt
uploaded sub/deeper/c.txt
3 uploaded, 0 up to date, 4 folders made
`, "push_tree.lua", args...)
		onDisk := filepath.Join(s.Root, filepath.FromSlash(dest))
		for name, want := range map[string]string{"a.txt": "A", "sub/b.txt": "BB", "sub/deeper/c.txt": "CCC"} {
			if got := readFile(t, filepath.Join(onDisk, name)); got != want {
				t.Errorf("remote %s holds %q, want %q", name, got, want)
			}
		}
		for _, name := range []string{"notes.tmp", "cache.tmp"} {
			if _, err := os.Lstat(filepath.Join(onDisk, name)); err == nil {
				t.Errorf("excluded %s was uploaded", name)
			}
		}
		if fi, err := os.Stat(filepath.Join(onDisk, "empty")); err != nil || !fi.IsDir() {
			t.Errorf("the empty folder was not made: %v", err)
		}
		wantRun(t, 0, "0 uploaded, 3 up to date, 0 folders made\n", "push_tree.lua", args...)
		// a local file changed after the upload goes again
		os.WriteFile(filepath.Join(src, "sub/b.txt"), []byte("B2"), 0o644)
		setTime(t, filepath.Join(src, "sub/b.txt"), time.Now().Add(time.Hour))
		wantRun(t, 0, "uploaded sub/b.txt\n1 uploaded, 2 up to date, 0 folders made\n", "push_tree.lua", args...)
		if got := readFile(t, filepath.Join(onDisk, "sub/b.txt")); got != "B2" {
			t.Errorf("remote sub/b.txt holds %q after the second push", got)
		}
	})
}

// delete_old lists, then deletes, the files older than N days that match.
func TestScriptDeleteOld(t *testing.T) {
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		scratch := testservers.Scratch(t, s)
		root := filepath.Join(s.Root, filepath.FromSlash(scratch))
		now := time.Now()
		recent := now.Add(-40*24*time.Hour - time.Hour) // listed to the minute
		ancient := time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)
		writeTree(t, root, map[string]string{"logs/new.log": "n", "logs/keep.txt": "kk"}, now.Add(-time.Hour))
		writeTree(t, root, map[string]string{"logs/old.log": "oooo", "logs/sub/old2.log": "22"}, recent)
		writeTree(t, root, map[string]string{"logs/ancient.log": "aaaaaaaa", "logs/ancient.txt": "t"}, ancient)
		// ages as the script sees them: from the listed time, cut to the
		// minute or, for old files, to the day
		age := func(listed time.Time) string {
			return fmt.Sprint(int(math.Floor(time.Since(listed).Hours() / 24)))
		}
		listedRecent := recent.UTC().Truncate(time.Minute)
		listedAncient := time.Date(2015, 3, 4, 0, 0, 0, 0, time.UTC)
		expect := func(verb string) string {
			return fmt.Sprintf(`%[1]s %[2]s/logs/ancient.log (2015-03-04, %[3]s days old, 8 bytes)
%[1]s %[2]s/logs/old.log (%[4]s, %[5]s days old, 4 bytes)
%[1]s %[2]s/logs/sub/old2.log (%[4]s, %[5]s days old, 2 bytes)
`, verb, scratch, age(listedAncient), listedRecent.Format("2006-01-02"), age(listedRecent))
		}
		args := append(connArgs(s), "--match", "%.log$", "30", scratch)
		before := expect("would delete")
		code, out, errOut := runScript(t, "delete_old.lua", append([]string{"--dry-run"}, args...)...)
		summary := "would delete 3 files (14 bytes) older than 30 days; kept 1\n"
		if code != 0 || (out != before+summary && out != expect("would delete")+summary) {
			t.Errorf("dry run: exit %d, stderr %q\n%s\nwant\n%s", code, errOut, out, before+summary)
		}
		for _, name := range []string{"logs/old.log", "logs/ancient.log", "logs/sub/old2.log"} {
			if _, err := os.Stat(filepath.Join(root, name)); err != nil {
				t.Errorf("the dry run deleted %s", name)
			}
		}
		before = expect("deleted")
		code, out, errOut = runScript(t, "delete_old.lua", args...)
		summary = "deleted 3 files (14 bytes) older than 30 days; kept 1\n"
		if code != 0 || (out != before+summary && out != expect("deleted")+summary) {
			t.Errorf("deleting: exit %d, stderr %q\n%s\nwant\n%s", code, errOut, out, before+summary)
		}
		for name, gone := range map[string]bool{"logs/old.log": true, "logs/ancient.log": true,
			"logs/sub/old2.log": true, "logs/new.log": false, "logs/ancient.txt": false, "logs/keep.txt": false} {
			if _, err := os.Stat(filepath.Join(root, name)); (err != nil) != gone {
				t.Errorf("%s: gone %v, want %v", name, err != nil, gone)
			}
		}
		// without --match: every file older than 30 days
		wantRun(t, 0, fmt.Sprintf("would delete %s/logs/ancient.txt (2015-03-04, %s days old, 1 bytes)\n", scratch, age(listedAncient))+
			"would delete 1 files (1 bytes) older than 30 days; kept 2\n",
			"delete_old.lua", append(connArgs(s), "-n", "30", scratch)...)
		code, _, errOut = runScript(t, "delete_old.lua", append(connArgs(s), "soon", scratch)...)
		if code != 2 || !strings.HasPrefix(errOut, "delete_old: DAYS must be a number of days, 0 or more\n") {
			t.Errorf("bad DAYS: exit %d, stderr %q", code, errOut)
		}
	})
}

// largest reports the largest files of the sample tree; links are not
// counted.
func TestScriptLargest(t *testing.T) {
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		wantRun(t, 0, `7  sample/.hidden
6  sample/file.txt
6  sample/subdir/inner.txt
6 files, 34 bytes in sample
`, "largest.lua", append(connArgs(s), "-n", "3", "sample")...)
		wantRun(t, 0, `6  /sample/subdir/inner.txt
1 files, 6 bytes in /sample/subdir
`, "largest.lua", append(connArgs(s), "/sample/subdir")...)
	})
}

// With ftplua --url, the script uses the global host and takes no URL.
func TestScriptWithURLFlag(t *testing.T) {
	s := testservers.Builtin(t, false)
	code, out, errOut := runFtplua(t, "", "--url", s.URL(), scriptDir+"largest.lua", "-n", "1", "sample/subdir")
	if code != 0 || out != "6  sample/subdir/inner.txt\n1 files, 6 bytes in sample/subdir\n" {
		t.Errorf("exit %d, stderr %q, output %q", code, errOut, out)
	}
	// the login folder by default
	code, out, _ = runFtplua(t, "", "--url", s.URL()+"sample/subdir", scriptDir+"largest.lua")
	if code != 0 || out != "6  /sample/subdir/inner.txt\n1 files, 6 bytes in /sample/subdir\n" {
		t.Errorf("exit %d, output %q", code, out)
	}
}

// compare_trees: matching trees, then every kind of difference, under
// each --times mode.
func TestScriptCompareTrees(t *testing.T) {
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		local := t.TempDir()
		scratch := testservers.Scratch(t, s)
		remote := filepath.Join(s.Root, filepath.FromSlash(scratch))
		when := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) // listed to the day
		tree := map[string]string{"a.txt": "A", "sub/b.txt": "BB", "sub/deep/c.txt": "CCC", "empty/": ""}
		writeTree(t, local, tree, when)
		writeTree(t, remote, tree, when)
		os.Symlink("missing", filepath.Join(local, "broken"))
		os.Symlink("missing", filepath.Join(remote, "broken"))
		args := append(connArgs(s), local, scratch)
		wantRun(t, 0, "match: 3 files, 3 folders\n", "compare_trees.lua", args...)

		// local copies made after the remote files (a pull) match "down",
		// not "up" or "equal"
		later := when.Add(48 * time.Hour)
		for _, f := range []string{"a.txt", "sub/b.txt", "sub/deep/c.txt"} {
			setTime(t, filepath.Join(local, f), later)
		}
		wantRun(t, 0, "match: 3 files, 3 folders\n", "compare_trees.lua", append([]string{"--times", "down"}, args...)...)
		wantRun(t, 0, "match: 3 files, 3 folders\n", "compare_trees.lua", append([]string{"--times=ignore"}, args...)...)
		timeDiffs := `time:        a.txt (local 2025-01-04 03:04:05, remote 2025-01-02)
time:        sub/b.txt (local 2025-01-04 03:04:05, remote 2025-01-02)
time:        sub/deep/c.txt (local 2025-01-04 03:04:05, remote 2025-01-02)
differ: 3 differences
`
		wantRun(t, 3, timeDiffs, "compare_trees.lua", append([]string{"--times", "up"}, args...)...)
		wantRun(t, 3, timeDiffs, "compare_trees.lua", args...)

		// names, types and sizes
		writeTree(t, local, map[string]string{"only-here.txt": "h", "x": "file here", "sub/b.txt": "B"}, later)
		writeTree(t, remote, map[string]string{"only-there/f.txt": "t", "x/y": "folder there"}, when)
		wantRun(t, 3, `only local:  only-here.txt
only remote: only-there
only remote: only-there/f.txt
size:        sub/b.txt (local 1, remote 2 bytes)
type:        x (local file, remote folder)
only remote: x/y
differ: 6 differences
`, "compare_trees.lua", append([]string{"--times", "down"}, args...)...)
	})
}
