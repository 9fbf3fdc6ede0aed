package parse_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/parse"
)

var update = flag.Bool("update", false, "update golden files")

// The golden files live in testdata/golden/<family>/<name>.txt (input) with
// <name>.golden (our results, rewritten by go test -update) and, for the
// Unix and MS parsers, <name>.ftputil (what real ftputil 5.0.4 gives for the
// same lines, written by testdata/ftputil_expect.py).
//
// An input file holds listing lines, one per line, byte for byte, and
// directives, lines starting with "## ":
//
//	## now 2022-06-15T12:00:00Z   the frozen clock for the lines that follow
//	## shift 10800                the time shift for the lines that follow
//	## parser unix|ms|mlsd|mlst   the parser for the lines that follow
//	## source <text>              where the lines come from (copied to .golden)
//	## fix <reason>               the next line's result differs from ftputil's on purpose
//	## note <text>                a comment
//
// TestGolden compares every field of every line with the .golden file and,
// where there is a .ftputil file, with ftputil's result: a line must give
// exactly ftputil's result unless a "## fix" marks it, and a marked line
// must differ.

type goldenLine struct {
	line   string
	parser string
	now    time.Time
	shift  float64
	fix    string
	source string
}

func readGoldenInput(t testing.TB, path string) []goldenLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSuffix(string(data), "\n")
	var out []goldenLine
	cur := goldenLine{parser: "unix", now: time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC)}
	for _, l := range strings.Split(text, "\n") {
		if d, ok := strings.CutPrefix(l, "## "); ok {
			key, arg, _ := strings.Cut(d, " ")
			switch key {
			case "now":
				cur.now, err = time.Parse(time.RFC3339, arg)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
			case "shift":
				if cur.shift, err = strconv.ParseFloat(arg, 64); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
			case "parser":
				cur.parser = arg
			case "fix":
				cur.fix = arg
			case "source":
				cur.source = arg
			case "note":
			default:
				t.Fatalf("%s: unknown directive %q", path, l)
			}
			continue
		}
		g := cur
		g.line = l
		out = append(out, g)
		cur.fix = ""
		cur.source = ""
	}
	return out
}

// goldenParse parses one golden line with its parser.
func goldenParse(g goldenLine) (r parse.StatResult, err error, ignored bool) {
	now := func() time.Time { return g.now }
	var p parse.Parser
	switch g.parser {
	case "unix":
		p = parse.Unix{Now: now}
	case "ms":
		p = parse.MS{Now: now}
	case "mlsd":
		p = parse.MLSD{}
	case "mlst":
		r, err = parse.ParseMLST(g.line)
		return r, err, false
	default:
		panic("unknown parser " + g.parser)
	}
	if p.IgnoresLine(g.line) {
		return r, nil, true
	}
	r, err = p.ParseLine(g.line, g.shift)
	return r, err, false
}

