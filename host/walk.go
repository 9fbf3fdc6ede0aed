package host

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"sync"
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
	// ListAhead > 0 lists up to that many directories at once ahead of
	// the walk, on child connections (at most max_connections-1), while
	// the caller handles the current one: the directories the walk is
	// about to enter, once their parent's step is done (so a pruned
	// directory is not listed). Each directory is still listed once, by
	// the same command the main connection would send, and parsed when
	// the walk reaches it; one that fails ahead is listed again then, so
	// errors are the same. A listing may thus be a few steps older than
	// the step that yields it: set it only for walks that do not change
	// the tree they walk. 0: every listing on the main connection, when
	// the walk reaches it.
	ListAhead int
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
	ahead *lister // ListAhead > 0
}

type walkFrame struct {
	path          string
	dirs, files   []string
	links         map[string]bool // listed subdirectory name -> is a link
	next          int
	listed, empty bool
}

// Walk starts a walk at top.
func (h *Host) Walk(ctx context.Context, top string, opts WalkOptions) *Walker {
	w := &Walker{h: h, ctx: ctx, opts: opts, stack: []*walkFrame{{path: top}}}
	if n := min(opts.ListAhead, h.pool.limit()); n > 0 {
		w.ahead = newLister(ctx, h, n)
	}
	return w
}

// Next moves to the next directory; false at the end or on an error.
func (w *Walker) Next() bool {
	w.cur = nil
	more := w.next()
	if !more && w.ahead != nil {
		w.ahead.stop()
	}
	return more
}

