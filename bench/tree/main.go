// Command tree is ftplua's side of bench/tree.sh: the tree of 10,000
// files of 1 KiB in 100 directories (bench/tree/dNNN/fNNNN) downloaded
// with SyncPlan + Apply, or walked with a stat of every entry. One run per
// process, so that the peak RSS is the run's own.
//
//	tree -mode apply -parallel 8 -server vsftpd -remote bench/tree -local /tmp/out
//	tree -mode walk -server proftpd -remote bench/tree
//	tree -mode mktree -local /srv/ftp/bench/tree
//	tree -mode count -local /tmp/out
//
// -bind 127.x.y.z makes every connection from that loopback address, so
// that the lines of the server's log that are this run's can be counted.
// Modes:
//
//	apply   h.SyncPlan(down, remote -> local) then h.Apply(Parallel: N);
//	        -parallel 1 is the serial download
//	walk    h.Walk(remote, ListAhead: -listahead) and h.Stat of every
//	        directory and file
//	mktree  create the tree under -local (100 dirs × 100 files × 1 KiB)
//	count   count the regular files under -local and check their sizes
//
// The server comes from the environment of spec/servers/start.sh
// (FTP_<NAME>_HOST, _PORT, _USER, _PASSWORD, _TLS, FTP_CA_CERT). The output
// is one line of key=value pairs: mode, server, files, bytes, seconds (from
// just before connecting to just after the last reply), plan_s (the
// planning part of apply), vmhwm_kib (peak resident set of the process).
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/internal/ftpconn"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

func main() {
	server := flag.String("server", "vsftpd", "server name of the environment (vsftpd, proftpd, ...)")
	mode := flag.String("mode", "apply", "apply, walk, luawalk (walk in a Lua script), mktree or count")
	remote := flag.String("remote", "bench/tree", "remote tree")
	local := flag.String("local", "", "local directory (apply: the target; mktree: where to create; count: what to count)")
	parallel := flag.Int("parallel", 8, "apply: transfers at once")
	listAhead := flag.Int("listahead", 4, "walk: WalkOptions.ListAhead (directories listed at once ahead of the walk; 0: none)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	trace := flag.Bool("trace", false, "print the control dialogue, with times, to stderr")
	bind := flag.String("bind", "", "connect from this local address (e.g. 127.77.0.1, so that the server's log tells this run's commands)")
	flag.Parse()
	if *trace {
		traceStart = time.Now()
	}
	if err := run(*server, *mode, *remote, *local, *bind, *parallel, *listAhead, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "tree:", err)
		os.Exit(1)
	}
}

func run(server, mode, remote, local, bind string, parallel, listAhead int, cpuprofile string) error {
	switch mode {
	case "mktree":
		return mktree(local)
	case "count":
		n, size, err := count(local)
		if err != nil {
			return err
		}
		fmt.Printf("files=%d bytes=%d\n", n, size)
		return nil
	}
	o, err := options(server)
	if err != nil {
		return err
	}
	if !traceStart.IsZero() {
		o.Debug = func(line string) {
			fmt.Fprintf(os.Stderr, "%9.3f ms %s\n", float64(time.Since(traceStart).Microseconds())/1000, line)
		}
	}
	if bind != "" {
		if o.TLS != host.TLSNone {
			return fmt.Errorf("-bind works with plain servers only")
		}
		o.SessionFactory = boundFactory(bind)
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	start := time.Now()
	if mode == "apply" && o.MaxConnections < parallel+1 {
		o.MaxConnections = parallel + 1
	}
	if mode == "luawalk" {
		// The same walk written as a script would: host:walk and
		// host:stat in Lua, through luabind.
		files, dirs, bytes, err := luaWalk(ctx, o, remote)
		if err != nil {
			return err
		}
		fmt.Printf("mode=%s server=%s parallel=0 files=%d dirs=%d bytes=%d seconds=%.3f vmhwm_kib=%d\n",
			mode, server, files, dirs, bytes, time.Since(start).Seconds(), vmHWM())
		return nil
	}
	h, err := host.Dial(ctx, o)
	if err != nil {
		return err
	}
	defer h.Close()
	dialSecs := time.Since(start).Seconds()
	var files, dirs int
	var bytes int64
	planSecs := 0.0
	switch mode {
	case "apply":
		if local == "" {
			return fmt.Errorf("-local is required")
		}
		plan, err := h.SyncPlan(ctx, host.SyncOptions{Src: remote, Dst: local, Direction: "down"})
		if err != nil {
			return err
		}
		planSecs = time.Since(start).Seconds()
		sum, err := h.Apply(ctx, plan, host.ApplyOptions{Parallel: parallel})
		if err != nil {
			return err
		}
		files, dirs, bytes = sum.Downloads, sum.Mkdirs, sum.Bytes
	case "walk":
		w := h.Walk(ctx, remote, host.WalkOptions{ListAhead: listAhead})
		for w.Next() {
			for _, name := range w.Dirnames() {
				if _, err := h.Stat(ctx, host.Join(w.Dir(), name)); err != nil {
					return err
				}
				dirs++
			}
			for _, name := range w.Filenames() {
				st, err := h.Stat(ctx, host.Join(w.Dir(), name))
				if err != nil {
					return err
				}
				files++
				bytes += st.Size
			}
		}
		if err := w.Err(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if err := h.Close(); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if mode == "walk" {
		parallel = listAhead
	}
	fmt.Printf("mode=%s server=%s parallel=%d files=%d dirs=%d bytes=%d seconds=%.3f dial_s=%.3f plan_s=%.3f vmhwm_kib=%d\n",
		mode, server, parallel, files, dirs, bytes, secs, dialSecs, planSecs, vmHWM())
	return nil
}

// luaWalkScript walks top with a stat of every entry and returns the
// counts; connect is a function the Go side provides.
const luaWalkScript = `
local top = ...
local ftputil = require("ftputil")
local host = connect()
local files, dirs, bytes = 0, 0, 0
local join, stat = host.path.join, host.stat
for dirpath, dirnames, filenames in host:walk(top) do
  for _, name in ipairs(dirnames) do
    stat(host, join(dirpath, name))
    dirs = dirs + 1
  end
  for _, name in ipairs(filenames) do
    bytes = bytes + stat(host, join(dirpath, name)).st_size
    files = files + 1
  end
end
host:close()
return files, dirs, bytes
`

// luaWalk runs luaWalkScript in a fresh Lua state, connecting with o
// (whose SessionFactory binds to the chosen local address).
func luaWalk(ctx context.Context, o host.Options, top string) (files, dirs int, bytes int64, err error) {
	L := lua.NewState()
	defer L.Close()
	if err := luabind.Open(L, luabind.Config{Context: ctx, SessionFactory: o.SessionFactory}); err != nil {
		return 0, 0, 0, err
	}
	defer luabind.CloseAll(L)
	L.SetGlobal("connect", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.GetField(L.GetGlobal("ftputil"), "connect"))
		t := L.NewTable()
		t.RawSetString("host", lua.LString(o.Host))
		t.RawSetString("port", lua.LNumber(o.Port))
		t.RawSetString("user", lua.LString(o.User))
		t.RawSetString("password", lua.LString(o.Password))
		L.Push(t)
		L.Call(1, 1)
		return 1
	}))
	fn, err := L.LoadString(luaWalkScript)
	if err != nil {
		return 0, 0, 0, err
	}
	L.Push(fn)
	L.Push(lua.LString(top))
	if err := L.PCall(1, 3, nil); err != nil {
		return 0, 0, 0, err
	}
	return int(L.ToInt(-3)), int(L.ToInt(-2)), int64(L.ToInt64(-1)), nil
}

