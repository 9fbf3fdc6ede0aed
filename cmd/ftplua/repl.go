package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// LineReader is what the REPL reads from: liner on a terminal, a plain
// reader for pipes and tests.
type LineReader interface {
	// ReadLine shows prompt (where there is a terminal) and returns one
	// line; io.EOF at the end of input, errInterrupted on Ctrl-C.
	ReadLine(prompt string) (string, error)
	// AddHistory records an entered line (secrets already masked).
	AddHistory(line string)
	Close() error
}

// A LineReader that completes with Tab implements this; the REPL hands it
// the completer of its LState.
type completingReader interface {
	SetCompleter(complete func(line string, pos int) (head string, completions []string, tail string))
}

// A LineReader on a terminal tells its width; the REPL lays out columns
// for it (80 otherwise).
type sizedReader interface {
	Width() int
}

// errInterrupted is returned by ReadLine on Ctrl-C at the prompt.
var errInterrupted = errors.New("interrupted")

// plainReader reads lines from a reader without prompts.
type plainReader struct{ sc *bufio.Scanner }

func newPlainReader(r io.Reader) *plainReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	return &plainReader{sc: sc}
}

func (p *plainReader) ReadLine(string) (string, error) {
	if p.sc.Scan() {
		return p.sc.Text(), nil
	}
	if err := p.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

func (p *plainReader) AddHistory(string) {}
func (p *plainReader) Close() error      { return nil }

// repl reads chunks and runs them: an expression prints its values, an
// incomplete chunk continues on the next line, errors are printed and the
// loop goes on. Ctrl-C cancels the running chunk, not the REPL; Ctrl-D
// (end of input) leaves. It returns the exit status: 0, or the code a
// chunk gave os.exit.
func repl(L *lua.LState, in LineReader, stdout, stderr io.Writer) int {
	installHelp(L, stdout)
	if c, ok := in.(completingReader); ok {
		c.SetCompleter(newCompleter(L).Complete)
	}
	width := 80
	if s, ok := in.(sizedReader); ok && s.Width() >= 20 {
		width = s.Width()
	}
	var buf strings.Builder
	for {
		prompt := "> "
		if buf.Len() > 0 {
			prompt = ">> "
		}
		line, err := in.ReadLine(prompt)
		if err == errInterrupted {
			buf.Reset()
			continue
		}
		if err != nil {
			if buf.Len() > 0 {
				fmt.Fprintln(stderr, "ftplua: incomplete chunk at end of input")
			}
			return 0
		}
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
		buf.WriteString(line)
		chunk := buf.String()
		fn, incomplete, cerr := compileChunk(L, chunk)
		if incomplete {
			continue
		}
		buf.Reset()
		addHistory(in, chunk)
		if cerr != nil {
			fmt.Fprintf(stderr, "%v\n", cerr)
			continue
		}
		if code, exit := runChunk(L, fn, stdout, stderr, width); exit {
			return code
		}
	}
}

// addHistory records a chunk line by line (liner's history file holds
// lines), with passwords masked.
func addHistory(in LineReader, chunk string) {
	for _, line := range strings.Split(maskSecrets(chunk), "\n") {
		if strings.TrimSpace(line) != "" {
			in.AddHistory(line)
		}
	}
}

// compileChunk compiles a chunk as an expression ("return " .. chunk) if
// it is one, else as statements; "=expr" is "return expr", as in lua 5.1.
// incomplete means more lines are needed.
func compileChunk(L *lua.LState, chunk string) (fn *lua.LFunction, incomplete bool, err error) {
	if strings.HasPrefix(chunk, "=") {
		chunk = "return " + chunk[1:]
	}
	if fn, err := L.Load(strings.NewReader("return "+chunk), "stdin"); err == nil {
		return fn, false, nil
	}
	fn, err = L.Load(strings.NewReader(chunk), "stdin")
	if err != nil && strings.Contains(err.Error(), "at EOF") {
		return nil, true, nil
	}
	return fn, false, err
}

// interrupts delivers Ctrl-C (SIGINT) while a chunk runs; stop ends the
// delivery. A variable, so that tests can interrupt without a signal.
var interrupts = func() (<-chan os.Signal, func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	return sig, func() { signal.Stop(sig) }
}

// runChunk runs fn with a context that Ctrl-C cancels: the Lua code stops
// and so does the FTP operation it waits for. It prints the values fn
// returns. exit is true when the chunk called os.exit.
func runChunk(L *lua.LState, fn *lua.LFunction, stdout, stderr io.Writer, width int) (code int, exit bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig, stop := interrupts()
	defer stop()
	go func() {
		select {
		case <-sig:
			cancel()
		case <-ctx.Done():
		}
	}()
	L.SetContext(ctx)
	defer L.RemoveContext()
	top := L.GetTop()
	defer L.SetTop(top)
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, L.NewFunction(traceback)); err != nil {
		if code, ok := exitStatus(err); ok {
			return code, true
		}
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "ftplua: interrupted")
			return 0, false
		}
		report(stderr, err)
		return 0, false
	}
	n := L.GetTop() - top
	if n > 0 {
		parts := make([]string, n)
		for i := 0; i < n; i++ {
			parts[i] = formatValue(L, L.Get(top+1+i), width)
		}
		fmt.Fprintln(stdout, strings.Join(parts, "\t"))
	}
	return 0, false
}

var (
	urlPassword   = regexp.MustCompile(`(?i)(ftp[es]*://[^:/@\s"']*:)[^\s"']*@`)
	fieldPassword = regexp.MustCompile(`(?i)(password\s*=\s*)("[^"]*"|'[^']*'|\[\[.*?\]\])`)
	argPassword   = regexp.MustCompile(`(FTPHost\s*\(\s*[^,]+,\s*[^,]+,\s*)("[^"]*"|'[^']*')`)
)

// maskSecrets hides passwords in a line before it goes to the history.
func maskSecrets(s string) string {
	s = urlPassword.ReplaceAllString(s, "${1}****@")
	s = fieldPassword.ReplaceAllString(s, `${1}"****"`)
	s = argPassword.ReplaceAllString(s, `${1}"****"`)
	return s
}
