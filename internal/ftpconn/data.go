package ftpconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jlaffaye/ftp"
)

// abortWait bounds the ABOR exchange after a download was closed before
// its end (see Conn.abort), and the wait for the server to close its side
// of an upload. Past it the connection is given up.
const abortWait = 2 * time.Second

// maxAbortReplies bounds the replies read while looking for the NOOP that
// ends an ABOR exchange.
const maxAbortReplies = 8

// Transfer opens a data connection, sends REST offset when offset > 0, then
// the command (LIST, MLSD, NLST, RETR, STOR, APPE), and returns the data
// stream once the server has answered 125 or 150. A refusal comes back as
// *textproto.Error. Closing the stream reads the transfer's final reply: a
// reply other than 2xx is returned as *textproto.Error. Closing a download
// before its end aborts it with ABOR (see Conn.abort); whatever the server
// then says of the transfer is not an error. The Conn accepts no command
// until the stream is closed.
//
// A download whose data connection ends short of the file's size fails
// (ErrShortData) instead of ending as if complete. The end of the data
// connection is all that marks the end of a file, and a connection closed
// in order in the middle (by a middlebox, or a proxy) looks the same,
// while the server, which had sent everything, reports success. The size
// is the one the server's 150 reply announces ("... (1024 bytes)", as
// vsftpd and proftpd say), else the answer to SIZE, asked before RETR
// where FEAT lists it. A connection learns from its first download
// whether the server announces sizes, and from then on asks SIZE only if
// it does not (or for a download from an offset), so that a tree of small
// files costs no extra round trip per file where the size comes free.
func (c *Conn) Transfer(ctx context.Context, cmd string, offset int64) (io.ReadWriteCloser, error) {
	if strings.ContainsAny(cmd, "\r\n") {
		return nil, ErrInvalidCommand
	}
	if err := c.usable(); err != nil {
		return nil, err
	}
	verb, arg, _ := strings.Cut(cmd, " ")
	verb = strings.ToUpper(verb)
	want := int64(-1)
	retr := verb == "RETR" && arg != ""
	if _, ok := c.features["SIZE"]; ok && retr && (offset > 0 || c.sizeIn150 <= 0) {
		code, msg, err := c.Cmd(ctx, "SIZE "+arg)
		if err != nil {
			return nil, err
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(msg), 10, 64); code == 213 && err == nil && n >= offset {
			want = n - offset
		}
	}
	dc, prelim, err := c.openData(ctx, cmd, offset)
	if err != nil {
		return nil, err
	}
	if retr && offset == 0 {
		if n, ok := announcedSize(prelim); ok {
			c.sizeIn150 = 1
			if want < 0 {
				want = n
			}
		} else {
			c.sizeIn150 = -1
		}
	}
	d := &dataConn{c: c, conn: dc, ctx: ctx, want: want,
		upload: verb == "STOR" || verb == "APPE" || verb == "STOU"}
	d.stop = context.AfterFunc(ctx, func() { dc.SetDeadline(time.Unix(1, 0)) })
	c.busy = true
	return d, nil
}

