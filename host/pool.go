package host

import (
	"context"
	"errors"
	"net"
	"net/textproto"
	"sync"
	"time"
)

// pool holds the child connections that files and transfers use, as
// ftputil's children: one per open file, reused after a clean close,
// at most MaxConnections in all (the main connection counts: its place is
// kept while it is lent to a file, see Host.lendMain).
type pool struct {
	h      *Host
	mu     sync.Mutex
	cond   *sync.Cond // signalled when a child comes back or the pool closes
	idle   []*child
	busy   map[*child]bool
	closed bool
	// lent counts the busy children (and children being made) that a
	// walk took to list directories ahead (getLent). They come back
	// within one listing, so a caller finding every connection in use
	// waits for one of them instead of failing.
	lent int
}

type child struct {
	sess Session
	cwd  string    // the child's working directory as last set; "" unknown
	idle time.Time // when it was last put back (zero: never)
	// unchecked: getTrusted handed it out without any command; a
	// transport failure on it may be a connection the server dropped.
	unchecked bool
	lent      bool // taken by getLent; counted in pool.lent
}

// idleCheck is how long a child may sit idle and still be handed out by
// getTrusted without a NOOP. Servers drop idle sessions after minutes
// (vsftpd 300 s, proftpd 600 s, pure-ftpd 15 min); a child back in the
// pool for less than this is almost surely alive, and the caller retries
// on a fresh child if it is not.
const idleCheck = 5 * time.Second

func newPool(h *Host) *pool {
	p := &pool{h: h, busy: map[*child]bool{}}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *pool) limit() int {
	n := p.h.opts.MaxConnections
	if n <= 0 {
		n = 8
	}
	return n - 1 // the main connection is one of them
}

// get returns a child whose working directory is dir. An idle child that
// fails in transport (the server dropped it while idle) is replaced
// without the caller seeing it. A directory the server refuses is an
// FTPIOError, and the child goes back to the pool.
func (p *pool) get(ctx context.Context, dir string) (*child, error) {
	return p.acquire(ctx, dir, false, false)
}

// getTrusted is get without the NOOP for a child that is already in dir
// and came back to the pool less than idleCheck ago: a file transfer in a
// loop then costs no command beyond its own. The child is marked
// unchecked; a caller that sees it fail in transport before anything was
// transferred gets another child (with get) and tries again, so a child
// the server dropped is still replaced without the caller seeing it.
func (p *pool) getTrusted(ctx context.Context, dir string) (*child, error) {
	return p.acquire(ctx, dir, true, false)
}

// takeLent is take for listing ahead of a walk: an idle child or a new
// one (logged in, in no particular directory; enter puts it in one). It
// never waits (at the limit it fails at once), and until the child is
// back, callers of get that find every connection in use wait for it
// rather than fail.
func (p *pool) takeLent(ctx context.Context) (c *child, fresh bool, err error) {
	return p.take(ctx, "", true)
}

func (p *pool) acquire(ctx context.Context, dir string, trust, lend bool) (*child, error) {
	for {
		c, fresh, err := p.take(ctx, dir, lend)
		if err != nil {
			return nil, err
		}
		ok, err := p.enter(ctx, c, dir, fresh, trust)
		if ok || err != nil {
			return c, err
		}
		// a stale idle child, discarded: try the next one
	}
}

// enter makes dir the working directory of c, a child just taken: no
// command if it is there already and trusted (see getTrusted), NOOP if it
// is there, else CWD. ok: c is ready. A child that fails in transport is
// discarded: if it was fresh (or ctx is done) the error comes back, else
// ok and err are both zero values (take another). A directory the server
// refuses is an FTPIOError, and the child goes back to the pool. A
// timeout is not a connection dropped while idle: it comes back too,
// rather than costing the caller a second timeout on another child.
func (p *pool) enter(ctx context.Context, c *child, dir string, fresh, trust bool) (ok bool, err error) {
	wire, err := p.h.codec.encode(dir)
	if err != nil {
		p.put(c, nil)
		return false, newError(FTPIOError, dir, "%v", err)
	}
	c.unchecked = false
	if c.cwd == dir && trust && !fresh && time.Since(c.idle) < idleCheck {
		c.unchecked = true
		return true, nil
	}
	if c.cwd == dir {
		// reused without a command: check it is alive
		code, _, err := c.sess.Cmd(ctx, "NOOP")
		if err == nil && code/100 == 2 {
			return true, nil
		}
		p.discard(c)
		if fresh || ctx.Err() != nil || isTimeout(err) {
			return false, wrapError(err, "NOOP", dir)
		}
		return false, nil
	}
	code, msg, err := c.sess.Cmd(ctx, "CWD "+wire)
	if err != nil || code == 421 {
		p.discard(c)
		if fresh || ctx.Err() != nil || isTimeout(err) {
			if err == nil {
				return false, replyError(code, msg, "CWD "+wire, dir)
			}
			return false, wrapError(err, "CWD "+wire, dir)
		}
		return false, nil
	}
	if code/100 != 2 {
		c.cwd = ""
		p.put(c, nil)
		e := newError(FTPIOError, dir, "remote directory '%s' doesn't exist or has insufficient access rights", dir)
		e.Code, e.Command, e.Err = code, "CWD "+dir, replyError(code, msg, "CWD "+wire, dir)
		return false, e
	}
	c.cwd = dir
	return true, nil
}