// quote quotes a string as testdata/ftputil_expect.py does: bytes as they
// are, except backslash, double quote and control characters.
func quote(s string, valid bool) string {
	if !valid {
		return "None"
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// num formats a float as ftputil_expect.py does: integral values as
// integers, others as Python's repr (shortest digits, an exponent below
// 1e-4 and from 1e16 on).
func num(v float64, valid bool) string {
	if !valid {
		return "None"
	}
	if v == math.Trunc(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if a := math.Abs(v); a < 1e-4 || a >= 1e16 {
		return strconv.FormatFloat(v, 'e', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func inum(v int64, valid bool) string {
	if !valid {
		return "None"
	}
	return strconv.FormatInt(v, 10)
}

// record formats a result the way ftputil_expect.py formats ftputil's.
func record(r parse.StatResult, err error, ignored bool) string {
	if ignored {
		return "ignored"
	}
	if err != nil {
		var pe *parse.Error
		if !errors.As(err, &pe) || !errors.Is(err, parse.ErrParse) {
			return "BAD ERROR TYPE: " + err.Error()
		}
		return "ParserError: " + strings.ReplaceAll(pe.Msg, "\n", `\n`)
	}
	v := r.Valid
	mode := "None"
	if v&parse.HasMode != 0 {
		mode = "0o" + strconv.FormatUint(uint64(r.Mode), 8)
	}
	s := fmt.Sprintf("mode=%s nlink=%s uid=%s gid=%s size=%s mtime=%s prec=%s name=%s target=%s",
		mode, inum(r.Nlink, v&parse.HasNlink != 0), quote(r.UID, v&parse.HasUID != 0),
		quote(r.GID, v&parse.HasGID != 0), inum(r.Size, v&parse.HasSize != 0),
		num(r.Mtime, v&parse.HasMtime != 0), num(r.MtimePrecision, v&parse.HasPrecision != 0),
		quote(r.Name, true), quote(r.Target, v&parse.HasTarget != 0))
	// MLSD facts, which ftputil has not.
	if v&parse.HasCtime != 0 {
		s += " ctime=" + num(r.Ctime, true)
	}
	if v&parse.HasType != 0 {
		s += " type=" + quote(r.Type, true)
	}
	if v&parse.HasPerm != 0 {
		s += " perm=" + quote(r.Perm, true)
	}
	if v&parse.HasUnique != 0 {
		s += " unique=" + quote(r.Unique, true)
	}
	if v&(parse.HasIno|parse.HasDev|parse.HasAtime) != 0 {
		s += " UNEXPECTED-FIELDS"
	}
	return s
}

func readFtputil(t *testing.T, path string) ([]string, bool) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "# ftputil 5.0.4") {
		t.Fatalf("%s: not written by ftputil_expect.py for ftputil 5.0.4", path)
	}
	return lines[1:], true
}

func goldenFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/golden/*/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	return files
}

func TestGolden(t *testing.T) {
	total, fromFtputil, fixes := 0, 0, 0
	for _, in := range goldenFiles(t) {
		name := strings.TrimSuffix(in, ".txt")
		t.Run(strings.TrimPrefix(name, "testdata/golden/"), func(t *testing.T) {
			lines := readGoldenInput(t, in)
			ft, haveFt := readFtputil(t, name+".ftputil")
			if haveFt && len(ft) != len(lines) {
				t.Fatalf("%s.ftputil has %d records for %d lines; rerun ftputil_expect.py", name, len(ft), len(lines))
			}
			var out bytes.Buffer
			fmt.Fprintf(&out, "# %s: results of package parse; regenerate with go test ./parse -run TestGolden -update\n", filepath.Base(in))
			for i, g := range lines {
				total++
				rec := record(goldenParse(g))
				if g.source != "" {
					fmt.Fprintf(&out, "\n## source %s\n", g.source)
				}
				fmt.Fprintf(&out, "\nline   %s  (%s, now %s, shift %g)\n", quote(g.line, true), g.parser, g.now.Format(time.RFC3339), g.shift)
				fmt.Fprintf(&out, "result %s\n", rec)
				if r, err, ign := goldenParse(g); err == nil && !ign && r.Valid&parse.HasMtime != 0 {
					sec := math.Floor(r.Mtime)
					fmt.Fprintf(&out, "mtime  %s\n", time.Unix(int64(sec), int64((r.Mtime-sec)*1e9)).UTC().Format("2006-01-02T15:04:05.999Z"))
				}
				switch {
				case !haveFt:
					if g.fix != "" {
						t.Errorf("%s: line %q has a fix marker but no ftputil expectations", in, g.line)
					}
					fmt.Fprintf(&out, "from   ftplua (ftputil has no %s parser)\n", g.parser)
				case g.fix == "":
					fromFtputil++
					if rec != ft[i] {
						t.Errorf("%s: line %q\n got     %s\n ftputil %s\n(mark an intended difference with ## fix)", in, g.line, rec, ft[i])
					}
					fmt.Fprintf(&out, "from   ftputil 5.0.4 (identical to %s)\n", filepath.Base(name)+".ftputil")
				default:
					fixes++
					if rec == ft[i] {
						t.Errorf("%s: line %q is marked as a fix but gives ftputil's result %s", in, g.line, rec)
					}
					fmt.Fprintf(&out, "from   ftplua, differs on purpose: %s\nftputil %s\n", g.fix, ft[i])
				}
			}
			golden := name + ".golden"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./parse -run TestGolden -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s differs from the results; diff:\n%s", golden, lineDiff(string(want), out.String()))
			}
		})
	}
	t.Logf("%d golden lines, %d checked against ftputil 5.0.4, %d intended differences", total, fromFtputil, fixes)
}

// lineDiff lists the lines that differ (a small diff for failure messages).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := max(len(w), len(g))
	shown := 0
	for i := 0; i < n && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n- %s\n+ %s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}
