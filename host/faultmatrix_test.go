package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/faultproxy"
	"github.com/ftplua/ftplua/internal/testservers"
)

// The fault matrix (issue #10, "Reliability"): every fault of the list
// below against every operation, on every server, through a fault proxy.
// Each case must end, within a watchdog of a few timeouts, either in
// success with the right result or in a *host.Error of a known class; then
// the host's Close must return, every goroutine the case started must
// end, the proxy must see every control connection closed, and the files
// must be in a state ftplua promises (a local download target is the old
// file or the complete new one, never a partial one or a leftover
// temporary file).
//
// Faults (set after the host connected, so they hit the operation):
//
//   - ctl-cut-{client,server}@{0,mid,last}: the control connection is
//     reset at byte 0, half and the last byte of what the operation
//     receives (replies) or sends (commands) on it. The byte counts come
//     from two runs of the same operation without a fault through a
//     counting relay in front of the proxy (TLS records included), per
//     connection: the connection that carries most counts. Where a server's
//     replies vary in length between runs (pure-ftpd's "226 ... Mbytes per
//     second"), "last" moves back by the variation seen. A reply cut
//     before its last byte (its LF) at the end of the stream still reads
//     as a whole reply, so operations often complete then, rightly.
//   - data-{cut,fin}@{0,mid,last}: the data connections (listings,
//     downloads: to the client; uploads: to the server) reset (cut) or
//     closed in order (fin) at byte 0, half and the last byte of the
//     operation's largest transfer. Plain instances only: the proxy cannot
//     see data connections through TLS.
//   - ctl-stall, data-stall: nothing is forwarded any more (until the case
//     ends), on the control or the data connections, both ways.
//   - slow: 20 kB/s on the control connection, 1 MiB/s on data.
//   - 421-connect: the proxy answers "421 Too many connections" to every
//     connection beyond the one the host has. Every operation completes
//     without one: a file or transfer borrows the host's idle connection
//     (Host.lendMain). (A file that needs a connection of its own meets
//     the refusal in TestOpenAtConnectionLimit; Dial itself refused is
//     checked once per server, outside the matrix's count.)
//   - garbage: the final reply to the operation's command (LIST, RETR,
//     STOR, RNTO, RMD) is replaced by "xyz garbage". Plain instances only:
//     through TLS the proxy cannot replace replies after AUTH TLS.
//
// Operations, each on a fresh host (so nothing is cached) over a case
// directory of its own, seeded on disk: listdir, stat, download (over a
// local file with old content), upload (over a remote file with old
// content), open-read (read all, close), open-write (write, close), rename
// and rmtree (of a small tree).
//
// Before the faults, each operation runs twice without one (through a
// counting relay, see above): it must complete with the right result.
//
// Exact classes where the fault decides them: the garbage reply and a
// stall are FTPOSError on the host's own connection and FTPIOError for
// files and transfers (a stalled control connection stops a file at its
// first command, the CWD into the file's directory, which fails in
// transport: FTPOSError), a stall's error
// being a timeout after the Timeout; a control cut is FTPOSError on the
// host's own connection; a data cut is FTPIOError for files and
// transfers.
//
// Goroutines are counted per case, exactly: the case runs in goroutines
// carrying a pprof label of its own, which every goroutine they start
// inherits (the proxy and the built-in server run in goroutines without
// it), so the servers can run at once. At the end the process's goroutine
// count must be back where it was. Control connections left open are
// counted by the proxy (Stats.Open).
//
// What ftplua cannot tell, recorded in the tallies rather than failed:
// a data connection closed in order (FIN) in the middle ends an upload
// for every server, which keeps the part and reports success (pyftpdlib
// does so after a reset too), and ends a listing between two lines the
// same way (a download is caught: ftpconn compares it with SIZE). A
// failed open-write leaves what the server kept (only Upload removes its
// partial file). The built-in server runs a command cut before its LF.
//
// The machine is shared: a case that failed only by an unexpected timeout,
// or by a cut that did not fire because the run moved fewer bytes than
// the measured ones (never a hang, a leak or a wrong file), runs once
// more, and says so.
func TestFaultMatrix(t *testing.T) {
	servers := testservers.All(t)
	base := runtime.NumGoroutine()
	start := time.Now()

	var mu sync.Mutex
	var runs []*fmRun
	t.Run("servers", func(t *testing.T) {
		var wg sync.WaitGroup
		for _, s := range servers {
			r := &fmRun{s: s, classes: map[string]int{}, states: map[string]int{}}
			mu.Lock()
			runs = append(runs, r)
			mu.Unlock()
			wg.Add(1)
			// t.Run from goroutines of our own rather than t.Parallel:
			// -parallel defaults to GOMAXPROCS (2 here), and the cases
			// mostly wait for timeouts
			go func() {
				defer wg.Done()
				t.Run(s.Name, func(t *testing.T) {
					r.t = t
					r.run()
				})
			}()
		}
		wg.Wait()
	})

	var total fmRun
	total.classes, total.states = map[string]int{}, map[string]int{}
	var shape []string
	sort.Slice(runs, func(i, j int) bool { return runs[i].s.Name < runs[j].s.Name })
	shapes := map[string]int{}
	var shapeOrder []string
	for _, r := range runs {
		if r.cases == 0 {
			continue
		}
		t.Logf("fault matrix %s: %d cases (%d faults x %d operations), %d completed, %d typed errors, %d failures (%d run again); errors by class: %s",
			r.s.Name, r.cases, r.faults, len(fmOps), r.completed, r.typed, r.failures, r.reruns, fmCounts(r.classes))
		total.cases += r.cases
		total.reruns += r.reruns
		total.completed += r.completed
		total.typed += r.typed
		total.failures += r.failures
		for k, v := range r.classes {
			total.classes[k] += v
		}
		for k, v := range r.states {
			total.states[k] += v
		}
		key := fmt.Sprintf("%d faults x %d operations x %%d %s", r.faults, len(fmOps), map[bool]string{false: "plain servers", true: "TLS servers"}[r.s.TLS])
		if shapes[key] == 0 {
			shapeOrder = append(shapeOrder, key)
		}
		shapes[key]++
	}
	for _, k := range shapeOrder {
		shape = append(shape, fmt.Sprintf(k, shapes[k]))
	}
	t.Logf("fault matrix: %d cases (%s), %d completed, %d typed errors, %d failures",
		total.cases, strings.Join(shape, " + "), total.completed, total.typed, total.failures)
	t.Logf("fault matrix: %d cases run again on the shared machine (a timeout, or a cut that did not fire)", total.reruns)
	t.Logf("fault matrix: errors by class: %s", fmCounts(total.classes))
	t.Logf("fault matrix: files after the cases: %s", fmCounts(total.states))
	t.Logf("fault matrix: %s", time.Since(start).Round(100*time.Millisecond))

	// every host is closed: the process's goroutines are back to what
	// they were (the built-in server's idle ones included)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		var b bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("%d goroutines after the matrix, %d before:\n%s", n, base, b.String())
	}
}

