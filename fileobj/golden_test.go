package fileobj

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// text_golden.json holds what Python's io.TextIOWrapper makes of a set of
// inputs (testdata/gen_text_golden.py; its Python version is recorded in
// the file). These tests replay each case through File, with the stream
// cut into reads of various sizes and with tiny internal buffers, so that
// multi-byte characters and "\r\n" fall across every boundary.

type goldenFile struct {
	Python string        `json:"python"`
	Reads  []goldenRead  `json:"reads"`
	Writes []goldenWrite `json:"writes"`
}

type goldenRead struct {
	Input, Data, Encoding, Errors string
	Newline                       *string
	Lines                         []string
	Read                          *string
	Error                         string
}

type goldenWrite struct {
	Input, Text, Encoding, Errors string
	Newline                       *string
	Bytes                         *string
	Error                         string
}

func loadGolden(t *testing.T) *goldenFile {
	t.Helper()
	b, err := os.ReadFile("testdata/text_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if g.Python == "" || len(g.Reads) == 0 || len(g.Writes) == 0 {
		t.Fatal("golden file incomplete")
	}
	return &g
}

func nlName(nl *string) string {
	if nl == nil {
		return "None"
	}
	return fmt.Sprintf("%q", *nl)
}

// withBuffers runs fn with the text buffers set to the given sizes.
func withBuffers(raw, text int, fn func()) {
	oldRaw, oldText := textRawSize, textBufSize
	textRawSize, textBufSize = raw, text
	defer func() { textRawSize, textBufSize = oldRaw, oldText }()
	fn()
}

type bufSetting struct{ raw, text int }

var goldenBuffers = []bufSetting{{16, 16}, {17, 23}, {64 << 10, 64 << 10}}
var goldenChunks = []int{1, 3, 64, 1 << 20}

func TestTextGoldenRead(t *testing.T) {
	g := loadGolden(t)
	t.Logf("golden from Python %s: %d read cases", g.Python, len(g.Reads))
	// the errors=replace result of each case, to check what a strict read
	// delivered before its error
	replaced := map[string]string{}
	key := func(c goldenRead) string { return c.Input + "|" + c.Encoding + "|" + nlName(c.Newline) }
	for _, c := range g.Reads {
		if c.Errors == "replace" && c.Read != nil {
			replaced[key(c)] = *c.Read
		}
	}
	for _, c := range g.Reads {
		data, err := hex.DecodeString(c.Data)
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Mode: "r", Encoding: c.Encoding, Errors: c.Errors, Newline: c.Newline}
		name := fmt.Sprintf("%s/%s/%s/nl=%s", c.Input, c.Encoding, c.Errors, nlName(c.Newline))
		for _, bs := range goldenBuffers {
			withBuffers(bs.raw, bs.text, func() {
				for _, chunk := range goldenChunks {
					where := fmt.Sprintf("%s buf=%v chunk=%d", name, bs, chunk)
					lines, lerr := readAllLines(t, data, chunk, o)
					whole, rerr := readWhole(t, data, chunk, o, false)
					chars, cerr := readWhole(t, data, chunk, o, true)
					if c.Error != "" {
						for _, e := range []error{lerr, rerr, cerr} {
							var de *DecodeError
							if !errors.As(e, &de) {
								t.Errorf("%s: Python raised %s, got err %v", where, c.Error, e)
							}
						}
						want := replaced[key(c)]
						for _, got := range []string{strings.Join(lines, ""), whole, chars} {
							if !strings.HasPrefix(want, got) {
								t.Errorf("%s: text before the error %q is not a prefix of %q", where, got, want)
							}
						}
						continue
					}
					if lerr != nil || rerr != nil || cerr != nil {
						t.Errorf("%s: errors %v / %v / %v", where, lerr, rerr, cerr)
						continue
					}
					if !equalLines(lines, c.Lines) {
						t.Errorf("%s: ReadLine gave %q, Python %q", where, lines, c.Lines)
					}
					if whole != *c.Read {
						t.Errorf("%s: Read gave %q, Python %q", where, whole, *c.Read)
					}
					if chars != *c.Read {
						t.Errorf("%s: ReadChars(3) gave %q, Python %q", where, chars, *c.Read)
					}
				}
			})
		}
	}
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func readAllLines(t *testing.T, data []byte, chunk int, o Options) ([]string, error) {
	f := openFake(t, &fakeConn{data: data, chunk: chunk}, "golden.txt", o)
	defer f.Close()
	var lines []string
	for {
		l, err := f.ReadLine()
		if err == io.EOF {
			if l != "" {
				t.Errorf("ReadLine returned %q with io.EOF", l)
			}
			return lines, nil
		}
		if l != "" {
			lines = append(lines, l)
		} else if err == nil {
			t.Fatalf("ReadLine returned an empty line without error")
		}
		if err != nil {
			return lines, err
		}
	}
}

// readWhole reads everything with io.ReadAll (Read), or with ReadChars(3).
func readWhole(t *testing.T, data []byte, chunk int, o Options, chars bool) (string, error) {
	f := openFake(t, &fakeConn{data: data, chunk: chunk}, "golden.txt", o)
	defer f.Close()
	if !chars {
		b, err := io.ReadAll(f)
		return string(b), err
	}
	var sb strings.Builder
	for {
		s, err := f.ReadChars(3)
		if err == io.EOF {
			return sb.String(), nil
		}
		sb.WriteString(s)
		if err != nil {
			return sb.String(), err
		}
		if n := len([]rune(s)); n != 3 {
			// fewer than asked only at the end
			switch _, err := f.ReadChars(1); err {
			case io.EOF:
				return sb.String(), nil
			case nil:
				t.Fatalf("ReadChars(3) gave %d characters %q before the end", n, s)
			default:
				return sb.String(), err
			}
		}
	}
}

func TestTextGoldenWrite(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Writes {
		name := fmt.Sprintf("%s/%s/%s/nl=%s", c.Input, c.Encoding, c.Errors, nlName(c.Newline))
		o := Options{Mode: "w", Encoding: c.Encoding, Errors: c.Errors, Newline: c.Newline}
		for _, step := range []int{0, 1, 2, 3} { // 0: one Write
			conn := &fakeConn{}
			f := openFake(t, conn, "golden.txt", o)
			var err error
			p := []byte(c.Text)
			if step == 0 {
				_, err = f.Write(p)
			} else {
				for i := 0; i < len(p) && err == nil; i += step {
					_, err = f.Write(p[i:min(len(p), i+step)])
				}
			}
			cerr := f.Close()
			where := fmt.Sprintf("%s step=%d", name, step)
			if c.Error != "" {
				var ee *EncodeError
				if !errors.As(err, &ee) {
					t.Errorf("%s: Python raised %s; Write gave %v, Close %v", where, c.Error, err, cerr)
				}
				continue
			}
			if err != nil || cerr != nil {
				t.Errorf("%s: Write %v, Close %v", where, err, cerr)
				continue
			}
			if got := hex.EncodeToString(conn.written.Bytes()); got != *c.Bytes {
				t.Errorf("%s: wrote %s, Python %s", where, got, *c.Bytes)
			}
		}
	}
}
