// Package faultproxy is a fault-injecting TCP proxy for tests: it sits
// between an FTP client and a server on loopback and, on request, cuts,
// stalls or slows the control or the data connections, refuses clients
// beyond a limit with "421 Too many connections", or replaces server
// replies.
//
//	p, err := faultproxy.Start(server.Addr())
//	defer p.Close()
//	h, err := host.Dial(ctx, host.Options{Host: p.Host(), Port: p.Port(), ...})
//	p.CutData(300_000, faultproxy.ToClient) // every download from now on breaks after 300 kB
//	...
//	p.Clear()
//
// # FTP awareness
//
// Start makes an FTP-aware proxy. It reads the control connection line by
// line: server replies 227 (PASV) and 229 (EPSV) are rewritten to point at
// listeners of the proxy, and client commands PORT and EPRT (active mode)
// likewise, so data connections pass through the proxy too and data faults
// apply to them (listings as well as transfers). Data connections are
// relayed to the control connection's target host, whatever address a 227
// reply names.
//
// With explicit TLS the control connection is encrypted after AUTH TLS,
// and the proxy can no longer read or rewrite it: from the 234 reply on it
// relays the control bytes untouched, and the passive replies it cannot see
// send data connections straight to the server. So with TLS only the
// control connection's faults work (cut, stall, slow, the client limit;
// reply replacement only for the greeting and the AUTH exchange); data
// faults never fire. StartTCP makes a proxy that never reads the protocol
// at all (for implicit TLS, or any TCP service): control faults only, and
// LimitClients refuses by closing the connection without a reply.
//
// # Faults
//
// A fault is set per channel (Control or Data) and direction (ToServer:
// commands and uploads; ToClient: replies and downloads) and applies to
// every connection of that channel, open or opened later, until it is
// changed or Clear is called. Byte counts (Fault.After) start when the
// fault is set, or when the connection opens if that is later: a data
// fault thus counts from the start of each transfer.
//
// A cut closes both sides of the connection: by default with a reset (RST),
// which the client sees as "connection reset by peer" and the server as a
// failed transfer; with Fault.Graceful with an ordinary close (FIN), which a
// downloading client takes for the end of the file (a silent truncation,
// unless it checks the size) and the server for the end of an upload.
//
// A Proxy is safe for concurrent use.
package faultproxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Direction is the way bytes travel through the proxy; a bit set.
type Direction int

const (
	ToServer Direction = 1 << iota // client to server: commands, uploads, the client's TLS records
	ToClient                       // server to client: replies, downloads, listings
	BothWays = ToServer | ToClient
)