const (
	fmTimeout  = 2 * time.Second // the hosts' Timeout
	fmSize     = 256 << 10       // files of the transfer operations
	fmStatSize = 1234            // the file stat looks at
	fmCtlRate  = 20_000          // slow: control bytes per second
	fmDataRate = 1 << 20         // slow: data bytes per second
	fmLabel    = "ftplua-faultcase"
	// fmLanes is how many cases of a server run at once: most of a
	// case's time is spent waiting (timeouts, logins)
	fmLanes = 2
)

var (
	fmNew  = xoData(fmSize, 42)                                      // what transfers write
	fmOld  = bytes.Repeat([]byte("old content of the target\n"), 40) // what they overwrite
	fmTime = time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)
)

// fmRun is the matrix on one server, and its tallies.
type fmRun struct {
	t       *testing.T
	s       testservers.Server
	scratch string     // the server's scratch directory, "/t-..."
	local   string     // local folder of the cases
	src     string     // local file holding fmNew, the upload source
	mu      sync.Mutex // guards n and the tallies: cases run in lanes
	n       int        // cases made, for the directory names

	faults, cases, completed, typed, failures, reruns int
	classes                                           map[string]int // error classes seen
	states                                            map[string]int // "upload error: remote absent", ...
}

// fmMeasure is what an operation moves without a fault: bytes on its
// busiest control connection each way, and its largest data transfer.
// The spread is how much two runs differed.
type fmMeasure struct {
	up, down, data                   int64
	upSpread, downSpread, dataSpread int64
}

// fmCase is one case: its remote directory (as the server sees it) and
// local folder, and what the operation returned.
type fmCase struct {
	fault  string // the fault's name
	remote string
	local  string
	names  []string   // listdir
	st     StatResult // stat
	read   []byte     // open-read
}

type fmOp struct {
	name    string
	dataDir faultproxy.Direction // the direction of its transfers
	verb    string               // the command whose final reply "garbage" replaces
	child   bool                 // a file or a transfer (on the connection the host lends it)
	seed    func(r *fmRun, c *fmCase)
	run     func(ctx context.Context, h *Host, r *fmRun, c *fmCase) error
	// check looks at the result and the files after the case: a state to
	// tally ("" for none) and a problem ("" if none).
	check func(r *fmRun, c *fmCase, err error) (state, problem string)
}

