package host

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ftplua/ftplua/internal/ftpconn"
)

// TLS modes of Options.TLS.
const (
	TLSNone     = ""
	TLSExplicit = "explicit" // AUTH TLS (ftpes://)
	TLSImplicit = "implicit" // TLS from the first byte (ftps://, port 990)
)

// DefaultTimeout is the timeout of Options.Timeout zero.
const DefaultTimeout = 30 * time.Second

// Options says how to connect. The zero value of every field is the
// documented default (API.md "Connecting").
type Options struct {
	Host     string // server name or address; IPv6 literals without brackets
	Port     int    // 0: 21, or 990 for implicit TLS
	User     string // "": from ~/.netrc, else "anonymous"
	Password string // "": $FTPLUA_PASSWORD, else ~/.netrc, else "anonymous@" for anonymous
	Account  string // sent with ACCT when the server asks for one

	TLS                string // TLSNone, TLSExplicit or TLSImplicit
	InsecureSkipVerify bool   // do not verify the certificate (tls_verify=false)
	CAFile             string // PEM file of trusted roots; "": the system's
	TLSConfig          *tls.Config

	Active   bool          // active mode (EPRT/PORT) instead of passive (EPSV/PASV)
	Encoding string        // encoding of remote path names; "": utf-8
	Timeout  time.Duration // connect, each reply, each data read; 0: 30 s; <0: none
	// Debug receives the control dialogue line by line, the password
	// shown as ****.
	Debug func(line string)

	NoListA        bool   // plain LIST instead of LIST -a (use_list_a_option=false)
	UseMLSD        bool   // list with MLSD (use_mlsd=true)
	MaxConnections int    // upper bound on connections, main + children; 0: 8
	Dir            string // directory to change to after login (the URL's path)

	// SessionFactory makes the connections; nil: DefaultSessionFactory
	// (jlaffaye/ftp). An embedder may supply its own.
	SessionFactory SessionFactory
}

// A SessionFactory opens and logs in one FTP connection.
type SessionFactory func(ctx context.Context, o *Options) (Session, error)

// Session is one FTP control connection, the layer under a Host (ftputil's
// session). Host and the file objects use nothing else, so an embedder can
// put any FTP implementation behind it.
type Session interface {
	// Cmd sends one command line and returns the reply, whatever its code.
	// err is non-nil only when no reply came (transport failure, timeout,
	// cancellation, a line with CR or LF).
	Cmd(ctx context.Context, line string) (code int, msg string, err error)
	// Transfer opens a data connection, sends "REST offset" if offset > 0
	// and then cmd (LIST, RETR, STOR, ...), and returns the data stream. A
	// refusal is a *textproto.Error. Close reads the final reply, and
	// returns a negative one as *textproto.Error.
	Transfer(ctx context.Context, cmd string, offset int64) (io.ReadWriteCloser, error)
	// Features is the FEAT reply: feature name (upper case) to argument.
	Features() map[string]string
	// Close ends the connection.
	Close() error
}

// DefaultSessionFactory connects with jlaffaye/ftp through
// internal/ftpconn.
func DefaultSessionFactory(ctx context.Context, o *Options) (Session, error) {
	cfg := ftpconn.Config{
		Addr:     net.JoinHostPort(o.Host, strconv.Itoa(o.port())),
		User:     o.User,
		Password: o.Password,
		Account:  o.Account,
		Active:   o.Active,
		Timeout:  o.timeout(),
		Debug:    o.Debug,
		UTF8:     o.encoding() == "utf-8",
	}
	switch o.TLS {
	case TLSNone:
	case TLSExplicit, TLSImplicit:
		tc, err := o.tlsConfig()
		if err != nil {
			return nil, err
		}
		cfg.TLSConfig = tc
		cfg.TLS = ftpconn.TLSExplicit
		if o.TLS == TLSImplicit {
			cfg.TLS = ftpconn.TLSImplicit
		}
	default:
		return nil, fmt.Errorf("unknown TLS mode %q (want %q or %q)", o.TLS, TLSExplicit, TLSImplicit)
	}
	return ftpconn.Dial(ctx, cfg)
}

func (o *Options) port() int {
	switch {
	case o.Port != 0:
		return o.Port
	case o.TLS == TLSImplicit:
		return 990
	}
	return 21
}

func (o *Options) timeout() time.Duration {
	switch {
	case o.Timeout == 0:
		return DefaultTimeout
	case o.Timeout < 0:
		return 0
	}
	return o.Timeout
}

func (o *Options) encoding() string {
	if o.Encoding == "" {
		return "utf-8"
	}
	return strings.ToLower(o.Encoding)
}