// take returns an idle child or a new one: the most recently used idle
// child already in dir, else the least recently used one (the others are
// likelier to be wanted again in their directories, by the loop that just
// put them back), else a new one. At the limit it fails, or waits while
// children lent to a walk's listings are out (unless lend: those fail).
func (p *pool) take(ctx context.Context, dir string, lend bool) (c *child, fresh bool, err error) {
	p.mu.Lock()
	for {
		if p.closed {
			p.mu.Unlock()
			return nil, false, newError(FTPOSError, "", "%v", errClosed)
		}
		if n := len(p.idle); n > 0 {
			i := 0 // the least recently used
			for j := n - 1; j >= 0; j-- {
				if p.idle[j].cwd == dir {
					i = j
					break
				}
			}
			c = p.idle[i]
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			p.busy[c] = true
			c.lent = lend
			if lend {
				p.lent++
			}
			p.mu.Unlock()
			return c, false, nil
		}
		if len(p.busy) < p.limit() {
			break
		}
		if lend || p.lent == 0 {
			p.mu.Unlock()
			return nil, false, newError(FTPIOError, "",
				"all %d connections are in use (max_connections): close a file first", p.limit()+1)
		}
		if err := ctx.Err(); err != nil {
			p.mu.Unlock()
			return nil, false, wrapError(err, "", "")
		}
		stop := context.AfterFunc(ctx, func() {
			p.mu.Lock()
			p.cond.Broadcast()
			p.mu.Unlock()
		})
		p.cond.Wait()
		stop()
	}
	placeholder := &child{lent: lend}
	p.busy[placeholder] = true
	if lend {
		p.lent++
	}
	p.mu.Unlock()
	sess, err := p.dial(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unbusy(placeholder)
	if err != nil {
		return nil, false, wrapError(err, "", "")
	}
	if p.closed {
		sess.Close()
		return nil, false, newError(FTPOSError, "", "%v", errClosed)
	}
	c = &child{sess: sess, lent: lend}
	p.busy[c] = true
	if lend {
		p.lent++
	}
	return c, true, nil
}

// offer adds c, the host's idle main connection, to the idle children
// when there are none and the limit leaves room for one more (see
// Host.lendMain). It reports whether c was taken.
func (p *pool) offer(c *child) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) > 0 || len(p.busy) >= p.limit() {
		return false
	}
	p.idle = append(p.idle, c)
	p.cond.Broadcast()
	return true
}

// hasIdle reports whether a child is idle.
func (p *pool) hasIdle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle) > 0
}

// reclaim returns a connection for the host's main one, lent to a file
// before: the idle child used last (checked with NOOP when it sat idle
// for idleCheck or longer; a dead one is closed and the next tried), or a
// new connection. It does not count against the limit: the main
// connection's place is kept. cwd is the connection's working directory,
// "" when unknown.
func (p *pool) reclaim(ctx context.Context) (sess Session, cwd string, err error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, "", newError(FTPOSError, "", "%v", errClosed)
		}
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			break
		}
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if time.Since(c.idle) < idleCheck {
			return c.sess, c.cwd, nil
		}
		code, _, err := c.sess.Cmd(ctx, "NOOP")
		if err == nil && code/100 == 2 {
			return c.sess, c.cwd, nil
		}
		c.sess.Close()
		if ctx.Err() != nil {
			return nil, "", wrapError(ctx.Err(), "NOOP", "")
		}
	}
	sess, err = p.dial(ctx)
	if err != nil {
		return nil, "", wrapError(err, "", "")
	}
	return sess, "", nil
}

// dial logs in a new connection with the host's options.
func (p *pool) dial(ctx context.Context) (Session, error) {
	o := p.h.opts
	factory := o.SessionFactory
	if factory == nil {
		factory = DefaultSessionFactory
	}
	return factory(ctx, &o)
}

// unbusy takes c off the busy set (p.mu held) and wakes the waiters.
func (p *pool) unbusy(c *child) {
	delete(p.busy, c)
	if c.lent {
		c.lent = false
		p.lent--
	}
	p.cond.Broadcast()
}

// put returns a child after use; err non-nil (or a broken session) means
// it must not be reused.
func (p *pool) put(c *child, err error) {
	if err != nil || broken(c.sess) {
		p.discard(c)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unbusy(c)
	if p.closed {
		c.sess.Close()
		return
	}
	c.idle = time.Now()
	p.idle = append(p.idle, c)
}

func (p *pool) discard(c *child) {
	c.sess.Close()
	p.mu.Lock()
	p.unbusy(c)
	p.mu.Unlock()
}

// closeAll closes every child, idle or in use (the files of the latter
// fail from then on), and refuses new ones.
func (p *pool) closeAll() error {
	p.mu.Lock()
	all := p.idle
	for c := range p.busy {
		if c.sess != nil {
			all = append(all, c)
		}
	}
	p.idle, p.busy, p.closed = nil, map[*child]bool{}, true
	p.cond.Broadcast()
	p.mu.Unlock()
	var errs []error
	for _, c := range all {
		if err := c.sess.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// broken asks a session that can tell whether it failed in transport.
func broken(s Session) bool {
	b, ok := s.(interface{ Broken() bool })
	return ok && b.Broken()
}

// release returns a child after an operation that ended with err: a
// negative reply leaves the connection usable, anything else does not.
func (p *pool) release(c *child, err error) {
	if err != nil && !isReplyErr(err) {
		p.put(c, err)
		return
	}
	p.put(c, nil)
}

// isTimeout tells an error of a deadline: the idle limit (Timeout) or
// the caller's.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

func isReplyErr(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp)
}