var fmOps = []*fmOp{
	{
		name: "listdir", dataDir: faultproxy.ToClient, verb: "LIST",
		seed: func(r *fmRun, c *fmCase) {
			r.write(c.remote+"/a.txt", []byte("a\n"))
			r.write(c.remote+"/b.txt", []byte("bb\n"))
			r.mkdir(c.remote + "/sub")
		},
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) (err error) {
			c.names, err = h.Listdir(ctx, c.remote)
			return err
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			if err != nil {
				return "", ""
			}
			sort.Strings(c.names)
			got := strings.Join(c.names, ",")
			if got == "a.txt,b.txt,sub" {
				return "", ""
			}
			// A listing has no length: its data connection closed in
			// order between two lines (the server, which had sent
			// everything, reports success) cannot be told from a
			// shorter listing. Whole entries may be missing then,
			// never a mangled one.
			if fmGraceful(c) && fmSubset(c.names, "a.txt", "b.txt", "sub") {
				return "listdir ok: listing cut short", ""
			}
			return "", fmt.Sprintf("listdir returned %q, want a.txt,b.txt,sub", got)
		},
	},
	{
		name: "stat", dataDir: faultproxy.ToClient, verb: "LIST",
		seed: func(r *fmRun, c *fmCase) {
			r.write(c.remote+"/data.txt", bytes.Repeat([]byte("s"), fmStatSize))
			r.write(c.remote+"/other.txt", []byte("other\n"))
		},
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) (err error) {
			c.st, err = h.Stat(ctx, c.remote+"/data.txt")
			return err
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			if err == nil && (c.st.Size != fmStatSize || !isRegMode(c.st.Mode)) {
				return "", fmt.Sprintf("stat returned size %d mode %o, want %d, a regular file", c.st.Size, c.st.Mode, fmStatSize)
			}
			return "", ""
		},
	},
	{
		name: "download", dataDir: faultproxy.ToClient, verb: "RETR", child: true,
		seed: func(r *fmRun, c *fmCase) {
			r.write(c.remote+"/data.bin", fmNew)
			if err := os.WriteFile(filepath.Join(c.local, "dl.bin"), fmOld, 0o644); err != nil {
				r.t.Error(err)
			}
		},
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) error {
			return h.Download(ctx, c.remote+"/data.bin", filepath.Join(c.local, "dl.bin"), nil)
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			if names := xoLocalNames(r.t, c.local); strings.Join(names, ",") != "dl.bin" {
				return "", fmt.Sprintf("local folder holds %q, want only dl.bin", names)
			}
			b, rerr := os.ReadFile(filepath.Join(c.local, "dl.bin"))
			switch {
			case rerr != nil:
				return "", rerr.Error()
			case err == nil && !bytes.Equal(b, fmNew):
				return "", fmt.Sprintf("download succeeded, but the local file has %d bytes, not the %d new ones", len(b), fmSize)
			case err != nil && !bytes.Equal(b, fmOld):
				return "", fmt.Sprintf("download failed, and the local file has %d bytes, not the old content", len(b))
			}
			return "", ""
		},
	},
	{
		name: "upload", dataDir: faultproxy.ToServer, verb: "STOR", child: true,
		seed: func(r *fmRun, c *fmCase) { r.write(c.remote+"/target.bin", fmOld) },
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) error {
			return h.Upload(ctx, r.src, c.remote+"/target.bin", nil)
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			return r.checkUpload("upload", c, err)
		},
	},
	{
		name: "open-read", dataDir: faultproxy.ToClient, verb: "RETR", child: true,
		seed: func(r *fmRun, c *fmCase) { r.write(c.remote+"/data.bin", fmNew) },
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) error {
			path := c.remote + "/data.bin"
			f, err := h.Open(ctx, path, FileOptions{Mode: "rb"})
			if err != nil {
				return err
			}
			c.read, err = io.ReadAll(f)
			cerr := f.Close()
			if err != nil {
				return FileError(err, path) // as the Lua binding reports it
			}
			return FileError(cerr, path)
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			if err == nil && !bytes.Equal(c.read, fmNew) {
				return "", fmt.Sprintf("open-read succeeded with %d bytes, not the %d of the file", len(c.read), fmSize)
			}
			return "", ""
		},
	},
	{
		name: "open-write", dataDir: faultproxy.ToServer, verb: "STOR", child: true,
		seed: func(r *fmRun, c *fmCase) { r.write(c.remote+"/target.bin", fmOld) },
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) error {
			path := c.remote + "/target.bin"
			f, err := h.Open(ctx, path, FileOptions{Mode: "wb"})
			if err != nil {
				return err
			}
			_, err = f.Write(fmNew)
			cerr := f.Close()
			if err != nil {
				return FileError(err, path)
			}
			return FileError(cerr, path)
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			return r.checkUpload("open-write", c, err)
		},
	},
	{
		name: "rename", verb: "RNTO",
		seed: func(r *fmRun, c *fmCase) { r.write(c.remote+"/ren-src.txt", []byte("rename me\n")) },
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) error {
			return h.Rename(ctx, c.remote+"/ren-src.txt", c.remote+"/ren-dst.txt")
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			// The server may still be running the rename after the
			// connection was cut: seeing the source and then the target
			// both there means it renamed in between. Look again.
			var src, dst []byte
			for try := 0; try < 40; try++ {
				src, _ = os.ReadFile(xoDisk(r.s, c.remote+"/ren-src.txt"))
				dst, _ = os.ReadFile(xoDisk(r.s, c.remote+"/ren-dst.txt"))
				if src == nil || dst == nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			switch {
			case err == nil && (src != nil || string(dst) != "rename me\n"):
				return "", fmt.Sprintf("rename succeeded, but source %q, target %q", src, dst)
			case err != nil && src == nil && dst == nil && c.fault == "ctl-cut-server@last":
				// The built-in server (ftpserverlib) runs a command
				// line that ends without its LF when the connection
				// ends: "RNTO ren-dst.txt\r" renames to a name ending
				// in CR. The server's doing; ftplua sent the whole line.
				if b, _ := os.ReadFile(xoDisk(r.s, c.remote+"/ren-dst.txt\r")); string(b) == "rename me\n" {
					return "rename error: renamed by the cut command", ""
				}
				return "", fmt.Sprintf("after the rename: source and target gone: %q", xoNames(r.t, r.s, c.remote))
			case (src == nil) == (dst == nil):
				return "", fmt.Sprintf("after the rename: source %q, target %q", src, dst)
			case err != nil && dst != nil:
				return "rename error: renamed", ""
			}
			return "", ""
		},
	},
	{
		name: "rmtree", dataDir: faultproxy.ToClient, verb: "RMD",
		seed: func(r *fmRun, c *fmCase) {
			r.mkdir(c.remote + "/tree")
			r.write(c.remote+"/tree/a.txt", []byte("a\n"))
			r.write(c.remote+"/tree/b.txt", []byte("b\n"))
			r.mkdir(c.remote + "/tree/sub")
			r.write(c.remote+"/tree/sub/c.txt", []byte("c\n"))
		},
		run: func(ctx context.Context, h *Host, r *fmRun, c *fmCase) error {
			return h.Rmtree(ctx, c.remote+"/tree", false, nil)
		},
		check: func(r *fmRun, c *fmCase, err error) (string, string) {
			_, serr := os.Lstat(xoDisk(r.s, c.remote+"/tree"))
			if err == nil && serr == nil {
				return "", "rmtree succeeded, but the tree is still there"
			}
			if err != nil && serr != nil {
				return "rmtree error: tree gone", ""
			}
			return "", ""
		},
	},
}

