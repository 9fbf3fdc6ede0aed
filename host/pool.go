package host

import (
	"context"
	"errors"
	"net/textproto"
	"sync"
)

// pool holds the child connections that files and transfers use, as
// ftputil's children: one per open file, reused after a clean close,
// at most MaxConnections in all (the main connection counts).
type pool struct {
	h      *Host
	mu     sync.Mutex
	idle   []*child
	busy   map[*child]bool
	closed bool
}

type child struct {
	sess Session
	cwd  string // the child's working directory as last set; "" unknown
}

func newPool(h *Host) *pool { return &pool{h: h, busy: map[*child]bool{}} }

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
	wire, err := p.h.codec.encode(dir)
	if err != nil {
		return nil, newError(FTPIOError, dir, "%v", err)
	}
	for {
		c, fresh, err := p.take(ctx)
		if err != nil {
			return nil, err
		}
		if c.cwd == dir {
			// reused without a command: check it is alive
			code, _, err := c.sess.Cmd(ctx, "NOOP")
			if err == nil && code/100 == 2 {
				return c, nil
			}
			p.discard(c)
			if fresh || ctx.Err() != nil {
				return nil, wrapError(err, "NOOP", dir)
			}
			continue
		}
		code, msg, err := c.sess.Cmd(ctx, "CWD "+wire)
		if err != nil || code == 421 {
			p.discard(c)
			if fresh || ctx.Err() != nil {
				if err == nil {
					return nil, replyError(code, msg, "CWD "+wire, dir)
				}
				return nil, wrapError(err, "CWD "+wire, dir)
			}
			continue // a stale idle child: try the next one
		}
		if code/100 != 2 {
			c.cwd = ""
			p.put(c, nil)
			e := newError(FTPIOError, dir, "remote directory '%s' doesn't exist or has insufficient access rights", dir)
			e.Code, e.Err = code, replyError(code, msg, "CWD "+wire, dir)
			return nil, e
		}
		c.cwd = dir
		return c, nil
	}
}

// take returns an idle child or a new one.
func (p *pool) take(ctx context.Context) (c *child, fresh bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, newError(FTPOSError, "", "%v", errClosed)
	}
	if n := len(p.idle); n > 0 {
		c = p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.busy[c] = true
		p.mu.Unlock()
		return c, false, nil
	}
	if len(p.busy) >= p.limit() {
		p.mu.Unlock()
		return nil, false, newError(FTPIOError, "",
			"all %d connections are in use (max_connections): close a file first", p.limit()+1)
	}
	placeholder := &child{}
	p.busy[placeholder] = true
	p.mu.Unlock()
	o := p.h.opts
	factory := o.SessionFactory
	if factory == nil {
		factory = DefaultSessionFactory
	}
	sess, err := factory(ctx, &o)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.busy, placeholder)
	if err != nil {
		return nil, false, wrapError(err, "", "")
	}
	if p.closed {
		sess.Close()
		return nil, false, newError(FTPOSError, "", "%v", errClosed)
	}
	c = &child{sess: sess}
	p.busy[c] = true
	return c, true, nil
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
	delete(p.busy, c)
	if p.closed {
		c.sess.Close()
		return
	}
	p.idle = append(p.idle, c)
}

func (p *pool) discard(c *child) {
	c.sess.Close()
	p.mu.Lock()
	delete(p.busy, c)
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

func isReplyErr(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp)
}
