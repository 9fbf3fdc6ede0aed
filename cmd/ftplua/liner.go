package main

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/peterh/liner"
)

// errInterrupted is returned by ReadLine on Ctrl-C at the prompt.
var errInterrupted = errors.New("interrupted")

// linerReader is the terminal LineReader, with history in ~/.ftplua_history.
type linerReader struct {
	l    *liner.State
	hist string
}

// newLinerReader returns a terminal reader, or nil when stdin is not a
// terminal.
func newLinerReader() *linerReader {
	if _, err := liner.TerminalMode(); err != nil {
		return nil
	}
	r := &linerReader{l: liner.NewLiner()}
	r.l.SetCtrlCAborts(true)
	if home, err := os.UserHomeDir(); err == nil {
		r.hist = filepath.Join(home, ".ftplua_history")
		if f, err := os.Open(r.hist); err == nil {
			r.l.ReadHistory(f) // a damaged history is not worth failing for
			f.Close()
		}
	}
	return r
}

func (r *linerReader) ReadLine(prompt string) (string, error) {
	s, err := r.l.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted
	}
	return s, err
}

func (r *linerReader) AddHistory(line string) { r.l.AppendHistory(line) }

func (r *linerReader) Close() error {
	if r.hist != "" {
		if f, err := os.OpenFile(r.hist, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
			r.l.WriteHistory(f)
			f.Close()
		}
	}
	return r.l.Close()
}