// checkUpload checks the remote file after an upload or open-write.
func (r *fmRun) checkUpload(op string, c *fmCase, err error) (state, problem string) {
	st := r.remoteState(c.remote + "/target.bin")
	if err == nil {
		switch {
		case st == "new":
			return "", ""
		case st == "partial" && (fmGraceful(c) || strings.HasPrefix(c.fault, "data-cut") && r.s.Kind() == "pyftpdlib"):
			// The end of the data connection is the end of an upload:
			// closed in order in the middle, every server keeps what
			// came and reports success (pyftpdlib even after a reset),
			// while ftplua had written everything into its socket
			// without an error. Nothing tells ftplua; UploadWith's
			// Verify would.
			return op + " ok: remote partial, server reported success", ""
		}
		return op + " ok: remote " + st, op + " succeeded, but the remote file is " + st
	}
	state = op + " error: remote " + st
	switch {
	case op == "upload" && (strings.HasPrefix(c.fault, "data-") || c.fault == "garbage"):
		// the host's own connection works: Upload removes what it
		// knows did not arrive whole
		if st != "absent" {
			return state, "a failed upload left the remote file " + st
		}
	}
	return state, ""
}

func fmGraceful(c *fmCase) bool { return strings.HasPrefix(c.fault, "data-fin") }

// fmSubset reports whether names are some of want, each at most once.
func fmSubset(names []string, want ...string) bool {
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] || !slices.Contains(want, n) {
			return false
		}
		seen[n] = true
	}
	return true
}

// fmFault is one fault: set puts it on the proxy once the host is
// connected; expect checks what only this fault decides.
type fmFault struct {
	name   string
	plain  bool // plain instances only
	set    func(p *faultproxy.Proxy, m fmMeasure, op *fmOp)
	expect func(r *fmRun, op *fmOp, m fmMeasure, err error, st faultproxy.Stats, took time.Duration) string
}

func fmFaults() []fmFault {
	var out []fmFault
	positions := []string{"0", "mid", "last"}
	pos := func(where string, n, spread int64) int64 {
		switch where {
		case "0":
			return 0
		case "mid":
			return n / 2
		}
		return max(n-1-spread, 0)
	}
	// A cut must fire where the operation moves more bytes than it lets
	// through; what the operation returns is then the matrix's general
	// rule (success with the right result, or a typed error).
	for _, dir := range []faultproxy.Direction{faultproxy.ToClient, faultproxy.ToServer} {
		side := map[faultproxy.Direction]string{faultproxy.ToClient: "client", faultproxy.ToServer: "server"}[dir]
		for _, where := range positions {
			bytesOf := func(m fmMeasure) (int64, int64) {
				if dir == faultproxy.ToClient {
					return m.down, m.downSpread
				}
				return m.up, m.upSpread
			}
			out = append(out, fmFault{
				name: "ctl-cut-" + side + "@" + where,
				set: func(p *faultproxy.Proxy, m fmMeasure, op *fmOp) {
					n, spread := bytesOf(m)
					p.Set(faultproxy.Control, dir, faultproxy.Fault{After: pos(where, n, spread), Cut: true})
				},
				expect: func(r *fmRun, op *fmOp, m fmMeasure, err error, st faultproxy.Stats, took time.Duration) string {
					n, spread := bytesOf(m)
					if n > pos(where, n, spread) && st.Cut == 0 {
						return fmt.Sprintf("the cut after %d of %d bytes %s", pos(where, n, spread), n, fmUnfired)
					}
					if !op.child && err != nil {
						// the host's own connection failed in transport
						return fmWantClass(err, FTPOSError, 0)
					}
					return ""
				},
			})
		}
	}
	for _, graceful := range []bool{false, true} {
		kind := map[bool]string{false: "data-cut", true: "data-fin"}[graceful]
		for _, where := range positions {
			out = append(out, fmFault{
				name: kind + "@" + where, plain: true,
				set: func(p *faultproxy.Proxy, m fmMeasure, op *fmOp) {
					if op.dataDir != 0 {
						p.Set(faultproxy.Data, op.dataDir, faultproxy.Fault{After: pos(where, m.data, m.dataSpread), Cut: true, Graceful: graceful})
					}
				},
				expect: func(r *fmRun, op *fmOp, m fmMeasure, err error, st faultproxy.Stats, took time.Duration) string {
					after := pos(where, m.data, m.dataSpread)
					if m.data > after && st.Cut == 0 {
						return fmt.Sprintf("the cut after %d of %d bytes %s", after, m.data, fmUnfired)
					}
					if m.data == 0 && err != nil {
						return "failed without a data connection to fault"
					}
					if op.child && err != nil {
						// the file's connection is up: the transfer fails,
						// with the server's reply (426, 451, 550) or without
						return fmWantClass(err, FTPIOError, -1)
					}
					return ""
				},
			})
		}
	}
	stall := func(ch faultproxy.Channel) fmFault {
		name := map[faultproxy.Channel]string{faultproxy.Control: "ctl-stall", faultproxy.Data: "data-stall"}[ch]
		return fmFault{
			name: name, plain: ch == faultproxy.Data,
			set: func(p *faultproxy.Proxy, m fmMeasure, op *fmOp) {
				p.Set(ch, faultproxy.BothWays, faultproxy.Fault{Stall: -1})
			},
			expect: func(r *fmRun, op *fmOp, m fmMeasure, err error, st faultproxy.Stats, took time.Duration) string {
				if ch == faultproxy.Data && m.data == 0 {
					if err != nil {
						return "failed without a data connection to stall"
					}
					return ""
				}
				if err == nil {
					return "completed through a stall"
				}
				if !fmIsTimeout(err) {
					return "failed, but not by a timeout"
				}
				if took < fmTimeout*9/10 {
					return fmt.Sprintf("timed out after %v, before the timeout of %v", took, fmTimeout)
				}
				return fmWantClass(err, fmStallClass(ch, op), 0)
			},
		}
	}
	out = append(out, stall(faultproxy.Control), stall(faultproxy.Data))
	out = append(out, fmFault{
		name: "slow",
		set: func(p *faultproxy.Proxy, m fmMeasure, op *fmOp) {
			p.SlowControl(fmCtlRate, faultproxy.BothWays)
			p.SlowData(fmDataRate, faultproxy.BothWays)
		},
		expect: func(r *fmRun, op *fmOp, m fmMeasure, err error, st faultproxy.Stats, took time.Duration) string {
			if err != nil {
				return "a slow link failed the operation"
			}
			// the proxy sends a twentieth of a second's worth at once
			min := time.Duration(float64(m.down-fmCtlRate/20) / fmCtlRate * float64(time.Second))
			if !r.s.TLS && m.data > 0 {
				min = max(min, time.Duration(float64(m.data-fmDataRate/20)/fmDataRate*float64(time.Second)))
			}
			if took < min*9/10 {
				return fmt.Sprintf("took %v through a slow link, want at least %v", took, min)
			}
			return ""
		},
	})
	out = append(out, fmFault{
		name: "421-connect",
		set:  func(p *faultproxy.Proxy, m fmMeasure, op *fmOp) { p.LimitClients(1) },
		expect: func(r *fmRun, op *fmOp, m fmMeasure, err error, st faultproxy.Stats, took time.Duration) string {
			// files and transfers too: the host lends them its connection
			if err != nil || st.Refused != 0 {
				return fmt.Sprintf("%v, %d connections refused; want success on the host's connection", err, st.Refused)
			}
			return ""
		},
	})
	out = append(out, fmFault{
		name: "garbage", plain: true,
		set: func(p *faultproxy.Proxy, m fmMeasure, op *fmOp) { p.ReplaceReplyTo(op.verb, "xyz garbage") },
		expect: func(r *fmRun, op *fmOp, m fmMeasure, err error, st faultproxy.Stats, took time.Duration) string {
			if st.Replaced == 0 {
				return "no reply was replaced"
			}
			want := FTPOSError
			if op.child {
				want = FTPIOError
			}
			return fmWantClass(err, want, 0)
		},
	})
	return out
}