func (d Direction) String() string {
	switch d {
	case ToServer:
		return "to server"
	case ToClient:
		return "to client"
	case BothWays:
		return "both ways"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// Channel says which connections a fault applies to.
type Channel int

const (
	Control Channel = iota // control connections (or every connection of a StartTCP proxy)
	Data                   // data connections (FTP-aware proxies without TLS only)
)

func (c Channel) String() string {
	if c == Data {
		return "data"
	}
	return "control"
}

// Fault is what happens to the bytes of one direction of a connection.
type Fault struct {
	// After is the number of bytes let through (counted from when the
	// fault is set, or from the connection's start if later) before Cut
	// or Stall acts.
	After int64
	// Cut closes both sides of the connection once After bytes passed.
	Cut bool
	// Graceful makes the cut an ordinary close (FIN) instead of a reset.
	Graceful bool
	// Stall stops forwarding once After bytes passed: for this long, or
	// with a negative value until the fault is changed or cleared (or the
	// proxy closed). Zero: no stall.
	Stall time.Duration
	// Rate limits the throughput in bytes per second; 0: unlimited.
	Rate int64
}

func (f Fault) zero() bool { return f == Fault{} }

// Stats are the proxy's counters.
type Stats struct {
	Control  int // control connections accepted and relayed
	Refused  int // control connections refused by LimitClients
	Open     int // control connections whose client has not closed yet
	Data     int // data connections relayed
	Cut      int // connections cut by a fault (a control or a data connection each)
	Replaced int // server replies replaced
}

// Proxy is a running proxy.
type Proxy struct {
	target string
	ftp    bool
	ln     net.Listener

	mu       sync.Mutex
	faults   [2][2]slot // [Channel][0: ToServer, 1: ToClient]
	gen      uint64
	changed  chan struct{} // closed and replaced on every change
	limit    int
	replyN   int // ReplaceReply: the nth reply (1-based), 0: none
	replyTxt string
	replyGen uint64
	replyTo  map[string]string // verb -> reply text
	stats    Stats
	sessions map[*session]bool
	closed   bool

	done chan struct{}
	wg   sync.WaitGroup
}

type slot struct {
	f   Fault
	gen uint64
}

// Start listens on 127.0.0.1 (a free port) and relays each connection to
// target ("host:port") as an FTP-aware proxy (see the package comment).
func Start(target string) (*Proxy, error) { return start(target, true) }

// StartTCP is Start for a proxy that does not read the protocol: every
// connection is relayed byte for byte and counts as a control connection.
func StartTCP(target string) (*Proxy, error) { return start(target, false) }

func start(target string, ftp bool) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("faultproxy: target %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{target: target, ftp: ftp, ln: ln, changed: make(chan struct{}),
		replyTo: map[string]string{}, sessions: map[*session]bool{}, done: make(chan struct{})}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's "127.0.0.1:port", to connect to instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Host is "127.0.0.1".
func (p *Proxy) Host() string { return p.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the proxy's port.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Target is the address the proxy relays to.
func (p *Proxy) Target() string { return p.target }

// Close stops listening, closes every connection it relays and waits for
// its goroutines. It is idempotent.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	sessions := make([]*session, 0, len(p.sessions))
	for s := range p.sessions {
		sessions = append(sessions, s)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, s := range sessions {
		s.teardown(false)
	}
	p.wg.Wait()
	return err
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Set sets the fault of a channel for the directions in dir, replacing
// what was set there; a zero Fault removes it.
func (p *Proxy) Set(ch Channel, dir Direction, f Fault) {
	p.update(ch, dir, func(*Fault) Fault { return f })
}

// Clear removes every fault, reply replacement and the client limit, and
// releases stalled connections.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	for c := range p.faults {
		for d := range p.faults[c] {
			p.faults[c][d] = slot{gen: p.gen}
		}
	}
	p.limit = 0
	p.replyN, p.replyTxt, p.replyGen = 0, "", p.gen
	p.replyTo = map[string]string{}
	p.notify()
}

// CutControl cuts control connections (with a reset) after n more bytes
// in dir; n < 0 removes the cut.
func (p *Proxy) CutControl(n int64, dir Direction) { p.cut(Control, n, dir) }

// CutData cuts data connections (with a reset) after n bytes in dir,
// counted per connection; n < 0 removes the cut.
func (p *Proxy) CutData(n int64, dir Direction) { p.cut(Data, n, dir) }

func (p *Proxy) cut(ch Channel, n int64, dir Direction) {
	p.update(ch, dir, func(f *Fault) Fault {
		g := *f
		g.Cut, g.Graceful, g.After = n >= 0, false, max(n, 0)
		return g
	})
}

// StallControl stops forwarding control bytes in dir at once, for d, or
// with d < 0 until changed or cleared; d == 0 removes the stall.
func (p *Proxy) StallControl(d time.Duration, dir Direction) { p.stall(Control, d, dir) }

// StallData stops forwarding data bytes in dir, from the start of each
// data connection, for d (d < 0: until changed or cleared; 0: no stall).
func (p *Proxy) StallData(d time.Duration, dir Direction) { p.stall(Data, d, dir) }

func (p *Proxy) stall(ch Channel, d time.Duration, dir Direction) {
	p.update(ch, dir, func(f *Fault) Fault {
		g := *f
		g.Stall = d
		if !g.Cut {
			g.After = 0
		}
		return g
	})
}

// SlowControl limits control connections to bps bytes per second in dir
// (0: unlimited).
func (p *Proxy) SlowControl(bps int64, dir Direction) { p.slow(Control, bps, dir) }

// SlowData limits each data connection to bps bytes per second in dir
// (0: unlimited).
func (p *Proxy) SlowData(bps int64, dir Direction) { p.slow(Data, bps, dir) }

func (p *Proxy) slow(ch Channel, bps int64, dir Direction) {
	p.update(ch, dir, func(f *Fault) Fault {
		g := *f
		g.Rate = max(bps, 0)
		return g
	})
}

// LimitClients refuses a new control connection while k are open,
// answering "421 Too many connections" without contacting the server (a
// StartTCP proxy just closes it), as servers with a per-client limit do.
// k <= 0: no limit.
func (p *Proxy) LimitClients(k int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limit = k
}

// ReplaceReply replaces the nth server reply on each control connection
// (counting from 1, the greeting being the first of a new connection; on a
// connection open already, counting from the next one) with text, a whole
// reply ("550 No.", or several lines joined with CRLF); CRLF is added at
// the end if missing. n <= 0 removes it. Replies sent after AUTH TLS are
// not seen.
func (p *Proxy) ReplaceReply(n int, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	p.replyN, p.replyTxt, p.replyGen = n, text, p.gen
}

// ReplaceReplyTo replaces the final reply (code 200 and above) to every
// command with this verb ("HASH", "RNTO", "RETR" for the reply after the
// transfer) with text; "" removes the replacement.
func (p *Proxy) ReplaceReplyTo(verb, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	verb = strings.ToUpper(verb)
	if text == "" {
		delete(p.replyTo, verb)
		return
	}
	p.replyTo[verb] = text
}

func dirIndexes(dir Direction) []int {
	var out []int
	if dir&ToServer != 0 {
		out = append(out, 0)
	}
	if dir&ToClient != 0 {
		out = append(out, 1)
	}
	return out
}

func (p *Proxy) update(ch Channel, dir Direction, fn func(*Fault) Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	for _, d := range dirIndexes(dir) {
		s := &p.faults[ch][d]
		s.f = fn(&s.f)
		s.gen = p.gen
	}
	p.notify()
}

// notify wakes every stalled pump; p.mu is held.
func (p *Proxy) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Proxy) fault(ch Channel, dir Direction) (Fault, uint64, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := 0
	if dir == ToClient {
		d = 1
	}
	s := p.faults[ch][d]
	return s.f, s.gen, p.changed
}

func (p *Proxy) count(fn func(*Stats)) {
	p.mu.Lock()
	fn(&p.stats)
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		if p.limit > 0 && p.stats.Open >= p.limit {
			p.stats.Refused++
			p.mu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				if p.ftp {
					c.SetWriteDeadline(time.Now().Add(5 * time.Second))
					io.WriteString(c, "421 Too many connections\r\n")
				}
				c.Close()
			}()
			continue
		}
		p.stats.Open++
		p.stats.Control++
		s := &session{p: p, client: c, authCh: make(chan bool, 1)}
		p.sessions[s] = true
		p.mu.Unlock()
		p.wg.Add(1)
		go s.run()
	}
}

