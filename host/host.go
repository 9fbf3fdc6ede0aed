// Package host is ftputil's FTPHost in Go: a remote FTP server used like a
// local file system, with os-style methods on remote paths.
//
//	h, err := host.Dial(ctx, host.Options{Host: "ftp.example.com", User: "u", Password: "p"})
//	if err != nil { ... }
//	defer h.Close()
//	names, err := h.Listdir(ctx, "/pub")
//
// Every failure is an *Error carrying one class of ftputil's hierarchy,
// the reply code and the server's text, so that
// errors.Is(err, host.PermanentError) and errors.As(err, &hostErr) work:
//
//	PermanentError: 550 Failed to change directory. (path: /nope)
//
// Paths holding CR or LF are refused before anything is sent. A Host is
// safe for concurrent use; its methods run one at a time.
package host

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ftplua/ftplua/cache"
	"github.com/ftplua/ftplua/parse"
)

// Host is one connected FTP server.
type Host struct {
	mu   sync.Mutex
	opts Options
	// sess is the main connection; nil while it is lent to a file (see
	// lendMain) until the host needs one again (see mainSess).
	sess     Session
	mainUsed time.Time         // when sess last carried a command
	noLend   bool              // Session was called: sess stays the host's
	feats    map[string]string // FEAT of the first connection
	codec    codec
	cwd      string // logical current directory, as ftputil keeps it
	srvCwd   string // the server's working directory as we last set it; "" unknown
	closed   bool
	listA    int // LIST -a: 0 not yet known, 1 works, -1 refused by the server

	auto      *parse.Auto  // ftputil's automatic Unix/MS choice
	parser    parse.Parser // set by SetParser; nil: auto (or MLSD)
	useMLSD   bool
	timeShift float64
	cache     *cache.Cache[StatResult]
	now       func() time.Time
	pool      *pool // child connections for files and transfers
}

// Dial connects, logs in, reads the login directory (PWD) and changes to
// o.Dir if set.
func Dial(ctx context.Context, o Options) (*Host, error) {
	if o.Host == "" {
		return nil, newError(FTPOSError, "", "no host given")
	}
	if strings.ContainsAny(o.Host+o.User+o.Password+o.Account, "\r\n") {
		return nil, newError(FTPOSError, "", "host, user, password and account must not contain CR or LF")
	}
	cd, err := newCodec(o.Encoding)
	if err != nil {
		return nil, newError(NoEncodingError, "", "%v", err)
	}
	o.fillCredentials()
	factory := o.SessionFactory
	if factory == nil {
		factory = DefaultSessionFactory
	}
	sess, err := factory(ctx, &o)
	if err != nil {
		return nil, wrapError(err, "", "")
	}
	h := newHost(o, sess, cd)
	cwd, err := h.pwd(ctx)
	if err != nil {
		sess.Close()
		return nil, err
	}
	h.cwd, h.srvCwd = cwd, cwd
	if o.Dir != "" {
		if err := h.Chdir(ctx, o.Dir); err != nil {
			sess.Close()
			return nil, err
		}
	}
	return h, nil
}

func newHost(o Options, sess Session, cd codec) *Host {
	h := &Host{opts: o, sess: sess, feats: sess.Features(), codec: cd, now: time.Now,
		auto: &parse.Auto{}, cache: cache.New[StatResult](DefaultCacheSize)}
	if o.NoListA {
		h.listA = -1
	}
	if o.UseMLSD {
		if _, ok := h.feats["MLST"]; ok {
			h.useMLSD = true
		}
	}
	h.pool = newPool(h)
	return h
}

// DefaultCacheSize is the stat cache's initial size, as ftputil's.
const DefaultCacheSize = 5000

// String shows user, server and state, never the password.
func (h *Host) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	state := "open"
	if h.closed {
		state = "closed"
	}
	return fmt.Sprintf("FTPHost(%s@%s:%d, %s)", h.opts.User, h.opts.Host, h.opts.port(), state)
}

// Closed reports whether Close was called.
func (h *Host) Closed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// Session returns the host's main session, for commands the Host does not
// offer. Use it only while no other method of the Host runs. From the
// first call on, the main connection is never lent to a file (see Open),
// so the session returned stays the host's. It is nil when the host is
// closed, or when its main connection was lent and no other can be made.
func (h *Host) Session() Session {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.noLend = true
	s, err := h.mainSess(context.Background())
	if err != nil {
		return nil
	}
	return s
}

// mainSess returns the main connection (h.mu held). While it is lent to
// a file, the host takes an idle connection back from the pool, or opens
// a new one: the main connection's place is kept free in the count of
// MaxConnections.
func (h *Host) mainSess(ctx context.Context) (Session, error) {
	if h.closed {
		return nil, newError(FTPOSError, "", "%v", errClosed)
	}
	if h.sess == nil {
		s, cwd, err := h.pool.reclaim(ctx)
		if err != nil {
			return nil, err
		}
		h.sess, h.srvCwd = s, cwd
	}
	h.mainUsed = time.Now()
	return h.sess, nil
}

