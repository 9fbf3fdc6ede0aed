package host

import (
	"context"

	"github.com/ftplua/ftplua/cache"
	"github.com/ftplua/ftplua/parse"
)

// KeepAlive sends PWD on the main connection, as ftputil does, so that the
// server does not close it for idleness. While the main connection is
// lent to an open file (see Open) and no other connection is idle, there
// is nothing idle to keep: it sends nothing rather than log in again.
func (h *Host) KeepAlive(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sess == nil && !h.closed && !h.pool.hasIdle() {
		return nil
	}
	_, err := h.expect(ctx, "PWD", "")
	return err
}

// SetParser sets the listing parser (a parse.Unix, parse.MS, parse.MLSD or
// one of the caller's) for good: the automatic choice ends and the stat
// cache is cleared. parse.MLSD switches the listings to MLSD (as
// Options.UseMLSD, but asked for explicitly: sent even if FEAT does not
// list MLST, so a server without it says so); any other parser reads
// LIST.
func (h *Host) SetParser(p parse.Parser) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cache.Clear()
	switch p.(type) {
	case parse.MLSD, *parse.MLSD:
		h.parser, h.useMLSD = nil, true
	default:
		h.parser, h.useMLSD = p, false
	}
}

// UseListAOption sets whether listings use "LIST -a" (hidden files shown)
// or plain LIST.
func (h *Host) UseListAOption(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case !on:
		h.listA = -1
	case h.listA < 0:
		h.listA = 0 // find out again
	}
}

// StatCache returns the host's stat cache.
func (h *Host) StatCache() *cache.Cache[StatResult] { return h.cache }

// Features returns the server's FEAT answer: feature name to argument.
func (h *Host) Features() map[string]string { return h.feats }