var errCut = errors.New("faultproxy: connection cut")

// pair is two connections relayed to each other, torn down together.
type pair struct {
	a, b net.Conn // a: the client's side, b: the server's side
	once sync.Once
	done chan struct{}
}

func newPair(a, b net.Conn) *pair { return &pair{a: a, b: b, done: make(chan struct{})} }

// close closes both sides; with reset, with an RST rather than a FIN.
func (pr *pair) close(reset bool) {
	pr.once.Do(func() {
		for _, c := range []net.Conn{pr.a, pr.b} {
			if c == nil {
				continue
			}
			if tc, ok := c.(*net.TCPConn); ok && reset {
				tc.SetLinger(0)
			}
			c.Close()
		}
		close(pr.done)
	})
}

// pump forwards one direction of a pair, applying the faults.
type pump struct {
	p   *Proxy
	ch  Channel
	dir Direction
	pr  *pair
	dst net.Conn

	total     int64
	gen       uint64
	base      int64
	stalled   bool // the stall of this generation is over
	rateStart time.Time
	rateBytes int64
}

func newPump(p *Proxy, ch Channel, dir Direction, pr *pair, dst net.Conn) *pump {
	return &pump{p: p, ch: ch, dir: dir, pr: pr, dst: dst, gen: ^uint64(0)}
}

