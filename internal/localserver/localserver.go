// Package localserver runs an FTP server inside the process, on loopback,
// over a local folder: ftputil.local_server for trying and testing scripts
// without a server of one's own. It is built on
// github.com/fclairamb/ftpserverlib, which offers passive and active mode,
// EPSV, MLSD/MLST, MDTM/MFMT, SITE CHMOD, HASH and explicit TLS.
//
// Its LIST output is made more like a real server's than the library's own:
// times are UTC, and a symbolic link is listed as "name -> target".
// Owner and group are always "ftp" and the link count is 1.
package localserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/spf13/afero"
)

// Options configures a server.
type Options struct {
	// Root is the folder served as "/"; "" makes a temporary folder that
	// Close removes.
	Root string
	// Files are written under the root before the server starts: slash
	// separated path to content; folders are made as needed.
	Files    map[string]string
	User     string // default "user"
	Password string // default "password"
	Port     int    // 0 picks a free port
	TLS      bool   // require explicit TLS (AUTH TLS) with a fresh self-signed certificate
}

// Server is a running local server.
type Server struct {
	Root     string // the folder served
	Host     string // "127.0.0.1"
	Port     int
	User     string
	Password string
	TLS      bool
	// CAFile is a PEM file holding the server's self-signed certificate
	// (TLS only), to pass as ca_file; CAPEM holds the same bytes.
	CAFile string
	CAPEM  []byte

	srv      *ftpserver.FtpServer
	driver   *mainDriver
	done     chan struct{}
	once     sync.Once
	tempDir  string // holds CAFile
	tempRoot string // Root, when Start made it
}

// Start starts a server; Close stops it.
func Start(o Options) (*Server, error) {
	var tempRoot string
	if o.Root == "" {
		dir, err := os.MkdirTemp("", "ftplua-root-")
		if err != nil {
			return nil, fmt.Errorf("localserver: %w", err)
		}
		o.Root, tempRoot = dir, dir
	}
	s, err := start(o)
	if err != nil {
		if tempRoot != "" {
			os.RemoveAll(tempRoot)
		}
		return nil, err
	}
	s.tempRoot = tempRoot
	return s, nil
}

func start(o Options) (*Server, error) {
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("localserver: root: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("localserver: root %s is not a folder", root)
	}
	if err := writeFiles(root, o.Files); err != nil {
		return nil, err
	}
	if o.User == "" {
		o.User = "user"
	}
	if o.Password == "" {
		o.Password = "password"
	}
	if o.Port < 0 || o.Port > 65535 {
		return nil, fmt.Errorf("localserver: bad port %d", o.Port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)))
	if err != nil {
		return nil, fmt.Errorf("localserver: %w", err)
	}
	s := &Server{Root: root, Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		User: o.User, Password: o.Password, TLS: o.TLS, done: make(chan struct{})}
	d := &mainDriver{root: root, user: o.User, password: o.Password, ln: ln}
	if o.TLS {
		cert, pemBytes, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		d.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		dir, err := os.MkdirTemp("", "ftplua-localserver-")
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.tempDir = dir
		s.CAFile = filepath.Join(dir, "ca.pem")
		s.CAPEM = pemBytes
		if err := os.WriteFile(s.CAFile, pemBytes, 0o644); err != nil {
			ln.Close()
			os.RemoveAll(dir)
			return nil, err
		}
	}
	s.driver = d
	s.srv = ftpserver.NewFtpServer(d)
	if err := s.srv.Listen(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("localserver: %w", err)
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve()
	}()
	return s, nil
}

// Addr is "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// URL is "ftp://user:password@127.0.0.1:port/" ("ftpes://" with TLS).
func (s *Server) URL() string {
	scheme := "ftp"
	if s.TLS {
		scheme = "ftpes"
	}
	return fmt.Sprintf("%s://%s:%s@%s/", scheme, s.User, s.Password, s.Addr())
}

// Close stops the server and waits for it. It is idempotent.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		err = s.srv.Stop()
		<-s.done
		for _, d := range []string{s.tempDir, s.tempRoot} {
			if d != "" {
				os.RemoveAll(d)
			}
		}
	})
	return err
}

// writeFiles writes files (slash-separated relative path -> content)
// under root, refusing paths that would leave it.
func writeFiles(root string, files map[string]string) error {
	for name, body := range files {
		clean := filepath.Clean(filepath.FromSlash(name))
		if name == "" || filepath.IsAbs(clean) || clean == "." || clean == ".." ||
			strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return fmt.Errorf("localserver: file name %q must be a relative path inside the root", name)
		}
		full := filepath.Join(root, clean)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("localserver: %w", err)
		}
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				return fmt.Errorf("localserver: %w", err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			return fmt.Errorf("localserver: %w", err)
		}
	}
	return nil
}