// mktree creates dNNN/fNNNN (100 × 100 files of 1 KiB) under top. Each
// file holds its own name, repeated, so a mixed-up copy shows.
func mktree(top string) error {
	if top == "" {
		return fmt.Errorf("-local is required")
	}
	for d := 0; d < 100; d++ {
		dir := filepath.Join(top, fmt.Sprintf("d%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for i := 0; i < 100; i++ {
			name := fmt.Sprintf("f%04d", d*100+i)
			line := fmt.Sprintf("%s/%s\n", filepath.Base(dir), name) // 11 bytes
			data := []byte(strings.Repeat(line, 1024/len(line)+1))[:1024]
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// count returns the number of regular files under top and their total
// size; a file that is not 1 KiB is an error.
func count(top string) (int, int64, error) {
	n, size := 0, int64(0)
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Size() != 1024 {
			return fmt.Errorf("%s: %d bytes, want 1024", p, fi.Size())
		}
		n++
		size += fi.Size()
		return nil
	})
	return n, size, err
}

func options(server string) (host.Options, error) {
	key := "FTP_" + strings.ToUpper(strings.ReplaceAll(server, "-", "_")) + "_"
	get := func(f string) string { return os.Getenv(key + f) }
	port, err := strconv.Atoi(get("PORT"))
	if get("HOST") == "" || err != nil {
		return host.Options{}, fmt.Errorf("server %s: %sHOST/%sPORT not set (source the env file of spec/servers/start.sh)", server, key, key)
	}
	o := host.Options{Host: get("HOST"), Port: port, User: get("USER"), Password: get("PASSWORD")}
	if get("TLS") == "1" {
		o.TLS, o.CAFile = host.TLSExplicit, os.Getenv("FTP_CA_CERT")
	}
	return o, nil
}

var traceStart time.Time // -trace: when the program started

// boundFactory is host.DefaultSessionFactory (plain FTP) with control and
// data connections made from the local address ip.
func boundFactory(ip string) host.SessionFactory {
	n := 0
	return func(ctx context.Context, o *host.Options) (host.Session, error) {
		debug := o.Debug
		if debug != nil {
			n++
			id := n
			debug = func(line string) { o.Debug(fmt.Sprintf("[%d] %s", id, line)) }
		}
		return ftpconn.Dial(ctx, ftpconn.Config{
			Addr:      net.JoinHostPort(o.Host, strconv.Itoa(o.Port)),
			User:      o.User,
			Password:  o.Password,
			Timeout:   host.DefaultTimeout,
			UTF8:      true,
			LocalAddr: ip,
			Debug:     debug,
		})
	}
}

// vmHWM is the peak resident set size of this process in KiB.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}