// write forwards b to dst, applying the current fault.
func (u *pump) write(b []byte) error {
	for len(b) > 0 {
		f, gen, changed := u.p.fault(u.ch, u.dir)
		if gen != u.gen {
			u.gen, u.base, u.stalled = gen, u.total, false
			u.rateStart, u.rateBytes = time.Now(), 0
		}
		n := len(b)
		if f.Cut || (f.Stall != 0 && !u.stalled) {
			left := f.After - (u.total - u.base)
			if left <= 0 {
				if f.Stall != 0 && !u.stalled {
					if !u.wait(f.Stall, changed) {
						return net.ErrClosed
					}
					if _, g, _ := u.p.fault(u.ch, u.dir); g == u.gen {
						u.stalled = true
					}
					continue
				}
				u.p.count(func(s *Stats) { s.Cut++ })
				u.pr.close(!f.Graceful)
				return errCut
			}
			if int64(n) > left {
				n = int(left)
			}
		}
		if f.Rate > 0 {
			due := u.rateStart.Add(time.Duration(float64(u.rateBytes) / float64(f.Rate) * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				if !u.wait(d, changed) {
					return net.ErrClosed
				}
				continue
			}
			if chunk := max(f.Rate/20, 1); int64(n) > chunk {
				n = int(chunk)
			}
		}
		w, err := u.dst.Write(b[:n])
		u.total += int64(w)
		u.rateBytes += int64(w)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// wait sleeps for d (d < 0: without end) or until the faults change; false
// if the connection or the proxy ended meanwhile.
func (u *pump) wait(d time.Duration, changed <-chan struct{}) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
	case <-changed:
	case <-u.pr.done:
		return false
	case <-u.p.done:
		return false
	}
	return true
}

// copyFrom relays src to the pump's destination until src ends; at its
// end the destination's write side is shut (FIN), on an error both sides
// are reset.
func (u *pump) copyFrom(src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if werr := u.write(buf[:n]); werr != nil {
				if werr != errCut {
					u.pr.close(true)
				}
				return
			}
		}
		if err == io.EOF {
			u.shutWrite()
			return
		}
		if err != nil {
			u.pr.close(true)
			return
		}
	}
}

func (u *pump) shutWrite() {
	if cw, ok := u.dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		return
	}
	u.pr.close(false)
}

// relay runs both pumps of a pair and closes it when both ended.
func (p *Proxy) relay(ch Channel, pr *pair) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		newPump(p, ch, ToServer, pr, pr.b).copyFrom(pr.a)
	}()
	go func() {
		defer wg.Done()
		newPump(p, ch, ToClient, pr, pr.a).copyFrom(pr.b)
	}()
	wg.Wait()
	pr.close(false)
}

// session is one control connection.
type session struct {
	p      *Proxy
	client net.Conn
	server net.Conn
	pr     *pair
	authCh chan bool // the reply to AUTH: true if TLS follows

	mu        sync.Mutex
	cmds      []string // verbs awaiting their final reply
	replies   int      // replies counted since replyGen
	replyGen  uint64
	listeners []net.Listener
	openDone  bool
}