// fmStallClass is the class of a stalled operation's error: operations
// on the host's connection fail in transport (FTPOSError); files and
// transfers fail as file operations (FTPIOError), except that a stalled
// control connection stops them at their first command (the CWD into the
// file's directory), which fails in transport.
func fmStallClass(ch faultproxy.Channel, op *fmOp) Class {
	if op.child && ch == faultproxy.Data {
		return FTPIOError
	}
	return FTPOSError
}

// fmWantClass checks err's class and code (-1: any code).
func fmWantClass(err error, class Class, code int) string {
	var he *Error
	if !errors.As(err, &he) || he.Class != class || code >= 0 && he.Code != code {
		return fmt.Sprintf("want %s with code %d, got %v", class, code, fmDescribe(err))
	}
	return ""
}

func fmDescribe(err error) string {
	var he *Error
	if errors.As(err, &he) {
		return fmt.Sprintf("%s (code %d): %v", he.Class, he.Code, err)
	}
	return fmt.Sprintf("%T: %v", err, err)
}

func fmIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, context.DeadlineExceeded)
}

func fmCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.Itoa(m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func (r *fmRun) run() {
	t := r.t
	r.scratch = testservers.Scratch(t, r.s)
	r.local = t.TempDir()
	r.src = filepath.Join(r.local, "up.bin")
	if err := os.WriteFile(r.src, fmNew, 0o644); err != nil {
		t.Fatal(err)
	}
	measures := map[string]fmMeasure{}
	for _, op := range fmOps {
		m, ok := r.measure(op)
		if !ok {
			return
		}
		measures[op.name] = m
	}
	var parts []string
	for _, op := range fmOps {
		m := measures[op.name]
		parts = append(parts, fmt.Sprintf("%s %d/%d/%d", op.name, m.down, m.up, m.data))
	}
	t.Logf("bytes moved without a fault (to client/to server/data): %s", strings.Join(parts, ", "))
	r.dialRefused()
	type job struct {
		f  fmFault
		op *fmOp
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range fmLanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r.runCase(j.f, j.op, measures[j.op.name])
			}
		}()
	}
	only := os.Getenv("FTPLUA_FAULTMATRIX_ONLY") // to run the faults of these names only (debugging)
	for _, f := range fmFaults() {
		if f.plain && r.s.TLS {
			continue
		}
		if only != "" && !slices.Contains(strings.Fields(only), f.name) {
			continue
		}
		r.faults++
		for _, op := range fmOps {
			jobs <- job{f, op}
		}
	}
	close(jobs)
	wg.Wait()
}

// newCase seeds a case directory. Its name has a fixed width, and the
// times of everything in it are fixed, so that every case of an
// operation sees replies and listings of the same length as its
// measurement did.
func (r *fmRun) newCase(op *fmOp) *fmCase {
	r.mu.Lock()
	r.n++
	n := r.n
	r.mu.Unlock()
	top := fmt.Sprintf("%s/c%04d", r.scratch, n)
	c := &fmCase{remote: top + "/w", local: filepath.Join(r.local, fmt.Sprintf("c%04d", n))}
	r.mkdir(top)
	r.mkdir(c.remote)
	if err := os.Mkdir(c.local, 0o755); err != nil {
		r.t.Error(err) // not Fatal: cases run in goroutines of their own
	}
	op.seed(r, c)
	root := xoDisk(r.s, top)
	var paths []string
	filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error {
		paths = append(paths, p)
		return nil
	})
	for i := len(paths) - 1; i >= 0; i-- { // children before their folders
		os.Chtimes(paths[i], fmTime, fmTime)
	}
	return c
}

