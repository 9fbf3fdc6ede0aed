package ftpconn

import (
	"bytes"
	"strings"
	"sync"
)

// debugWriter receives jlaffaye's transcript of the control connection
// (both directions through one writer), cuts it into lines, tells commands
// from replies, and masks the password.
type debugWriter struct {
	mu      sync.Mutex
	out     func(string)
	partial []byte
	multi   string // code of an open multi-line reply ("211"), or ""
}

func newDebugWriter(out func(string)) *debugWriter { return &debugWriter{out: out} }

func (w *debugWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(w.partial[:i]), "\r")
		w.partial = w.partial[i+1:]
		w.out(w.label(line))
	}
	return len(p), nil
}

func isCode(s string) bool {
	return len(s) >= 3 && s[0] >= '1' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

func (w *debugWriter) label(line string) string {
	if w.multi != "" {
		if strings.HasPrefix(line, w.multi+" ") || line == w.multi {
			w.multi = ""
		}
		return "< " + line
	}
	if isCode(line) && (len(line) == 3 || line[3] == ' ' || line[3] == '-') {
		if len(line) > 3 && line[3] == '-' {
			w.multi = line[:3]
		}
		return "< " + line
	}
	return "> " + MaskCommand(line)
}

// MaskCommand hides the argument of PASS and ACCT.
func MaskCommand(line string) string {
	verb, _, ok := strings.Cut(line, " ")
	if ok && (strings.EqualFold(verb, "PASS") || strings.EqualFold(verb, "ACCT")) {
		return verb + " ****"
	}
	return line
}
