package host

import (
	"context"
	"errors"
)

// WalkOptions are os.walk's options.
type WalkOptions struct {
	BottomUp    bool // yield a directory after its subdirectories (topdown=false)
	FollowLinks bool // descend into links to directories
	// OnError is called with the error of a directory that cannot be
	// listed; the walk goes on without it. A non-nil return stops the
	// walk with that error. Nil: such directories are skipped silently,
	// as os.walk does.
	OnError func(err error) error
}

// Walker walks a remote tree as os.walk / ftputil's walk: each step gives
// a directory, its subdirectory names and its other names. Top-down, the
// caller may change the subdirectory names (SetDirnames) before the next
// step to prune the walk or to order it.
//
//	w := h.Walk(ctx, "/pub", host.WalkOptions{})
//	for w.Next() {
//		fmt.Println(w.Dir(), w.Dirnames(), w.Filenames())
//	}
//	if err := w.Err(); err != nil { ... }
//
// Paths are joined onto top as given: a relative top gives relative paths.
// Names come from one listing per directory; classifying them needs no
// further command unless a link points into another directory.
type Walker struct {
	h     *Host
	ctx   context.Context
	opts  WalkOptions
	stack []*walkFrame
	cur   *walkFrame
	err   error
}

type walkFrame struct {
	path          string
	dirs, files   []string
	next          int
	listed, empty bool
}

// Walk starts a walk at top.
func (h *Host) Walk(ctx context.Context, top string, opts WalkOptions) *Walker {
	return &Walker{h: h, ctx: ctx, opts: opts, stack: []*walkFrame{{path: top}}}
}

// Next moves to the next directory; false at the end or on an error.
func (w *Walker) Next() bool {
	w.cur = nil
	for len(w.stack) > 0 && w.err == nil {
		f := w.stack[len(w.stack)-1]
		if !f.listed {
			f.listed = true
			if !w.list(f) {
				w.stack = w.stack[:len(w.stack)-1]
				continue
			}
			if !w.opts.BottomUp {
				w.cur = f
				return true
			}
		}
		if f.next < len(f.dirs) {
			child := Join(f.path, f.dirs[f.next])
			f.next++
			if !w.opts.FollowLinks {
				link, err := w.h.IsLink(w.ctx, child)
				if err != nil {
					w.err = err
					return false
				}
				if link {
					continue
				}
			}
			w.stack = append(w.stack, &walkFrame{path: child})
			continue
		}
		w.stack = w.stack[:len(w.stack)-1]
		if w.opts.BottomUp {
			w.cur = f
			return true
		}
	}
	return false
}

// list reads a directory into f; false if it cannot be listed.
func (w *Walker) list(f *walkFrame) bool {
	names, err := w.h.Listdir(w.ctx, f.path)
	if err != nil {
		if !errors.Is(err, FTPOSError) || errors.Is(err, ParserError) {
			w.err = err
			return false
		}
		if w.opts.OnError != nil {
			w.err = w.opts.OnError(err)
		}
		return false
	}
	f.dirs, f.files = []string{}, []string{}
	for _, name := range names {
		dir, err := w.h.IsDir(w.ctx, Join(f.path, name))
		if err != nil {
			w.err = err
			return false
		}
		if dir {
			f.dirs = append(f.dirs, name)
		} else {
			f.files = append(f.files, name)
		}
	}
	return true
}

// Dir is the current directory's path.
func (w *Walker) Dir() string { return w.cur.path }

// Dirnames are the names of the current directory's subdirectories
// (links to directories included).
func (w *Walker) Dirnames() []string { return w.cur.dirs }

// Filenames are the other names of the current directory.
func (w *Walker) Filenames() []string { return w.cur.files }

// SetDirnames replaces the subdirectories to descend into; top-down only
// (bottom-up, the subdirectories were walked already).
func (w *Walker) SetDirnames(names []string) {
	if w.cur != nil && !w.opts.BottomUp {
		w.cur.dirs = names
	}
}

// Err is the error that stopped the walk, if any.
func (w *Walker) Err() error { return w.err }