func (r *fmRun) write(remote string, data []byte) {
	p := xoDisk(r.s, remote)
	if err := os.WriteFile(p, data, 0o666); err != nil {
		r.t.Error(err)
	}
	os.Chmod(p, 0o666) // the servers run as another user
}

func (r *fmRun) mkdir(remote string) {
	p := xoDisk(r.s, remote)
	if err := os.Mkdir(p, 0o777); err != nil {
		r.t.Error(err)
	}
	os.Chmod(p, 0o777)
}

// remoteState names the content of a remote file: "old", "new",
// "absent" or "partial" (with its size).
func (r *fmRun) remoteState(remote string) string {
	b, err := os.ReadFile(xoDisk(r.s, remote))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "absent"
	case err != nil:
		return err.Error()
	case bytes.Equal(b, fmOld):
		return "old"
	case bytes.Equal(b, fmNew):
		return "new"
	case len(b) < fmSize && bytes.Equal(b, fmNew[:len(b)]):
		return "partial"
	}
	return fmt.Sprintf("other content (%d bytes)", len(b))
}

func (r *fmRun) options(host string, port int) Options {
	o := options(r.s)
	o.Host, o.Port, o.Timeout = host, port, fmTimeout
	return o
}

// measure runs an operation twice without a fault, through a counting
// relay in front of a proxy: that it completes is the matrix's baseline,
// and its bytes place the cuts.
func (r *fmRun) measure(op *fmOp) (fmMeasure, bool) {
	t := r.t
	var ups, downs, datas []int64
	for retries := 0; len(ups) < 2; {
		c := r.newCase(op)
		up, down, data, err := r.measureOnce(op, c)
		if err != nil {
			if retries++; retries <= 2 && fmIsTimeout(err) {
				t.Logf("%s without a fault: run again after a timeout (the machine is shared): %v", op.name, err)
				continue
			}
			t.Errorf("%s without a fault: %v", op.name, err)
			return fmMeasure{}, false
		}
		if _, problem := op.check(r, c, nil); problem != "" {
			t.Errorf("%s without a fault: %s", op.name, problem)
			return fmMeasure{}, false
		}
		ups, downs, datas = append(ups, up), append(downs, down), append(datas, data)
	}
	spread := func(v []int64) (int64, int64) {
		lo, hi := min(v[0], v[1]), max(v[0], v[1])
		return lo, hi - lo
	}
	var m fmMeasure
	m.up, m.upSpread = spread(ups)
	m.down, m.downSpread = spread(downs)
	if r.s.Kind() == "pureftpd" {
		// "226 0.003 seconds (measured here), 56.66 Mbytes per second":
		// the speed's digits vary from one transfer to the next
		m.downSpread = max(m.downSpread, 4)
	}
	m.data, m.dataSpread = spread(datas)
	return m, true
}

// measureOnce runs op without a fault through a counting relay in front
// of a proxy, and returns the bytes of its busiest control connection
// each way and of its largest transfer.
func (r *fmRun) measureOnce(op *fmOp, c *fmCase) (up, down, data int64, err error) {
	p, err := faultproxy.Start(r.s.Addr())
	if err != nil {
		return 0, 0, 0, err
	}
	defer p.Close()
	rc, err := fmStartCounter(p.Addr())
	if err != nil {
		return 0, 0, 0, err
	}
	defer rc.close()
	rec := &fmDataRec{}
	o := r.options(rc.host(), rc.port())
	o.SessionFactory = func(ctx context.Context, o *Options) (Session, error) {
		s, err := DefaultSessionFactory(ctx, o)
		if err != nil {
			return nil, err
		}
		return &fmCountSession{Session: s, rec: rec}, nil
	}
	ctx := context.Background()
	h, err := Dial(ctx, o)
	if err != nil {
		return 0, 0, 0, err
	}
	defer h.Close()
	rc.mark()
	err = op.run(ctx, h, r, c)
	up, down = rc.opBytes()
	return up, down, rec.max.Load(), err
}

// dialRefused: a connect that the proxy answers with 421 fails Dial
// with a TemporaryError carrying the code, and leaks nothing.
func (r *fmRun) dialRefused() {
	t := r.t
	p, err := faultproxy.Start(r.s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.LimitClients(1)
	hold, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); p.Stats().Open < 1 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	id := r.s.Name + "/dial-421"
	var dialErr error
	done := fmGo(id, func() {
		h, err := Dial(context.Background(), r.options(p.Host(), p.Port()))
		if err == nil {
			h.Close()
		}
		dialErr = err
	})
	select {
	case <-done:
	case <-time.After(fmTimeout + 3*time.Second):
		t.Errorf("dial-421: Dial hangs")
		p.Close()
		<-done
	}
	if problem := fmWantClass(dialErr, TemporaryError, 421); problem != "" {
		t.Errorf("dial-421: %s", problem)
	}
	hold.Close()
	for _, problem := range r.leaks(id, p) {
		t.Errorf("dial-421: %s", problem)
	}
}