// lendMain puts the main connection, idle, into the pool for the file
// being opened, when the pool holds no idle connection and has room for
// one more: a script that opens, uploads or downloads one file at a time
// then works over one connection and one login, where ftputil opens a
// child connection besides the main one. The host takes a connection
// back when it next sends a command (see mainSess).
func (h *Host) lendMain() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.noLend || h.sess == nil || broken(h.sess) {
		return
	}
	if h.pool.offer(&child{sess: h.sess, cwd: h.srvCwd, idle: h.mainUsed}) {
		h.sess, h.srvCwd = nil, ""
	}
}

// Close ends the connection. It is idempotent.
func (h *Host) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	h.cache.Clear()
	perr := h.pool.closeAll()
	if h.sess != nil {
		if err := h.sess.Close(); err != nil {
			return wrapError(err, "QUIT", "")
		}
	}
	if perr != nil {
		return wrapError(perr, "QUIT", "")
	}
	return nil
}

// cmd sends a command on the main session; a transport failure becomes an
// *Error, a reply is returned whatever its code.
func (h *Host) cmd(ctx context.Context, line, path string) (int, string, error) {
	s, err := h.mainSess(ctx)
	if err != nil {
		return 0, "", withPath(err, path)
	}
	code, msg, err := s.Cmd(ctx, line)
	if err != nil {
		return 0, "", wrapError(err, line, path)
	}
	return code, msg, nil
}

// expect sends a command and turns a reply not in class 2 into an *Error.
func (h *Host) expect(ctx context.Context, line, path string) (string, error) {
	code, msg, err := h.cmd(ctx, line, path)
	if err != nil {
		return "", err
	}
	if code/100 != 2 {
		return "", replyError(code, msg, line, path)
	}
	return msg, nil
}

func (h *Host) pwd(ctx context.Context) (string, error) {
	msg, err := h.expect(ctx, "PWD", "")
	if err != nil {
		return "", err
	}
	dir, ok := parsePWD(msg)
	if !ok {
		return "", newError(FTPOSError, "", "cannot read the PWD reply %q", msg)
	}
	dir = h.codec.decode(dir)
	if !Isabs(dir) {
		// some servers answer "~" or a relative name; treat as "/"
		dir = "/" + dir
	}
	return Normpath(dir), nil
}

// parsePWD reads `257 "/a ""quoted"" dir" is the current directory`.
func parsePWD(msg string) (string, bool) {
	i := strings.IndexByte(msg, '"')
	if i < 0 {
		return "", false
	}
	var b strings.Builder
	for j := i + 1; j < len(msg); j++ {
		if msg[j] == '"' {
			if j+1 < len(msg) && msg[j+1] == '"' {
				b.WriteByte('"')
				j++
				continue
			}
			return b.String(), true
		}
		b.WriteByte(msg[j])
	}
	return "", false
}

// checkPath refuses a path that must not reach the server.
func checkPath(p string) error {
	if strings.ContainsAny(p, "\r\n") {
		return newError(FTPOSError, "", "path %q contains CR or LF", p)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return newError(FTPOSError, "", "path %q contains NUL", p)
	}
	return nil
}

// Getcwd returns the current remote directory, kept on the client side as
// ftputil does (no command is sent).
func (h *Host) Getcwd() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cwd
}

// Abspath returns the absolute, normalized form of p against the current
// directory.
func (h *Host) Abspath(p string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.abspath(p)
}

func (h *Host) abspath(p string) string {
	if !Isabs(p) {
		p = Join(h.cwd, p)
	}
	return Normpath(p)
}

// Chdir changes the current remote directory.
func (h *Host) Chdir(ctx context.Context, p string) error {
	if err := checkPath(p); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	abs := h.abspath(p)
	if err := h.cd(ctx, abs, false); err != nil {
		return err
	}
	h.cwd = abs
	return nil
}

// cd makes dir the server's working directory, sending CWD only when it
// is not already. A failure to return to the current directory is ftputil's
// InaccessibleLoginDirError.
func (h *Host) cd(ctx context.Context, dir string, fromCwd bool) error {
	if h.srvCwd == dir {
		return nil
	}
	wire, err := h.codec.encode(dir)
	if err != nil {
		return newError(FTPOSError, dir, "%v", err)
	}
	h.srvCwd = ""
	line := "CWD " + wire
	code, msg, err := h.cmd(ctx, line, dir)
	if err != nil {
		return err
	}
	if code/100 != 2 {
		if fromCwd && dir == h.cwd && code/100 == 5 {
			e := newError(InaccessibleLoginDirError, dir, "directory '%s' is not accessible", dir)
			e.Code, e.Command, e.Err = code, line, replyError(code, msg, line, dir)
			return e
		}
		return replyError(code, msg, line, dir)
	}
	h.srvCwd = dir
	return nil
}

