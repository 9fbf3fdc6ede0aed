package host

import "testing"

// Expected values are Python 3.11's posixpath (ftputil binds these directly).
func TestPurePathFunctions(t *testing.T) {
	norm := map[string]string{
		"":               ".",
		"//a//b/./c/..":  "//a/b",
		"/..":            "/",
		"///a":           "/a",
		"a/../..":        "..",
		"../a/./b/":      "../a/b",
		"/a/b/../../..":  "/",
		".":              ".",
		"a/./":           "a",
		"/home/":         "/home",
		"with space/x/.": "with space/x",
	}
	for in, want := range norm {
		if got := Normpath(in); got != want {
			t.Errorf("Normpath(%q) = %q, want %q", in, got, want)
		}
	}
	joins := []struct {
		in   []string
		want string
	}{
		{[]string{"a", "/b", "c"}, "/b/c"},
		{[]string{"a/", "b"}, "a/b"},
		{[]string{"", "b"}, "b"},
		{[]string{"/", "x"}, "/x"},
		{[]string{"a", ""}, "a/"},
	}
	for _, j := range joins {
		if got := Join(j.in...); got != j.want {
			t.Errorf("Join(%q) = %q, want %q", j.in, got, j.want)
		}
	}
	splits := map[string][2]string{
		"/a/b/": {"/a/b", ""},
		"/a/b":  {"/a", "b"},
		"b":     {"", "b"},
		"/b":    {"/", "b"},
		"//b":   {"//", "b"},
		"a//b":  {"a", "b"},
	}
	for in, want := range splits {
		if h, tl := Split(in); h != want[0] || tl != want[1] {
			t.Errorf("Split(%q) = %q, %q, want %q", in, h, tl, want)
		}
	}
	exts := map[string][2]string{
		"x.tar.gz":   {"x.tar", ".gz"},
		".bashrc":    {".bashrc", ""},
		"a/..b.c":    {"a/..b", ".c"},
		"a.b/c":      {"a.b/c", ""},
		"noext":      {"noext", ""},
		"/x/...":     {"/x/...", ""},
		"/x/.a.":     {"/x/.a", "."},
		"file.":      {"file", "."},
		"dir.d/f.go": {"dir.d/f", ".go"},
	}
	for in, want := range exts {
		if r, e := Splitext(in); r != want[0] || e != want[1] {
			t.Errorf("Splitext(%q) = %q, %q, want %q", in, r, e, want)
		}
	}
	if Dirname("/a/b") != "/a" || Basename("/a/b") != "b" || !Isabs("/x") || Isabs("x") {
		t.Error("Dirname/Basename/Isabs")
	}
}
