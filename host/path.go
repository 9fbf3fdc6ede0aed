package host

import "strings"

// The pure path functions of ftputil's host.path, which are Python's
// posixpath: remote paths always use "/".

// Join joins path elements as posixpath.join: an absolute element discards
// what comes before it, and a separator is added only where missing.
func Join(elem ...string) string {
	if len(elem) == 0 {
		return ""
	}
	p := elem[0]
	for _, e := range elem[1:] {
		switch {
		case strings.HasPrefix(e, "/"):
			p = e
		case p == "" || strings.HasSuffix(p, "/"):
			p += e
		default:
			p += "/" + e
		}
	}
	return p
}

// Split splits a path into head and tail as posixpath.split: the tail is
// everything after the last "/", and trailing slashes are removed from the
// head unless it is all slashes.
func Split(p string) (head, tail string) {
	i := strings.LastIndex(p, "/") + 1
	head, tail = p[:i], p[i:]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head, tail
}

// Dirname is the head of Split.
func Dirname(p string) string { h, _ := Split(p); return h }

// Basename is the tail of Split.
func Basename(p string) string { _, t := Split(p); return t }

// Splitext splits off the extension as posixpath.splitext: leading dots of
// the last component do not start an extension.
func Splitext(p string) (root, ext string) {
	sep := strings.LastIndex(p, "/")
	dot := strings.LastIndex(p, ".")
	if dot > sep {
		// skip all leading dots of the file name
		i := sep + 1
		for i < dot {
			if p[i] != '.' {
				return p[:dot], p[dot:]
			}
			i++
		}
	}
	return p, ""
}

// Isabs reports whether p starts with "/".
func Isabs(p string) bool { return strings.HasPrefix(p, "/") }

// Normpath normalizes a path as posixpath.normpath: it removes "." and
// empty components and resolves ".." lexically; "" becomes ".", and a
// leading "//" (exactly two slashes) is kept, as POSIX allows.
func Normpath(p string) string {
	if p == "" {
		return "."
	}
	initial := 0
	if strings.HasPrefix(p, "/") {
		initial = 1
		if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
			initial = 2
		}
	}
	var out []string
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
		case c != "..", initial == 0 && (len(out) == 0 || out[len(out)-1] == ".."):
			out = append(out, c)
		case len(out) > 0:
			out = out[:len(out)-1]
		}
	}
	s := strings.Repeat("/", initial) + strings.Join(out, "/")
	if s == "" {
		return "."
	}
	return s
}