func (s *session) run() {
	p := s.p
	defer p.wg.Done()
	defer func() {
		s.teardown(false)
		s.clientGone()
		p.mu.Lock()
		delete(p.sessions, s)
		p.mu.Unlock()
	}()
	d := net.Dialer{Timeout: 10 * time.Second}
	srv, err := d.Dial("tcp", p.target)
	if err != nil {
		if p.ftp {
			io.WriteString(s.client, "421 faultproxy: cannot reach the server\r\n")
		}
		s.client.Close()
		return
	}
	s.mu.Lock()
	s.server = srv
	s.pr = newPair(s.client, srv)
	s.mu.Unlock()
	if !p.ftp {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			newPump(p, Control, ToServer, s.pr, srv).copyFrom(s.client)
			s.clientGone()
		}()
		newPump(p, Control, ToClient, s.pr, s.client).copyFrom(srv)
		wg.Wait()
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.commands()
		s.clientGone()
	}()
	s.replyLoop()
	wg.Wait()
}

// clientGone counts the client as gone for LimitClients (once).
func (s *session) clientGone() {
	s.mu.Lock()
	already := s.openDone
	s.openDone = true
	s.mu.Unlock()
	if !already {
		s.p.count(func(st *Stats) { st.Open-- })
	}
}

// teardown closes the control connection and the session's listeners.
func (s *session) teardown(reset bool) {
	s.mu.Lock()
	pr, lns := s.pr, s.listeners
	s.listeners = nil
	s.mu.Unlock()
	if pr != nil {
		pr.close(reset)
	} else {
		s.client.Close()
	}
	for _, ln := range lns {
		ln.Close()
	}
}

// commands relays the client's command lines, rewriting PORT and EPRT,
// and switches to relaying bytes after a successful AUTH.
func (s *session) commands() {
	u := newPump(s.p, Control, ToServer, s.pr, s.server)
	r := bufio.NewReader(s.client)
	for {
		line, err := r.ReadString('\n')
		if len(line) > 0 {
			verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			verb = strings.ToUpper(verb)
			switch verb {
			case "PORT", "EPRT":
				if nl, ok := s.activeRewrite(verb, arg); ok {
					line = nl
				}
			}
			s.mu.Lock()
			s.cmds = append(s.cmds, verb)
			s.mu.Unlock()
			if werr := u.write([]byte(line)); werr != nil {
				if werr != errCut {
					s.pr.close(true)
				}
				return
			}
			if verb == "AUTH" && err == nil {
				var tls bool
				select {
				case tls = <-s.authCh:
				case <-s.pr.done:
					return
				}
				if tls {
					u.copyFrom(r)
					return
				}
			}
		}
		if err == io.EOF {
			u.shutWrite()
			return
		}
		if err != nil {
			s.pr.close(true)
			return
		}
	}
}

// replyLoop relays the server's replies, replacing and rewriting them.
func (s *session) replyLoop() {
	u := newPump(s.p, Control, ToClient, s.pr, s.client)
	r := bufio.NewReader(s.server)
	for {
		reply, code, err := readReply(r)
		if len(reply) > 0 {
			verb := s.answered(code)
			out := s.rewrite(reply, code, verb)
			if werr := u.write([]byte(out)); werr != nil {
				if werr != errCut {
					s.pr.close(true)
				}
				return
			}
			if verb == "AUTH" && code >= 200 {
				tls := code == 234
				s.authCh <- tls
				if tls {
					u.copyFrom(r)
					return
				}
			}
		}
		if err == io.EOF {
			u.shutWrite()
			return
		}
		if err != nil {
			s.pr.close(true)
			return
		}
	}
}