// leaks checks that a case's connections and goroutines are gone: the
// proxy sees no control connection open (after its faults are cleared,
// so stalled ones notice their end), and no goroutine carries the case's
// label.
func (r *fmRun) leaks(id string, p *faultproxy.Proxy) (problems []string) {
	p.Clear()
	deadline := time.Now().Add(3 * time.Second)
	for p.Stats().Open > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if st := p.Stats(); st.Open > 0 {
		problems = append(problems, fmt.Sprintf("%d control connections left open (%+v)", st.Open, st))
	}
	p.Close()
	n, dump := fmGoroutines(id)
	for n > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n, dump = fmGoroutines(id)
	}
	if n > 0 {
		problems = append(problems, fmt.Sprintf("%d goroutines left:\n%s", n, dump))
	}
	return problems
}

// fmUnfired ends the problem of a cut that did not fire: the run moved
// fewer bytes than both measured runs.
const fmUnfired = "did not fire"

// runCase runs one case, and once more if it failed only in what a
// loaded machine can cause: an unexpected timeout (not under a stall)
// made the operation fail before its fault could act, or fail where it
// should have completed; or a cut near the end did not fire because
// this run moved fewer bytes than the two measured ones (pure-ftpd's
// replies differ from run to run with the timing, by up to about 75
// bytes over TLS). A hang, a panic, an untyped error, a leak or a file in
// a wrong state is never run again. Reruns are logged and counted.
func (r *fmRun) runCase(f fmFault, op *fmOp, m fmMeasure) {
	a := r.attempt(f, op, m)
	timedOut := !strings.HasSuffix(f.name, "stall") && fmIsTimeout(a.err)
	unfired := len(a.problems) == 1 && strings.HasSuffix(a.problems[0], fmUnfired)
	if a.soft && (timedOut || unfired) {
		r.t.Logf("%s %s: run again (the machine is shared): %s", f.name, op.name, strings.Join(a.problems, "; "))
		r.mu.Lock()
		r.reruns++
		r.mu.Unlock()
		a = r.attempt(f, op, m)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cases++
	var he *Error
	switch {
	case !a.ran:
	case a.err == nil:
		r.completed++
	case errors.As(a.err, &he) && he.Class.Known():
		r.typed++
		r.classes[string(he.Class)]++
	}
	if a.state != "" {
		r.states[a.state]++
	}
	if len(a.problems) > 0 {
		r.failures++
		r.t.Errorf("%s %s: %s\n(error: %v)", f.name, op.name, strings.Join(a.problems, "; "), a.err)
	}
}

// fmAttempt is the outcome of one run of a case.
type fmAttempt struct {
	ran      bool   // the operation ran (Dial worked, nothing hung)
	err      error  // the operation's error
	state    string // the files' state, to tally
	problems []string
	soft     bool // problems only in what the fault's expect decides
}

func (r *fmRun) attempt(f fmFault, op *fmOp, m fmMeasure) (a fmAttempt) {
	t := r.t
	caseStart := time.Now()
	c := r.newCase(op)
	c.fault = f.name
	p, err := faultproxy.Start(r.s.Addr())
	if err != nil {
		a.problems = append(a.problems, err.Error())
		return a
	}
	defer p.Close()
	name := f.name + " " + op.name
	id := fmt.Sprintf("%s/%s/%s", r.s.Name, name, c.remote)
	var (
		dialErr, opErr, closeErr  error
		took, dialTook, closeTook time.Duration
		panicked                  string
	)
	phase := make(chan string, 2)
	done := fmGo(id, func() {
		defer func() {
			if v := recover(); v != nil {
				panicked = fmt.Sprintf("%v\n%s", v, debug.Stack())
			}
		}()
		ctx := context.Background() // the host's timeouts alone must end every case
		t0 := time.Now()
		var h *Host
		// no fault is set yet: a failure here is the machine's load
		for try := 0; try < 3 && (try == 0 || dialErr != nil); try++ {
			h, dialErr = Dial(ctx, r.options(p.Host(), p.Port()))
		}
		dialTook = time.Since(t0)
		if dialErr != nil {
			return
		}
		f.set(p, m, op)
		phase <- "op"
		start := time.Now()
		opErr = op.run(ctx, h, r, c)
		took = time.Since(start)
		phase <- "close"
		t0 = time.Now()
		closeErr = h.Close()
		closeTook = time.Since(t0)
	})
	limits := map[string]time.Duration{"dial": 3 * (fmTimeout + 3*time.Second), "op": 3*fmTimeout + 3*time.Second, "close": fmTimeout + 3*time.Second}
	cur := "dial"
	timer := time.NewTimer(limits[cur])
wait:
	for {
		select {
		case cur = <-phase:
			timer.Reset(limits[cur])
		case <-done:
			break wait
		case <-timer.C:
			_, dump := fmGoroutines(id)
			a.problems = append(a.problems, fmt.Sprintf("hangs in %s (more than %v):\n%s", cur, limits[cur], dump))
			p.Close() // to get the case's goroutines going again
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				a.problems = append(a.problems, "still hanging after the proxy closed")
			}
			break wait
		}
	}
	timer.Stop()
	a.err = opErr
	switch {
	case panicked != "":
		a.problems = append(a.problems, "panic: "+panicked)
	case dialErr != nil:
		a.problems = append(a.problems, fmt.Sprintf("Dial before the fault, 3 times: %v", dialErr))
	case len(a.problems) > 0:
	default:
		a.ran = true
		st := p.Stats()
		var he *Error
		if opErr != nil && !(errors.As(opErr, &he) && he.Class.Known()) {
			a.problems = append(a.problems, "untyped error "+fmDescribe(opErr))
		}
		if closeErr != nil && !(errors.As(closeErr, &he) && he.Class.Known()) {
			a.problems = append(a.problems, "Close: untyped error "+fmDescribe(closeErr))
		}
		var problem string
		a.state, problem = op.check(r, c, opErr)
		if problem != "" {
			a.problems = append(a.problems, problem)
		}
		if problem := f.expect(r, op, m, opErr, st, took); problem != "" {
			a.soft = len(a.problems) == 0
			a.problems = append(a.problems, problem)
		}
	}
	t1 := time.Now()
	if leaks := r.leaks(id, p); len(leaks) > 0 {
		a.soft = false
		a.problems = append(a.problems, leaks...)
	}
	if len(a.problems) == 0 && testing.Verbose() && os.Getenv("FTPLUA_FAULTMATRIX_TRACE") != "" {
		t.Logf("%s: %v in %v (case %v: dial %v, close %v, leak checks %v)", name, fmDescribe(opErr), took.Round(time.Millisecond),
			time.Since(caseStart).Round(time.Millisecond), dialTook.Round(time.Millisecond), closeTook.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	}
	return a
}

// fmGo runs fn in a goroutine labelled with id; every goroutine it starts
// inherits the label.
func fmGo(id string, fn func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		pprof.Do(context.Background(), pprof.Labels(fmLabel, id), func(context.Context) { fn() })
	}()
	return done
}