// Listdir returns the names in a remote directory, in the server's order,
// without "." and "..".
func (h *Host) Listdir(ctx context.Context, p string) ([]string, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	if p == "" {
		return nil, newError(FTPIOError, "", "path argument `path` is empty")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	abs := h.abspath(p)
	entries, err := h.listDir(ctx, abs)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i := range entries {
		names[i] = entries[i].Name
	}
	return names, nil
}

// listDir lists a directory (LIST, LIST -a or MLSD), parses every line,
// and puts every entry but "." and ".." into the stat cache.
func (h *Host) listDir(ctx context.Context, dir string) ([]StatResult, error) {
	var (
		lines []string
		err   error
	)
	if h.useMLSD && h.parser == nil {
		if err = h.cd(ctx, dir, true); err == nil {
			lines, err = h.transferLines(ctx, "MLSD", dir)
		}
	} else {
		lines, err = h.listLines(ctx, dir)
	}
	if err != nil {
		return nil, err
	}
	return h.parseLines(dir, h.useMLSD && h.parser == nil, lines)
}

// parseLines parses a directory's listing with the host's parser (MLSD's
// when mlsd), and puts every entry but "." and ".." into the stat cache.
// The caller holds h.mu.
func (h *Host) parseLines(dir string, mlsd bool, lines []string) ([]StatResult, error) {
	h.cache.GrowFor(len(lines))
	var (
		entries []StatResult
		err     error
	)
	switch {
	case h.parser != nil:
		entries, err = parse.ParseListing(h.parser, lines, h.timeShift)
	case mlsd:
		entries, err = parse.ParseListing(parse.MLSD{}, lines, h.timeShift)
	default:
		entries, err = h.auto.ParseListing(lines, h.timeShift)
	}
	if err != nil {
		return nil, wrapError(err, "LIST", dir)
	}
	out := entries[:0]
	for i := range entries {
		e := &entries[i]
		if e.Name == "." || e.Name == ".." || e.Type == "cdir" || e.Type == "pdir" {
			continue
		}
		if !plainName(e.Name) {
			// A name that is not one path component cannot be addressed in
			// this directory, and joined to a local folder it would point
			// elsewhere ("../x", "a/b", "/etc/passwd"): a hostile or broken
			// server's listing; leave it out.
			continue
		}
		e.Name = h.codec.decode(e.Name)
		if e.Valid&parse.HasTarget != 0 {
			e.Target = h.codec.decode(e.Target)
		}
		h.cache.Set(Join(dir, e.Name), *e)
		out = append(out, *e)
	}
	return out, nil
}

// plainName reports whether a listed name is one path component: not
// empty, no "/", no NUL, CR or LF.
func plainName(n string) bool {
	return n != "" && !strings.ContainsAny(n, "/\x00\r\n")
}

// listLines changes into dir and returns the raw lines of its listing.
// LIST -a shows hidden files where the server knows the option; a server
// that refuses it, or takes "-a" for a name (an empty listing where plain
// LIST shows entries), gets plain LIST from then on.
func (h *Host) listLines(ctx context.Context, dir string) ([]string, error) {
	if err := h.cd(ctx, dir, true); err != nil {
		return nil, err
	}
	if h.listA < 0 {
		return h.transferLines(ctx, "LIST", dir)
	}
	lines, err := h.transferLines(ctx, "LIST -a", dir)
	if h.listA > 0 {
		return lines, err
	}
	var e *Error
	if err != nil && !(errors.As(err, &e) && e.Code/100 == 5) {
		return nil, err
	}
	if err == nil && len(lines) > 0 {
		h.listA = 1
		return lines, nil
	}
	plain, perr := h.transferLines(ctx, "LIST", dir)
	if perr != nil {
		if err != nil {
			return nil, err
		}
		return nil, perr
	}
	if err != nil || len(plain) > 0 {
		h.listA = -1
	}
	return plain, nil
}

// transferLines runs a listing command in the server's working directory
// and returns its lines without line ends.
func (h *Host) transferLines(ctx context.Context, cmd, path string) ([]string, error) {
	s, err := h.mainSess(ctx)
	if err != nil {
		return nil, withPath(err, path)
	}
	data, err := s.Transfer(ctx, cmd, 0)
	if err != nil {
		return nil, wrapError(err, cmd, path)
	}
	var lines []string
	sc := bufio.NewScanner(data)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	rerr := sc.Err() // then Close aborts the transfer
	cerr := data.Close()
	if rerr != nil {
		return nil, wrapError(rerr, cmd, path)
	}
	if cerr != nil {
		return nil, wrapError(cerr, cmd, path)
	}
	return lines, nil
}