// answered returns the verb of the command a reply answers ("" for the
// greeting or an unsolicited reply) and retires it on a final reply.
func (s *session) answered(code int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cmds) == 0 {
		return ""
	}
	verb := s.cmds[0]
	if code >= 200 || code == 0 {
		s.cmds = s.cmds[1:]
	}
	return verb
}

// rewrite applies ReplaceReply, ReplaceReplyTo and the passive-mode
// rewriting to one reply.
func (s *session) rewrite(reply string, code int, verb string) string {
	p := s.p
	p.mu.Lock()
	n, text, gen := p.replyN, p.replyTxt, p.replyGen
	to, hasTo := p.replyTo[verb]
	p.mu.Unlock()
	s.mu.Lock()
	if s.replyGen != gen {
		s.replyGen, s.replies = gen, 0
	}
	s.replies++
	nth := s.replies
	s.mu.Unlock()
	replace := func(t string) string {
		p.count(func(st *Stats) { st.Replaced++ })
		if !strings.HasSuffix(t, "\r\n") {
			t = strings.TrimSuffix(t, "\n") + "\r\n"
		}
		return t
	}
	switch {
	case n > 0 && nth == n:
		return replace(text)
	case hasTo && verb != "" && code >= 200:
		return replace(to)
	case code == 227:
		if out, ok := s.passiveRewrite(reply, false); ok {
			return out
		}
	case code == 229:
		if out, ok := s.passiveRewrite(reply, true); ok {
			return out
		}
	}
	return reply
}

// readReply reads one whole reply (all its lines) and its code (0 if the
// first line does not start with one).
func readReply(r *bufio.Reader) (string, int, error) {
	first, err := r.ReadString('\n')
	if err != nil || len(first) < 4 {
		return first, replyCode(first), err
	}
	code := replyCode(first)
	if code == 0 || first[3] != '-' {
		return first, code, nil
	}
	var b strings.Builder
	b.WriteString(first)
	end := first[:3] + " "
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), code, err
		}
		if strings.HasPrefix(line, end) {
			return b.String(), code, nil
		}
	}
}

func replyCode(line string) int {
	if len(line) < 3 {
		return 0
	}
	n, err := strconv.Atoi(line[:3])
	if err != nil || n < 100 || n > 599 {
		return 0
	}
	return n
}

// passiveRewrite points a 227 or 229 reply at a new listener of the proxy
// that relays to the server's data port.
func (s *session) passiveRewrite(reply string, epsv bool) (string, bool) {
	open, close := strings.Index(reply, "("), strings.LastIndex(reply, ")")
	if open < 0 || close < open {
		return "", false
	}
	inner := reply[open+1 : close]
	var port int
	if epsv {
		if len(inner) < 5 {
			return "", false
		}
		parts := strings.Split(inner, inner[:1])
		if len(parts) != 5 {
			return "", false
		}
		n, err := strconv.Atoi(parts[3])
		if err != nil {
			return "", false
		}
		port = n
	} else {
		f := strings.Split(inner, ",")
		if len(f) != 6 {
			return "", false
		}
		hi, err1 := strconv.Atoi(strings.TrimSpace(f[4]))
		lo, err2 := strconv.Atoi(strings.TrimSpace(f[5]))
		if err1 != nil || err2 != nil {
			return "", false
		}
		port = hi<<8 | lo
	}
	host, _, _ := net.SplitHostPort(s.p.target)
	srvAddr := net.JoinHostPort(host, strconv.Itoa(port))
	localIP := s.client.LocalAddr().(*net.TCPAddr).IP
	ln, err := net.Listen("tcp", net.JoinHostPort(localIP.String(), "0"))
	if err != nil {
		return "", false
	}
	s.addListener(ln)
	lport := ln.Addr().(*net.TCPAddr).Port
	s.p.goData(s, ln, func(c net.Conn) (client, server net.Conn, err error) {
		srv, err := net.DialTimeout("tcp", srvAddr, 10*time.Second)
		return c, srv, err
	})
	var repl string
	if epsv {
		d := inner[:1]
		repl = d + d + d + strconv.Itoa(lport) + d
	} else {
		ip4 := localIP.To4()
		if ip4 == nil {
			ln.Close()
			return "", false
		}
		repl = fmt.Sprintf("%d,%d,%d,%d,%d,%d", ip4[0], ip4[1], ip4[2], ip4[3], lport>>8, lport&0xff)
	}
	return reply[:open+1] + repl + reply[close:], true
}

