// Package ftpconn is ftplua's one FTP connection, built on
// github.com/jlaffaye/ftp v0.2.4. It is the only package that imports
// jlaffaye/ftp.
//
// What it takes from jlaffaye: dialling, the greeting, the AUTH TLS upgrade
// of the control connection and the reply reader (net/textproto underneath).
// What jlaffaye lacks, and how it is supplied here:
//
//   - Arbitrary commands (SITE CHMOD, MDTM, MLST, ...): the unexported
//     (*ftp.ServerConn).cmd is linked by name (linkname.go). Lines holding CR
//     or LF are refused before anything is sent.
//   - Raw listing lines, active mode and control over each transfer: data
//     connections are opened here (EPSV falling back to PASV, or EPRT falling
//     back to PORT), not by jlaffaye, and handed to the caller as a plain
//     stream; the final reply is read through the unexported
//     (*ftp.ServerConn).checkDataShut. jlaffaye's List drops lines it cannot
//     parse, offers no active mode and demands exactly 226.
//   - TLS session reuse on data connections: every data connection is a
//     tls.Client over the control connection's own *tls.Config, which holds a
//     session cache of its own (never shared between connections, see
//     jlaffaye/ftp#342), so it resumes the control session as vsftpd
//     (require_ssl_reuse) and proftpd demand. The handshake is left to the
//     first read or write (servers start TLS on the data socket only after
//     the transfer command), and forced on close of an empty upload.
//   - Timeouts and cancellation: jlaffaye sets no deadlines. The dial
//     function keeps the raw TCP socket of the control connection (below
//     TLS); each exchange sets a deadline on it, and a cancelled context
//     moves the deadline into the past. A connection that failed in
//     transport is marked broken and refuses further use.
//
// The choice of go:linkname over a fork or over a second reply reader on the
// same stream: it is two declarations, it fails at link time if jlaffaye
// changes, and jlaffaye's own reader stays the only reader of the control
// stream. TestLinkedInternals checks both links against every server.
//
// A Conn is not safe for concurrent use; one data transfer at a time.
package ftpconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/jlaffaye/ftp"
)

// TLSMode says whether and how a connection uses TLS.
type TLSMode int

const (
	TLSNone     TLSMode = iota
	TLSExplicit         // AUTH TLS on the plain control connection (RFC 4217)
	TLSImplicit         // TLS from the first byte (port 990 style)
)

// Config describes one connection.
type Config struct {
	Addr      string      // host:port
	TLS       TLSMode     // TLSNone, TLSExplicit or TLSImplicit
	TLSConfig *tls.Config // roots, verification, ServerName; cloned, never shared
	User      string
	Password  string
	Account   string // sent with ACCT when the server asks (332)
	Active    bool   // active mode (EPRT/PORT) instead of passive (EPSV/PASV)
	// LocalAddr is the local IP address to connect from, for the control
	// connection and passive data connections (curl's --interface, lftp's
	// net:socket-bind-ipv4); "" lets the system choose. Active mode
	// listens on the control connection's local address anyway.
	LocalAddr string
	// Timeout bounds the connect, each reply, each data read or write, and
	// the final reply of a transfer. Zero means no limit.
	Timeout time.Duration
	// Debug, if set, receives the control dialogue line by line ("> USER u",
	// "< 331 ..."), with the password shown as ****.
	Debug func(line string)
	// UTF8 sends OPTS UTF8 ON where FEAT lists UTF8.
	UTF8 bool
}

// ErrBroken is returned by a Conn whose control connection failed in
// transport (timeout, reset, cancellation): its stream position is unknown.
var ErrBroken = errors.New("ftpconn: connection is broken by an earlier error")

// ErrInvalidCommand is returned for a command line holding CR or LF.
var ErrInvalidCommand = errors.New("ftpconn: command contains CR or LF")