// fmGoroutines counts the goroutines labelled with id, and returns their
// stacks.
func fmGoroutines(id string) (int, string) {
	var b bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&b, 1)
	want := fmt.Sprintf("%q:%q", fmLabel, id)
	var dump strings.Builder
	n := 0
	for _, block := range strings.Split(b.String(), "\n\n") {
		lines := strings.Split(strings.TrimPrefix(block, "\n"), "\n")
		if len(lines) > 0 && strings.HasPrefix(lines[0], "goroutine profile:") {
			lines = lines[1:]
		}
		if len(lines) < 2 || !strings.HasPrefix(lines[1], "# labels: ") || !strings.Contains(lines[1], want) {
			continue
		}
		count, err := strconv.Atoi(strings.Fields(lines[0])[0])
		if err != nil {
			continue
		}
		n += count
		dump.WriteString(strings.Join(lines, "\n") + "\n\n")
	}
	return n, dump.String()
}

// fmCounter is a TCP relay that counts the bytes of each connection each
// way, to place the cuts of the control connection.
type fmCounter struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []*fmCounted
	wg     sync.WaitGroup
}

type fmCounted struct {
	a, b             net.Conn
	up, down         atomic.Int64
	markUp, markDown int64
}

func fmStartCounter(target string) (*fmCounter, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &fmCounter{ln: ln, target: target}
	rc.wg.Add(1)
	go func() {
		defer rc.wg.Done()
		for {
			a, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", target)
			if err != nil {
				a.Close()
				continue
			}
			c := &fmCounted{a: a, b: b}
			rc.mu.Lock()
			rc.conns = append(rc.conns, c)
			rc.mu.Unlock()
			rc.wg.Add(2)
			go func() { defer rc.wg.Done(); fmCopy(b, a, &c.up) }()
			go func() { defer rc.wg.Done(); fmCopy(a, b, &c.down) }()
		}
	}()
	return rc, nil
}

// fmCopy relays src to dst, counting each chunk before it is passed on
// (so that a reply the client has read is counted).
func fmCopy(dst, src net.Conn, n *atomic.Int64) {
	buf := make([]byte, 32<<10)
	for {
		m, err := src.Read(buf)
		if m > 0 {
			n.Add(int64(m))
			if _, werr := dst.Write(buf[:m]); werr != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			if cw, ok := dst.(interface{ CloseWrite() error }); ok && err == io.EOF {
				cw.CloseWrite()
			} else {
				dst.Close()
			}
			return
		}
	}
}

func (rc *fmCounter) host() string { return "127.0.0.1" }
func (rc *fmCounter) port() int    { return rc.ln.Addr().(*net.TCPAddr).Port }

// mark starts the counts of the connections open now.
func (rc *fmCounter) mark() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, c := range rc.conns {
		c.markUp, c.markDown = c.up.Load(), c.down.Load()
	}
}

// opBytes is the most bytes a connection carried since mark, each way.
func (rc *fmCounter) opBytes() (up, down int64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, c := range rc.conns {
		up = max(up, c.up.Load()-c.markUp)
		down = max(down, c.down.Load()-c.markDown)
	}
	return up, down
}

func (rc *fmCounter) close() {
	rc.ln.Close()
	rc.mu.Lock()
	for _, c := range rc.conns {
		c.a.Close()
		c.b.Close()
	}
	rc.mu.Unlock()
	rc.wg.Wait()
}

// fmCountSession counts the bytes of each transfer, to place the cuts of
// the data connections.
type fmCountSession struct {
	Session
	rec *fmDataRec
}

type fmDataRec struct{ max atomic.Int64 }

func (s *fmCountSession) Broken() bool { return broken(s.Session) }

func (s *fmCountSession) Transfer(ctx context.Context, cmd string, offset int64) (io.ReadWriteCloser, error) {
	rw, err := s.Session.Transfer(ctx, cmd, offset)
	if err != nil {
		return nil, err
	}
	return &fmCountStream{ReadWriteCloser: rw, rec: s.rec}, nil
}

type fmCountStream struct {
	io.ReadWriteCloser
	rec *fmDataRec
	n   int64
}

func (c *fmCountStream) Read(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *fmCountStream) Write(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *fmCountStream) Close() error {
	for {
		old := c.rec.max.Load()
		if c.n <= old || c.rec.max.CompareAndSwap(old, c.n) {
			break
		}
	}
	return c.ReadWriteCloser.Close()
}