// announcedSize reads the size a 150 reply announces: "Opening BINARY
// mode data connection for f (1024 bytes)." (vsftpd, proftpd).
func announcedSize(msg string) (int64, bool) {
	end := strings.LastIndex(msg, " bytes)")
	if end < 0 {
		return 0, false
	}
	start := strings.LastIndexByte(msg[:end], '(')
	if start < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(msg[start+1:end], 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// openData opens the data connection of cmd, sending REST offset first if
// offset > 0, and returns it with the text of the server's preliminary
// (1xx) reply.
func (c *Conn) openData(ctx context.Context, cmd string, offset int64) (net.Conn, string, error) {
	var (
		dc  net.Conn
		ln  net.Listener
		err error
	)
	if c.cfg.Active {
		ln, err = c.listenActive(ctx)
	} else {
		dc, err = c.dialPassive(ctx)
	}
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (net.Conn, string, error) {
		if dc != nil {
			dc.Close()
		}
		if ln != nil {
			ln.Close()
		}
		return nil, "", err
	}
	if offset > 0 {
		if err := c.expect(ctx, "REST "+strconv.FormatInt(offset, 10), 350); err != nil {
			return fail(err)
		}
	}
	code, msg, err := c.Cmd(ctx, cmd)
	if err != nil {
		return fail(err)
	}
	if code != 125 && code != 150 {
		return fail(&textproto.Error{Code: code, Msg: msg})
	}
	if ln != nil {
		if dc, err = c.accept(ctx, ln); err != nil {
			c.broken = true // a final reply may or may not follow
			return fail(err)
		}
	}
	if c.tlsCfg != nil {
		// No handshake here: the server starts TLS only now that it has
		// the command; the first read or write does it.
		dc = &tlsData{Conn: tls.Client(dc, c.tlsCfg), raw: dc}
	}
	return dc, msg, nil
}

// tlsData is a TLS data connection that keeps its TCP socket, to shut an
// upload down in order (see dataConn.Close).
type tlsData struct {
	*tls.Conn
	raw net.Conn
}

func (c *Conn) dialPassive(ctx context.Context) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(c.ctrl.RemoteAddr().String())
	var port int
	if !c.skipEPSV {
		code, msg, err := c.Cmd(ctx, "EPSV")
		if err != nil {
			return nil, err
		}
		if code == 229 {
			if port, err = parseEPSV(msg); err != nil {
				return nil, err
			}
		} else if code/100 == 5 {
			// the server has no EPSV: PASV from now on. A 4xx (proftpd's
			// "425 ... Address already in use" when its passive range is
			// busy) is passing: PASV for this transfer only.
			c.skipEPSV = true
		}
	}
	if port == 0 {
		code, msg, err := c.Cmd(ctx, "PASV")
		if err != nil {
			return nil, err
		}
		if code != 227 {
			return nil, &textproto.Error{Code: code, Msg: msg}
		}
		// The address in the reply is ignored: data goes to the control
		// connection's peer (no FXP, no NAT confusion, no SSRF).
		if port, err = parsePASV(msg); err != nil {
			return nil, err
		}
	}
	d, err := c.dialer()
	if err != nil {
		return nil, err
	}
	// A data connection lives for one transfer: no TCP keep-alive (four
	// setsockopt calls a file saved).
	d.KeepAlive = -1
	return d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
}

// parseEPSV reads "229 Entering Extended Passive Mode (|||port|)".
func parseEPSV(msg string) (int, error) {
	start := strings.Index(msg, "(")
	end := strings.LastIndex(msg, ")")
	if start < 0 || end < start+5 {
		return 0, fmt.Errorf("ftpconn: bad EPSV reply %q", msg)
	}
	inner := msg[start+1 : end]
	d := inner[:1]
	parts := strings.Split(inner, d)
	if len(parts) != 5 {
		return 0, fmt.Errorf("ftpconn: bad EPSV reply %q", msg)
	}
	port, err := strconv.Atoi(parts[3])
	if err != nil || port <= 0 || port > 65535 {
		return 0, fmt.Errorf("ftpconn: bad EPSV reply %q", msg)
	}
	return port, nil
}

// parsePASV reads "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)".
func parsePASV(msg string) (int, error) {
	start := strings.Index(msg, "(")
	end := strings.LastIndex(msg, ")")
	var fields []string
	if start >= 0 && end > start {
		fields = strings.Split(msg[start+1:end], ",")
	} else {
		// RFC 959 does not require the parentheses
		i := strings.IndexAny(msg, "0123456789")
		if i >= 0 {
			fields = strings.Split(strings.TrimRight(msg[i:], ". "), ",")
		}
	}
	if len(fields) != 6 {
		return 0, fmt.Errorf("ftpconn: bad PASV reply %q", msg)
	}
	hi, err1 := strconv.Atoi(strings.TrimSpace(fields[4]))
	lo, err2 := strconv.Atoi(strings.TrimSpace(fields[5]))
	if err1 != nil || err2 != nil || hi < 0 || hi > 255 || lo < 0 || lo > 255 || hi*256+lo == 0 {
		return 0, fmt.Errorf("ftpconn: bad PASV reply %q", msg)
	}
	return hi*256 + lo, nil
}

// listenActive listens on the control connection's local address and
// tells the server with EPRT, falling back to PORT for IPv4.
func (c *Conn) listenActive(ctx context.Context) (net.Listener, error) {
	local := c.ctrl.LocalAddr().(*net.TCPAddr)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(local.IP.String(), "0"))
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ip4 := local.IP.To4()
	if !c.skipEPRT || ip4 == nil {
		proto := "2"
		if ip4 != nil {
			proto = "1"
		}
		code, msg, err := c.Cmd(ctx, fmt.Sprintf("EPRT |%s|%s|%d|", proto, local.IP.String(), port))
		if err != nil {
			ln.Close()
			return nil, err
		}
		if code == 200 {
			return ln, nil
		}
		if ip4 == nil {
			ln.Close()
			return nil, &textproto.Error{Code: code, Msg: msg}
		}
		c.skipEPRT = true
	}
	line := fmt.Sprintf("PORT %d,%d,%d,%d,%d,%d", ip4[0], ip4[1], ip4[2], ip4[3], port>>8, port&0xff)
	if err := c.expect(ctx, line, 200); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func (c *Conn) accept(ctx context.Context, ln net.Listener) (net.Conn, error) {
	defer ln.Close()
	if tl, ok := ln.(*net.TCPListener); ok && c.cfg.Timeout > 0 {
		tl.SetDeadline(time.Now().Add(c.cfg.Timeout))
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	dc, err := ln.Accept()
	if err != nil {
		return nil, c.ctxErr(ctx, fmt.Errorf("ftpconn: server did not connect for the active-mode transfer: %w", err))
	}
	return dc, nil
}

// ErrShortData is the error of a download whose data connection ended
// before the size the server announced (in its 150 reply, or with SIZE).
var ErrShortData = errors.New("ftpconn: the data connection ended before the end of the file")

// dataConn is an open transfer.
type dataConn struct {
	c       *Conn
	conn    net.Conn
	ctx     context.Context
	stop    func() bool
	upload  bool
	want    int64 // a download: the bytes announced (150 reply or SIZE); -1 unknown
	got     int64 // a download: the bytes received
	written int64
	touched bool // a Read or Write was attempted
	eof     bool
	failed  error
	closed  bool
}

func (d *dataConn) arm() {
	if d.ctx.Err() != nil {
		// cancelled: keep the deadline in the past that the context's
		// AfterFunc set, or this would undo it
		d.conn.SetDeadline(time.Unix(1, 0))
		return
	}
	if t := d.c.cfg.Timeout; t > 0 {
		// an idle limit: each read or write must progress within it
		d.conn.SetDeadline(time.Now().Add(t))
		if d.ctx.Err() != nil {
			// cancelled in between: the AfterFunc's deadline may have
			// come before this one
			d.conn.SetDeadline(time.Unix(1, 0))
		}
	}
}

func (d *dataConn) Read(p []byte) (int, error) {
	if d.closed {
		return 0, net.ErrClosed
	}
	d.arm()
	d.touched = true
	n, err := d.conn.Read(p)
	d.got += int64(n)
	if err == io.EOF {
		d.eof = true
		err = d.short(err)
	} else if err != nil {
		err = d.c.ctxErr(d.ctx, err)
		d.failed = err
	}
	return n, err
}

func (d *dataConn) Write(p []byte) (int, error) {
	if d.closed {
		return 0, net.ErrClosed
	}
	d.arm()
	d.touched = true
	n, err := d.conn.Write(p)
	d.written += int64(n)
	if err != nil {
		err = d.c.ctxErr(d.ctx, err)
		d.failed = err
	}
	return n, err
}

// zeroCopyChunk is the most a zero-copy call moves before the idle
// deadline is set again (see CopyTo).
const zeroCopyChunk = 4 << 20

// CopyTo moves the rest of a download into w without passing it through
// user space, when it can: w is an *os.File and the data connection plain
// TCP (no TLS); Linux then splices from the socket to the file (through a
// pipe), which saves the copy in and out of a buffer. handled is false,
// and nothing was read, when it cannot; the caller then reads as usual.
// At the end of the data the transfer is complete (as after io.EOF from
// Read); an error is the data connection's or w's.
//
// The idle limit (Config.Timeout) is kept: the deadline is set again
// every zeroCopyChunk bytes, and a deadline that passes while data still
// moved is not a timeout.
func (d *dataConn) CopyTo(w io.Writer) (n int64, handled bool, err error) {
	f, ok := w.(*os.File)
	tc, ok2 := d.conn.(*net.TCPConn)
	if !ok || !ok2 || d.upload || d.closed || d.eof || d.failed != nil {
		return 0, false, nil
	}
	d.touched = true
	for {
		d.arm()
		m, err := f.ReadFrom(&io.LimitedReader{R: tc, N: zeroCopyChunk})
		n += m
		d.got += m
		switch {
		case err != nil && m > 0 && d.ctx.Err() == nil && isTimeout(err):
			continue // the deadline passed while data moved: not idle
		case err != nil:
			err = d.c.ctxErr(d.ctx, err)
			d.failed = err
			return n, true, err
		case m < zeroCopyChunk:
			d.eof = true
			return n, true, d.short(nil)
		}
	}
}

// short is the error at the end of a download's data: ErrShortData when
// fewer bytes came than were announced (the transfer is over all the
// same: Close reads its final reply), else err.
func (d *dataConn) short(err error) error {
	if d.want >= 0 && d.got < d.want {
		d.failed = fmt.Errorf("%w: %d of %d bytes", ErrShortData, d.got, d.want)
		return d.failed
	}
	return err
}

// SendfileUploads turns on CopyFrom's sendfile path. It is off: uploads
// sent with sendfile(2) were slower than plain writes of the File's
// 256 KiB buffer on every loopback server measured (1 GiB to proftpd:
// 1.30 s against 0.98 s, median of 4; to vsftpd 1.33 s against 1.30 s),
// though they took a third of the CPU; the receiving server is the limit,
// and it drains 256 KiB writes faster. Downloads keep splice (CopyTo),
// which halves the time.
var SendfileUploads = false

// CopyFrom moves r into an upload without passing it through user space,
// when it can (and SendfileUploads is on): r is a file (an *os.File, or
// what io.Copy makes of one) and the data connection plain TCP; Linux
// then uses sendfile. handled is false, and nothing was read, when it
// cannot. It copies until r's end; an error is r's or the data
// connection's. The idle limit is kept as in CopyTo.
func (d *dataConn) CopyFrom(r io.Reader) (n int64, handled bool, err error) {
	_, ok := r.(syscall.Conn)
	tc, ok2 := d.conn.(*net.TCPConn)
	if !SendfileUploads || !ok || !ok2 || !d.upload || d.closed || d.failed != nil {
		return 0, false, nil
	}
	d.touched = true
	for {
		d.arm()
		m, err := tc.ReadFrom(&io.LimitedReader{R: r, N: zeroCopyChunk})
		n += m
		d.written += m
		switch {
		case err != nil && m > 0 && d.ctx.Err() == nil && isTimeout(err):
			continue
		case err != nil:
			err = d.c.ctxErr(d.ctx, err)
			d.failed = err
			return n, true, err
		case m < zeroCopyChunk:
			return n, true, nil
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Close ends the transfer and reads its final reply.
func (d *dataConn) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.stop()
	c := d.c
	defer func() { c.busy = false }()
	var errs []error
	if t, ok := d.conn.(*tlsData); ok && !d.touched && !t.ConnectionState().HandshakeComplete {
		// Nothing was read or written, so TLS never shook hands (an
		// empty upload, a download closed at once). The server waits for
		// the handshake; a socket closed without it makes vsftpd end the
		// session with a plain-text "500 OOPS" and pure-ftpd drop it
		// (jlaffaye/ftp#282 has the upload case).
		// A download closed right after the handshake still upsets
		// proftpd (it ends the session) and pure-ftpd (no final reply):
		// read a first record, as a download closed later has.
		d.arm()
		if err := t.Handshake(); err != nil {
			errs = append(errs, err)
		} else if !d.upload {
			var one [1]byte
			if _, err := t.Read(one[:]); err == io.EOF {
				d.eof = true
			}
		}
	}
	aborted := !d.upload && !d.eof
	if d.upload && d.failed == nil {
		if err := d.shutdown(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := d.conn.Close(); err != nil && !aborted && !errors.Is(err, net.ErrClosed) {
		errs = append(errs, err)
	}
	if d.failed != nil && !isReply(d.failed) && d.ctx.Err() != nil {
		// cancelled: the final reply may never come; do not wait for it
		c.broken = true
		return errors.Join(append(errs, d.failed)...)
	}
	if aborted {
		if err := c.abort(d.ctx); err != nil {
			// no answer in time: the connection is unusable (broken), but
			// the caller's close is not an error
			c.broken = true
		}
	} else {
		end := c.begin(d.ctx)
		err := end(d.ctx, readFinal(c.sc))
		var tpErr *textproto.Error
		if err != nil && !(errors.As(err, &tpErr) && tpErr.Code/100 == 2) {
			// 250 and other positive completions are fine
			errs = append(errs, err)
		}
	}
	if d.failed != nil {
		errs = append(errs, d.failed)
	}
	return errors.Join(errs...)
}

// abort brings the control stream back in step after a download the
// client closed before its end, the data connection being closed already.
// Servers differ in what they say then, and in what order; the replies
// seen on the nine test servers, closed early or after the server had sent
// everything, were:
//
//   - the transfer's own end, then ABOR's: 426 then 225 or 226 (vsftpd,
//     proftpd, pyftpdlib, pure-ftpd, ftpserverlib, which may say 550 for
//     426), or 226 then 225/226 when the transfer had completed;
//   - ABOR's, then the transfer's: 226 then 426 (proftpd over TLS);
//   - pure-ftpd ends an aborted download with "150 0.007 seconds
//     (measured here), ..." and, over TLS without ABOR, often with
//     nothing at all: that is what left the connection unusable before
//     ABOR was sent.
//
// So the number of replies is not known in advance. ABOR is sent, its
// first reply read, then NOOP; replies are read until NOOP's 200, which
// comes after everything the server had to say of the transfer and of
// ABOR (servers answer commands in order). ABOR is sent as a plain command
// (no Telnet IP/Synch: that cannot pass through TLS, and every server here
// reads ABOR as a command once the data connection is closed). The whole
// exchange is bounded by abortWait; an error means the stream is not known
// to be in step.
func (c *Conn) abort(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, abortWait)
	defer cancel()
	end := c.begin(ctx)
	return end(ctx, c.abortExchange())
}

func (c *Conn) abortExchange() error {
	if _, _, err := rawCmd(c.sc, -1, "ABOR"); err != nil {
		return err
	}
	code, _, err := rawCmd(c.sc, -1, "NOOP")
	for n := 1; err == nil && code != 200; n++ {
		if n == maxAbortReplies {
			return fmt.Errorf("ftpconn: no reply to NOOP among %d replies after ABOR", n)
		}
		code, err = readReply(c.sc)
	}
	return err
}

// readReply reads one reply and returns its code.
func readReply(sc *ftp.ServerConn) (int, error) {
	err := readFinal(sc)
	var tpErr *textproto.Error
	switch {
	case err == nil:
		return 226, nil // readFinal's one expected code
	case errors.As(err, &tpErr):
		return tpErr.Code, nil
	}
	return 0, err
}

// shutdown ends an upload in order: close_notify (TLS), then FIN, then
// read until the server closes its side. Closing a socket that holds
// unread data (TLS 1.3 servers send session tickets on the data
// connection, which an upload never reads) sends a reset instead of FIN,
// and the server then loses the data still in flight: vsftpd answers
// "426 Failure reading network stream", pyftpdlib keeps a truncated file.
func (d *dataConn) shutdown() error {
	raw := d.conn
	if t, ok := d.conn.(*tlsData); ok {
		if err := t.CloseWrite(); err != nil {
			return err
		}
		raw = t.raw
	}
	if cw, ok := raw.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return err
		}
	}
	wait := abortWait
	if t := d.c.cfg.Timeout; t > 0 && t < wait {
		wait = t
	}
	d.conn.SetReadDeadline(time.Now().Add(wait))
	var buf [512]byte
	for {
		if _, err := d.conn.Read(buf[:]); err != nil {
			return nil // EOF, or the server keeps it open: either way, done
		}
	}
}

func isReply(err error) bool {
	var tpErr *textproto.Error
	return errors.As(err, &tpErr)
}
