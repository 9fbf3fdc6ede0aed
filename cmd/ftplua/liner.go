package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/peterh/liner"
)

// This is the only file that uses liner: the terminal's line editor, its
// history file, Tab completion and the password prompt.

// stdinIsTerminal tells whether stdin is os.Stdin and a terminal.
func stdinIsTerminal(stdin io.Reader) bool {
	if f, ok := stdin.(*os.File); !ok || f != os.Stdin {
		return false
	}
	_, err := liner.TerminalMode()
	return err == nil
}

// linerReader is the terminal LineReader, with history in ~/.ftplua_history
// (or $FTPLUA_HISTORY; "" there keeps no history file).
type linerReader struct {
	l    *liner.State
	hist string
}

// newLinerReader returns a terminal reader, or nil when stdin or stdout
// is not a terminal (liner cannot edit lines then).
func newLinerReader() *linerReader {
	if _, err := liner.TerminalMode(); err != nil {
		return nil
	}
	if fi, err := os.Stdout.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	r := &linerReader{l: liner.NewLiner(), hist: historyFile()}
	r.l.SetCtrlCAborts(true)
	r.l.SetTabCompletionStyle(liner.TabPrints)
	if r.hist != "" {
		if f, err := os.Open(r.hist); err == nil {
			r.l.ReadHistory(f) // a damaged history is not worth failing for
			f.Close()
		}
	}
	return r
}

func historyFile() string {
	if h, ok := os.LookupEnv("FTPLUA_HISTORY"); ok {
		return h
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".ftplua_history")
	}
	return ""
}

func (r *linerReader) ReadLine(prompt string) (string, error) {
	s, err := r.l.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted
	}
	if err == io.EOF {
		fmt.Println() // leave the terminal on a fresh line after Ctrl-D
	}
	return s, err
}

func (r *linerReader) AddHistory(line string) { r.l.AppendHistory(line) }

func (r *linerReader) SetCompleter(complete func(line string, pos int) (string, []string, string)) {
	r.l.SetWordCompleter(complete)
}

// Width is the terminal's width: $COLUMNS, else 80 (liner keeps its own
// measure to itself).
func (r *linerReader) Width() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

func (r *linerReader) Close() error {
	if r.hist != "" {
		if f, err := os.OpenFile(r.hist, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
			r.l.WriteHistory(f)
			f.Close()
		}
	}
	return r.l.Close()
}

// askPassword reads a password from the terminal without echo.
func askPassword(prompt string) (string, error) {
	l := liner.NewLiner()
	defer l.Close()
	l.SetCtrlCAborts(true)
	pw, err := l.PasswordPrompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted
	}
	return pw, err
}