type mainDriver struct {
	root, user, password string
	ln                   net.Listener
	tlsConfig            *tls.Config
}

func (d *mainDriver) GetSettings() (*ftpserver.Settings, error) {
	s := &ftpserver.Settings{
		Listener:                d.ln,
		IdleTimeout:             900,
		ConnectionTimeout:       30,
		EnableHASH:              true,
		ActiveTransferPortNon20: true,
		Banner:                  "ftplua local server",
	}
	if d.tlsConfig != nil {
		s.TLSRequired = ftpserver.MandatoryEncryption
	}
	return s, nil
}

func (d *mainDriver) ClientConnected(ftpserver.ClientContext) (string, error) {
	return "ftplua local server", nil
}

func (d *mainDriver) ClientDisconnected(ftpserver.ClientContext) {}

func (d *mainDriver) AuthUser(cc ftpserver.ClientContext, user, pass string) (ftpserver.ClientDriver, error) {
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(d.user)) == 1
	okPass := subtle.ConstantTimeCompare([]byte(pass), []byte(d.password)) == 1
	if !okUser || !okPass {
		return nil, errors.New("login incorrect")
	}
	return &clientFs{Fs: afero.NewBasePathFs(afero.NewOsFs(), d.root), root: d.root, cc: cc}, nil
}

func (d *mainDriver) GetTLSConfig() (*tls.Config, error) {
	if d.tlsConfig == nil {
		return nil, errors.New("TLS is not enabled on this server")
	}
	return d.tlsConfig, nil
}

// clientFs is one client's view of the root folder.
type clientFs struct {
	afero.Fs
	root string
	cc   ftpserver.ClientContext
}

// The server's error texts come from these errors; they must show the
// path as the client sees it, not where the root lies on this machine.
func (c *clientFs) fix(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = c.virtual(pe.Path)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		le.Old, le.New = c.virtual(le.Old), c.virtual(le.New)
	}
	return err
}

func (c *clientFs) virtual(p string) string {
	if rest, ok := strings.CutPrefix(p, c.root); ok && (rest == "" || rest[0] == filepath.Separator) {
		return filepath.ToSlash("/" + strings.TrimPrefix(rest, string(filepath.Separator)))
	}
	return p
}

func (c *clientFs) Stat(name string) (os.FileInfo, error) {
	fi, err := c.Fs.Stat(name)
	return fi, c.fix(err)
}

func (c *clientFs) Open(name string) (afero.File, error) {
	f, err := c.Fs.Open(name)
	return f, c.fix(err)
}

func (c *clientFs) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, err := c.Fs.OpenFile(name, flag, perm)
	return f, c.fix(err)
}

func (c *clientFs) Mkdir(name string, perm os.FileMode) error {
	return c.fix(c.Fs.Mkdir(name, perm))
}

func (c *clientFs) Remove(name string) error { return c.fix(c.Fs.Remove(name)) }

func (c *clientFs) Rename(o, n string) error { return c.fix(c.Fs.Rename(o, n)) }

func (c *clientFs) Chmod(name string, mode os.FileMode) error {
	return c.fix(c.Fs.Chmod(name, mode))
}

// ReadDir lists a folder for LIST, NLST and MLSD with UTC times, and for
// LIST with "name -> target" for symbolic links, as real servers do.
func (c *clientFs) ReadDir(name string) ([]os.FileInfo, error) {
	real := filepath.Join(c.root, filepath.FromSlash(filepath.Clean("/"+name)))
	entries, err := os.ReadDir(real)
	if err != nil {
		return nil, c.fix(err)
	}
	list := strings.HasPrefix(strings.ToUpper(c.cc.GetLastCommand()), "LIST")
	infos := make([]os.FileInfo, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue // vanished meanwhile
		}
		info := fileInfo{FileInfo: fi, name: fi.Name()}
		if list && fi.Mode()&fs.ModeSymlink != 0 {
			if target, err := os.Readlink(filepath.Join(real, fi.Name())); err == nil {
				info.name = fi.Name() + " -> " + target
			}
		}
		infos = append(infos, info)
	}
	return infos, nil
}

type fileInfo struct {
	os.FileInfo
	name string
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) ModTime() time.Time { return f.FileInfo.ModTime().UTC() }

// selfSigned makes a certificate for localhost, 127.0.0.1 and ::1.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"ftplua local server"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes, nil
}