func (o *Options) tlsConfig() (*tls.Config, error) {
	var tc *tls.Config
	if o.TLSConfig != nil {
		tc = o.TLSConfig.Clone()
	} else {
		tc = &tls.Config{}
	}
	if tc.ServerName == "" {
		tc.ServerName = o.Host
	}
	if o.InsecureSkipVerify {
		tc.InsecureSkipVerify = true
	}
	if o.CAFile != "" {
		pemBytes, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", o.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// ParseURL reads ftp://user:password@host:port/dir (ftps:// for implicit
// TLS, ftpes:// for explicit TLS) into Options. The path is the directory
// to change to after login, relative to the login directory as in RFC 1738
// ("/%2F" makes it absolute). Errors never show the password.
func ParseURL(raw string) (Options, error) {
	var o Options
	u, err := url.Parse(raw)
	if err != nil {
		return o, fmt.Errorf("bad URL %q", maskURL(raw))
	}
	switch strings.ToLower(u.Scheme) {
	case "ftp":
	case "ftps":
		o.TLS = TLSImplicit
	case "ftpes":
		o.TLS = TLSExplicit
	default:
		return o, fmt.Errorf("bad URL %q: scheme must be ftp, ftps or ftpes", maskURL(raw))
	}
	if u.Opaque != "" || u.Host == "" {
		return o, fmt.Errorf("bad URL %q: no host", maskURL(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return o, fmt.Errorf("bad URL %q: no query or fragment allowed", maskURL(raw))
	}
	o.Host = u.Hostname()
	if o.Host == "" { // "ftp://:21/", "ftp://u@:21/": a port but no host
		return o, fmt.Errorf("bad URL %q: no host", maskURL(raw))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return o, fmt.Errorf("bad URL %q: bad port", maskURL(raw))
		}
		o.Port = n
	}
	if u.User != nil {
		o.User = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if dir := strings.TrimPrefix(u.Path, "/"); dir != "" {
		o.Dir = dir
	}
	return o, nil
}

// maskURL hides the password of a URL for messages, also of one that does
// not parse.
func maskURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if strings.Contains(raw, "@") {
			return "****"
		}
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	userinfo := rest[:at]
	if user, _, hasPw := strings.Cut(userinfo, ":"); hasPw {
		userinfo = user + ":****"
	}
	return scheme + "://" + userinfo + rest[at:]
}

// fillCredentials applies the defaults of the user and password: for a
// named user a password from $FTPLUA_PASSWORD, else from the netrc file
// ($NETRC or ~/.netrc); without a user the netrc entry's login, else
// anonymous login with "anonymous@" (never $FTPLUA_PASSWORD, which is
// meant for the user's own account, not to be handed to any anonymous
// server as an e-mail address).
func (o *Options) fillCredentials() {
	if o.User != "" && o.Password != "" {
		return
	}
	if o.User != "" {
		if pw := os.Getenv("FTPLUA_PASSWORD"); pw != "" {
			o.Password = pw
			return
		}
	}
	if login, pw, ok := netrcLookup(o.Host, o.User); ok {
		if o.User == "" {
			o.User = login
		}
		if o.Password == "" {
			o.Password = pw
		}
		return
	}
	if o.User == "" {
		o.User = "anonymous"
		if o.Password == "" {
			o.Password = "anonymous@"
		}
	}
}

// netrcLookup finds the login and password for host in the netrc file. If
// user is not empty, only an entry with that login counts. "default"
// applies when no machine matches.
func netrcLookup(host, user string) (login, password string, ok bool) {
	name := os.Getenv("NETRC")
	if name == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", "", false
		}
		name = filepath.Join(home, ".netrc")
	}
	f, err := os.Open(name)
	if err != nil {
		return "", "", false
	}
	defer f.Close()
	type entry struct{ machine, login, password string }
	var entries []entry
	var cur *entry
	sc := bufio.NewScanner(f)
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		switch tok := sc.Text(); tok {
		case "machine", "default":
			entries = append(entries, entry{})
			cur = &entries[len(entries)-1]
			if tok == "default" {
				cur.machine = "\x00default"
			} else if sc.Scan() {
				cur.machine = sc.Text()
			}
		case "login", "password", "account":
			if !sc.Scan() || cur == nil {
				continue
			}
			switch tok {
			case "login":
				cur.login = sc.Text()
			case "password":
				cur.password = sc.Text()
			}
		case "macdef":
			cur = nil // a macro runs to an empty line; not worth reading
		}
	}
	for _, pass := range []string{host, "\x00default"} {
		for _, e := range entries {
			if e.machine == pass && (user == "" || e.login == user) {
				return e.login, e.password, true
			}
		}
	}
	return "", "", false
}

var errClosed = errors.New("host is closed")