func (w *Walker) next() bool {
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
		if f.next == 0 && w.ahead != nil && len(f.dirs) > 0 {
			w.listAhead(f)
		}
		if f.next < len(f.dirs) {
			child := Join(f.path, f.dirs[f.next])
			f.next++
			if !w.opts.FollowLinks {
				link, err := w.isLink(f, f.dirs[f.next-1])
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
	var entries []StatResult
	var err error
	ok := false
	if w.ahead != nil {
		entries, ok, err = w.ahead.entries(f.path)
	}
	if !ok && err == nil {
		entries, err = w.h.listEntries(w.ctx, f.path)
	}
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
	for i := range entries {
		e := &entries[i]
		// the listing tells all but where a link leads (IsDir follows it)
		dir, link := isDirMode(e.Mode), isLinkMode(e.Mode)
		if link {
			if dir, err = w.h.IsDir(w.ctx, Join(f.path, e.Name)); err != nil {
				w.err = err
				return false
			}
		}
		if dir {
			if f.links == nil {
				f.links = map[string]bool{}
			}
			f.links[e.Name] = link
			f.dirs = append(f.dirs, e.Name)
		} else {
			f.files = append(f.files, e.Name)
		}
	}
	return true
}

// isLink tells whether the subdirectory name of f is a link: from f's
// listing, or (a name the caller set) by asking.
func (w *Walker) isLink(f *walkFrame, name string) (bool, error) {
	if link, ok := f.links[name]; ok {
		return link, nil
	}
	return w.h.IsLink(w.ctx, Join(f.path, name))
}

// listEntries is Listdir with the entries.
func (h *Host) listEntries(ctx context.Context, p string) ([]StatResult, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	if p == "" {
		return nil, newError(FTPIOError, "", "path argument `path` is empty")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.listDir(ctx, h.abspath(p))
}

// listAhead hands the subdirectories of f that the walk will enter to
// the lister, the first first (the caller's step for f is over, so
// SetDirnames has had its say).
func (w *Walker) listAhead(f *walkFrame) {
	dirs := make([]string, 0, len(f.dirs))
	for _, name := range f.dirs {
		child := Join(f.path, name)
		if !w.opts.FollowLinks {
			if link, err := w.isLink(f, name); err != nil || link {
				continue // the walk decides, and reports, when it gets there
			}
		}
		dirs = append(dirs, child)
	}
	w.ahead.add(dirs)
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

// lister lists directories ahead of a walk on child connections. Jobs are
// taken newest batch first (the walk is depth-first), at most n at once,
// and at most 4n listings wait, done, for the walk to reach them.
type lister struct {
	h      *Host
	parent context.Context // the walk's: logins run under it
	ctx    context.Context // cancelled when the walk ends: listings run under it
	cancel context.CancelFunc
	n      int

	mu         sync.Mutex
	queue      []*listJob // not started, next first
	jobs       map[string]*listJob
	running    int
	connecting int // workers getting their first child
	ready      int // done and not yet taken
	stopped    bool
	wg         sync.WaitGroup // workers holding a child (added under mu, while not stopped)
}

// errStaleListing: a listing made ahead with a command the host no longer
// uses (SetParser came in between); the walk lists again.
var errStaleListing = errors.New("listing made with another command")

type listJob struct {
	dir     string // absolute
	cmd     string
	started bool
	done    chan struct{}
	lines   []string
	err     error
}

func newLister(ctx context.Context, h *Host, n int) *lister {
	lctx, cancel := context.WithCancel(ctx)
	return &lister{h: h, parent: ctx, ctx: lctx, cancel: cancel, n: n, jobs: map[string]*listJob{}}
}

// add queues the directories (paths as the walk has them) ahead of those
// already waiting.
func (l *lister) add(paths []string) {
	cmd := l.h.listCommand()
	if cmd == "" {
		return // not known yet (LIST -a or LIST): the main connection decides first
	}
	var batch []*listJob
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range paths {
		abs := l.h.Abspath(p)
		if _, ok := l.jobs[abs]; ok || checkPath(p) != nil {
			continue
		}
		j := &listJob{dir: abs, cmd: cmd, done: make(chan struct{})}
		l.jobs[abs] = j
		batch = append(batch, j)
	}
	l.queue = append(batch, l.queue...)
	l.spawn()
}

// spawn starts a worker while fewer than n run, there is room, the queue
// holds more than two jobs per running worker, and no worker is getting
// its first connection (l.mu held). A new worker may have to log in,
// which costs more than a listing on some servers (vsftpd's PAM login
// takes about 70 ms of CPU here, proftpd's 5 ms): so workers come one
// after the other, each once the previous one is connected, and only for
// a queue that would last.
func (l *lister) spawn() {
	if l.running < l.n && len(l.queue) > 2*l.running && l.ready < 4*l.n && l.connecting == 0 && !l.stopped {
		l.running++
		l.connecting++
		go l.work()
	}
}

func (l *lister) work() {
	for first := true; ; first = false {
		// a child first (logging in takes a while: meanwhile the walk
		// lists the directories it reaches itself), then a job. A login
		// is not cut short when the walk ends: the child goes to the
		// pool, for what comes next (Apply after SyncPlan).
		c, fresh, err := l.h.pool.takeLent(l.parent)
		l.mu.Lock()
		if first {
			l.connecting--
			if err == nil {
				l.spawn()
			}
		}
		if err != nil || len(l.queue) == 0 || l.ready >= 4*l.n || l.stopped {
			// no child to be had (all in use), nothing to do, or the
			// walk is over: rest until the walk takes a listing (spawn)
			l.running--
			l.mu.Unlock()
			if err == nil {
				l.h.pool.put(c, nil)
			}
			return
		}
		j := l.queue[0]
		l.queue = l.queue[1:]
		j.started = true
		l.wg.Add(1)
		l.mu.Unlock()
		j.lines, j.err = l.h.listOnChild(l.ctx, c, fresh, j.dir, j.cmd)
		l.mu.Lock()
		l.ready++
		l.mu.Unlock()
		close(j.done)
		l.wg.Done()
	}
}

// entries returns the entries of the directory at p from a listing made
// ahead, parsed now (into the stat cache, as Listdir does); ok false if
// there is none (or it failed: the caller lists it itself).
func (l *lister) entries(p string) (entries []StatResult, ok bool, err error) {
	if checkPath(p) != nil || p == "" {
		return nil, false, nil
	}
	abs := l.h.Abspath(p)
	l.mu.Lock()
	j := l.jobs[abs]
	if j == nil {
		l.mu.Unlock()
		return nil, false, nil
	}
	delete(l.jobs, abs)
	if !j.started {
		for i, q := range l.queue {
			if q == j {
				l.queue = append(l.queue[:i], l.queue[i+1:]...)
				break
			}
		}
		l.mu.Unlock()
		return nil, false, nil // quicker on the main connection, idle now
	}
	l.mu.Unlock()
	select {
	case <-j.done:
	case <-l.ctx.Done():
		return nil, false, nil
	}
	l.mu.Lock()
	l.ready--
	l.spawn()
	l.mu.Unlock()
	if j.err != nil {
		return nil, false, nil
	}
	entries, err = l.h.parseListed(abs, j.cmd, j.lines)
	if err == errStaleListing {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return entries, true, nil
}

// stop ends the listings in flight and waits for them (their children go
// back to the pool). A worker still logging in finishes in the
// background and puts its child in the pool.
func (l *lister) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.cancel()
	l.wg.Wait()
}

// listCommand is the listing command the main connection sends now: MLSD,
// LIST -a or LIST; "" while it is not known whether the server takes
// LIST -a.
func (h *Host) listCommand() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.listCommandLocked()
}

func (h *Host) listCommandLocked() string {
	switch {
	case h.useMLSD && h.parser == nil:
		return "MLSD"
	case h.listA > 0:
		return "LIST -a"
	case h.listA < 0:
		return "LIST"
	}
	return ""
}

// listOnChild lists dir with cmd on c, a child just taken (CWD dir, then
// the listing), gives c back, and returns the raw lines.
func (h *Host) listOnChild(ctx context.Context, c *child, fresh bool, dir, cmd string) ([]string, error) {
	if ok, err := h.pool.enter(ctx, c, dir, fresh, false); !ok {
		if err == nil {
			err = errStaleListing // a stale child, discarded: the walk lists it
		}
		return nil, err
	}
	data, err := c.sess.Transfer(ctx, cmd, 0)
	if err != nil {
		h.pool.release(c, err)
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(data)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	rerr := sc.Err() // then Close aborts the transfer
	cerr := data.Close()
	if rerr == nil {
		rerr = cerr
	}
	h.pool.release(c, childErr(c, rerr))
	if rerr != nil {
		return nil, rerr
	}
	return lines, nil
}

// childErr is err if it leaves the child's connection unusable, else nil.
func childErr(c *child, err error) error {
	if err == nil || (isReplyErr(err) && !broken(c.sess)) {
		return nil
	}
	return err
}

// parseListed is the second half of listDir for lines listed ahead with
// cmd: parse them with the parser listDir would use, and put every entry
// but "." and ".." (and names that are not one path component) into the
// stat cache. Keep it in step with listDir.
func (h *Host) parseListed(dir, cmd string, lines []string) ([]StatResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, newError(FTPOSError, dir, "%v", errClosed)
	}
	if cmd != h.listCommandLocked() {
		return nil, errStaleListing // the parser changed meanwhile
	}
	return h.parseLines(dir, cmd == "MLSD", lines)
}