// activeRewrite points PORT or EPRT at a new listener of the proxy that
// the server connects to; the proxy then connects to the client.
func (s *session) activeRewrite(verb, arg string) (string, bool) {
	var clientAddr string
	arg = strings.TrimSpace(arg)
	if verb == "PORT" {
		f := strings.Split(arg, ",")
		if len(f) != 6 {
			return "", false
		}
		var n [6]int
		for i := range f {
			v, err := strconv.Atoi(strings.TrimSpace(f[i]))
			if err != nil || v < 0 || v > 255 {
				return "", false
			}
			n[i] = v
		}
		clientAddr = net.JoinHostPort(fmt.Sprintf("%d.%d.%d.%d", n[0], n[1], n[2], n[3]), strconv.Itoa(n[4]<<8|n[5]))
	} else {
		if len(arg) < 5 {
			return "", false
		}
		parts := strings.Split(arg, arg[:1])
		if len(parts) != 5 {
			return "", false
		}
		clientAddr = net.JoinHostPort(parts[2], parts[3])
	}
	localIP := s.server.LocalAddr().(*net.TCPAddr).IP
	ln, err := net.Listen("tcp", net.JoinHostPort(localIP.String(), "0"))
	if err != nil {
		return "", false
	}
	s.addListener(ln)
	lport := ln.Addr().(*net.TCPAddr).Port
	s.p.goData(s, ln, func(c net.Conn) (client, server net.Conn, err error) {
		cl, err := net.DialTimeout("tcp", clientAddr, 10*time.Second)
		return cl, c, err
	})
	if verb == "PORT" {
		ip4 := localIP.To4()
		if ip4 == nil {
			ln.Close()
			return "", false
		}
		return fmt.Sprintf("PORT %d,%d,%d,%d,%d,%d\r\n", ip4[0], ip4[1], ip4[2], ip4[3], lport>>8, lport&0xff), true
	}
	proto := "1"
	if localIP.To4() == nil {
		proto = "2"
	}
	return fmt.Sprintf("EPRT |%s|%s|%d|\r\n", proto, localIP.String(), lport), true
}

func (s *session) addListener(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, ln)
}

func (s *session) dropListener(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, l := range s.listeners {
		if l == ln {
			s.listeners = append(s.listeners[:i], s.listeners[i+1:]...)
			break
		}
	}
}

// goData starts acceptData; it runs inside a session's goroutine, which
// holds a count of p.wg.
func (p *Proxy) goData(s *session, ln net.Listener, connect func(net.Conn) (client, server net.Conn, err error)) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.acceptData(s, ln, connect)
	}()
}

// acceptData takes one connection on a data listener (waiting at most a
// minute), connects the other side with connect and relays the pair.
func (p *Proxy) acceptData(s *session, ln net.Listener, connect func(net.Conn) (client, server net.Conn, err error)) {
	if tl, ok := ln.(*net.TCPListener); ok {
		tl.SetDeadline(time.Now().Add(time.Minute))
	}
	c, err := ln.Accept()
	ln.Close()
	s.dropListener(ln)
	if err != nil {
		return
	}
	client, server, err := connect(c)
	if err != nil {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
		return
	}
	p.count(func(st *Stats) { st.Data++ })
	pr := newPair(client, server)
	stop := make(chan struct{})
	go func() {
		select {
		case <-p.done:
			pr.close(true)
		case <-stop:
		}
	}()
	p.relay(Data, pr)
	close(stop)
}
