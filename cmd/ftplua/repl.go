package main

import (
	"bufio"
	"context"
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
	// line; io.EOF at the end of input.
	ReadLine(prompt string) (string, error)
	// AddHistory records an entered chunk.
	AddHistory(line string)
	Close() error
}

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
// loop goes on. Ctrl-C cancels the running chunk, not the REPL.
func repl(L *lua.LState, in LineReader, stdout, stderr io.Writer) {
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
			return
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
		if strings.TrimSpace(chunk) != "" {
			in.AddHistory(maskSecrets(chunk))
		}
		if cerr != nil {
			fmt.Fprintf(stderr, "%v\n", cerr)
			continue
		}
		runChunk(L, fn, stdout, stderr)
	}
}

// compileChunk compiles a line as an expression ("return " .. chunk) if it
// is one, else as a statement. incomplete means more lines are needed.
func compileChunk(L *lua.LState, chunk string) (fn *lua.LFunction, incomplete bool, err error) {
	if fn, err := L.LoadString("return " + chunk); err == nil {
		return fn, false, nil
	}
	fn, err = L.LoadString(chunk)
	if err != nil && strings.Contains(err.Error(), "at EOF") {
		return nil, true, nil
	}
	return fn, false, err
}

func runChunk(L *lua.LState, fn *lua.LFunction, stdout, stderr io.Writer) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
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
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, L.NewFunction(traceback)); err != nil {
		report(stderr, err)
		L.SetTop(top)
		return
	}
	n := L.GetTop() - top
	if n > 0 {
		parts := make([]string, n)
		for i := 0; i < n; i++ {
			parts[i] = L.ToStringMeta(L.Get(top + 1 + i)).String()
		}
		fmt.Fprintln(stdout, strings.Join(parts, "\t"))
	}
	L.SetTop(top)
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