// Conn is one logged-in FTP control connection.
type Conn struct {
	sc       *ftp.ServerConn
	cfg      Config
	tlsCfg   *tls.Config // nil without TLS; this connection's own session cache
	ctrl     net.Conn    // raw TCP socket of the control connection: deadlines only
	dialMu   sync.Mutex
	features map[string]string
	skipEPSV bool
	skipEPRT bool
	broken   bool
	closed   bool
	busy     bool // a data transfer is open
	// sizeIn150 says whether the server's 150 replies to RETR announce
	// the size ("(1024 bytes)"): 0 not known yet, 1 yes, -1 no.
	sizeIn150 int8
}

// Dial connects, upgrades to TLS as configured, and logs in.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	c := &Conn{cfg: cfg, features: map[string]string{}}
	if cfg.TLS != TLSNone {
		c.tlsCfg = newTLSConfig(cfg)
	}
	opts := []ftp.DialOption{
		ftp.DialWithDialFunc(func(network, addr string) (net.Conn, error) {
			return c.dial(ctx, network, addr)
		}),
		ftp.DialWithDisabledMLSD(true),
		ftp.DialWithDisabledUTF8(true),
	}
	if cfg.Debug != nil {
		opts = append(opts, ftp.DialWithDebugOutput(newDebugWriter(cfg.Debug)))
	}
	if cfg.TLS == TLSExplicit {
		opts = append(opts, ftp.DialWithExplicitTLS(c.tlsCfg))
	}
	stop := context.AfterFunc(ctx, func() { c.interrupt() })
	sc, err := ftp.Dial(cfg.Addr, opts...)
	stop()
	if err != nil {
		if c.ctrl != nil {
			c.ctrl.Close()
		}
		return nil, c.ctxErr(ctx, err)
	}
	c.sc = sc
	c.ctrl.SetDeadline(time.Time{})
	if err := c.login(ctx); err != nil {
		c.closeNow()
		return nil, err
	}
	return c, nil
}

func newTLSConfig(cfg Config) *tls.Config {
	var t *tls.Config
	if cfg.TLSConfig != nil {
		t = cfg.TLSConfig.Clone()
	} else {
		t = &tls.Config{}
	}
	if t.ServerName == "" {
		host, _, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			host = cfg.Addr
		}
		t.ServerName = host
	}
	if t.MinVersion == 0 {
		t.MinVersion = tls.VersionTLS12
	}
	// One cache per connection: data connections resume this control
	// connection's session and no other (Clone copies the pointer).
	t.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	return t
}

// dial is jlaffaye's dial function. It is called once, for the control
// connection; data connections are opened by Transfer.
func (c *Conn) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d, err := c.dialer()
	if err != nil {
		return nil, err
	}
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c.dialMu.Lock()
	c.ctrl = nc
	c.dialMu.Unlock()
	if c.cfg.Timeout > 0 {
		// covers the greeting and AUTH TLS inside ftp.Dial
		nc.SetDeadline(time.Now().Add(c.cfg.Timeout))
	}
	if c.cfg.TLS == TLSImplicit {
		tc := tls.Client(nc, c.tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		return tc, nil
	}
	return nc, nil
}

// dialer dials from Config.LocalAddr, with Config.Timeout.
func (c *Conn) dialer() (*net.Dialer, error) {
	d := &net.Dialer{Timeout: c.cfg.Timeout}
	if c.cfg.LocalAddr != "" {
		ip := net.ParseIP(c.cfg.LocalAddr)
		if ip == nil {
			return nil, fmt.Errorf("ftpconn: LocalAddr %q is not an IP address", c.cfg.LocalAddr)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return d, nil
}

// interrupt unblocks whatever waits on the control connection.
func (c *Conn) interrupt() {
	c.dialMu.Lock()
	defer c.dialMu.Unlock()
	if c.ctrl != nil {
		c.ctrl.SetDeadline(time.Unix(1, 0))
	}
}

func (c *Conn) login(ctx context.Context) error {
	code, msg, err := c.Cmd(ctx, "USER "+c.cfg.User)
	if err != nil {
		return err
	}
	if code == 331 {
		code, msg, err = c.Cmd(ctx, "PASS "+c.cfg.Password)
		if err != nil {
			return err
		}
	}
	if code == 332 {
		code, msg, err = c.Cmd(ctx, "ACCT "+c.cfg.Account)
		if err != nil {
			return err
		}
	}
	if code != 230 && code != 202 {
		return &textproto.Error{Code: code, Msg: msg}
	}
	if code, msg, err = c.Cmd(ctx, "FEAT"); err != nil {
		return err
	} else if code == 211 {
		c.features = parseFeatures(msg)
	}
	if err := c.expect(ctx, "TYPE I", 200); err != nil {
		return err
	}
	if _, ok := c.features["UTF8"]; ok && c.cfg.UTF8 {
		// Some servers list UTF8 and refuse the option (pure-ftpd 504,
		// pyftpdlib 501); they speak UTF-8 all the same.
		if _, _, err := c.Cmd(ctx, "OPTS UTF8 ON"); err != nil {
			return err
		}
	}
	if c.tlsCfg != nil {
		if err := c.expect(ctx, "PBSZ 0", 200); err != nil {
			return err
		}
		if err := c.expect(ctx, "PROT P", 200); err != nil {
			return err
		}
	}
	return nil
}

func parseFeatures(msg string) map[string]string {
	f := map[string]string{}
	for _, line := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(line, " ") {
			continue
		}
		name, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		f[strings.ToUpper(name)] = arg
	}
	return f
}

// Features returns the server's FEAT reply as a map from feature name
// (upper case) to its argument ("MLST" -> "type*;size*;modify*;").
func (c *Conn) Features() map[string]string { return c.features }

// Cmd sends one command line and returns the reply, whatever its code. err
// is non-nil only when no reply was read: transport failure, timeout,
// cancellation, a line holding CR or LF, or a broken or closed connection.
func (c *Conn) Cmd(ctx context.Context, line string) (code int, msg string, err error) {
	if strings.ContainsAny(line, "\r\n") {
		return 0, "", ErrInvalidCommand
	}
	if err := c.usable(); err != nil {
		return 0, "", err
	}
	end := c.begin(ctx)
	code, msg, err = rawCmd(c.sc, -1, "%s", line)
	return code, msg, end(ctx, err)
}

// expect sends a command and turns a reply other than want into a
// *textproto.Error.
func (c *Conn) expect(ctx context.Context, line string, want int) error {
	code, msg, err := c.Cmd(ctx, line)
	if err != nil {
		return err
	}
	if code != want {
		return &textproto.Error{Code: code, Msg: msg}
	}
	return nil
}

func (c *Conn) usable() error {
	switch {
	case c.closed:
		return net.ErrClosed
	case c.broken:
		return ErrBroken
	case c.busy:
		return errors.New("ftpconn: a data transfer is still open on this connection")
	}
	return nil
}

// begin arms the control connection's deadline for one exchange; the
// returned function disarms it and classifies the outcome.
func (c *Conn) begin(ctx context.Context) func(context.Context, error) error {
	var deadline time.Time
	if c.cfg.Timeout > 0 {
		deadline = time.Now().Add(c.cfg.Timeout)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	c.ctrl.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, c.interrupt)
	return func(ctx context.Context, err error) error {
		stop()
		c.ctrl.SetDeadline(time.Time{})
		if err == nil {
			return nil
		}
		var tpErr *textproto.Error
		if errors.As(err, &tpErr) {
			return err // a reply: the stream is in step
		}
		c.broken = true
		return c.ctxErr(ctx, err)
	}
}

// ctxErr reports a cancellation as such rather than as the i/o timeout it
// caused.
func (c *Conn) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// Broken reports whether the connection failed in transport and must be
// discarded.
func (c *Conn) Broken() bool { return c.broken || c.closed }

// Close sends QUIT (without waiting for its reply) and closes the
// connection. It is idempotent.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	if c.broken || c.busy {
		c.closeNow()
		return nil
	}
	c.ctrl.SetDeadline(time.Now().Add(2 * time.Second))
	err := c.sc.Quit()
	c.closed = true
	if err != nil && errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (c *Conn) closeNow() {
	c.closed = true
	if c.ctrl != nil {
		c.ctrl.Close()
	}
}
