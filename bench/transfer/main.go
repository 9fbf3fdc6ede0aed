// Command transfer moves one file through ftplua's host package, once, and
// reports the time it took and the peak memory of the whole process. It is
// one case of bench/transfer.sh, which runs every case in a process of its
// own, side by side with curl, rclone, lftp and ftputil.
//
//	transfer -server vsftpd -mode download-open -remote bench/big.bin -local /tmp/out.bin
//
// Modes:
//
//	download-open  h.Open(remote, "rb"), io.Copy(localFile, f), f.Close()
//	download       h.Download(remote, local, nil)
//	upload-open    h.Open(remote, "wb"), io.Copy(f, localFile), f.Close()
//	upload         h.Upload(local, remote, nil)
//
// -buffered hides the local *os.File behind a plain io.Writer or io.Reader
// in the -open modes, so the data goes through the File's buffer instead
// of splice/sendfile (what TLS connections and other writers get).
//
// The server comes from the environment of spec/servers/start.sh
// (FTP_<NAME>_HOST, _PORT, _USER, _PASSWORD, _TLS, FTP_CA_CERT). The output
// is one line of key=value pairs: mode, server, bytes, seconds (from just
// before connecting to just after the transfer's final reply), mib_s, and
// vmhwm_kib (VmHWM of /proc/self/status at the end: the peak resident set
// of the process).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/ftplua/ftplua/host"
)

func main() {
	server := flag.String("server", "vsftpd", "server name of the environment (vsftpd, proftpd, vsftpd-tls, ...)")
	mode := flag.String("mode", "download-open", "download-open, download, upload-open or upload")
	remote := flag.String("remote", "", "remote path")
	local := flag.String("local", "", "local path")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.BoolVar(&buffered, "buffered", false, "-open modes: copy through the File's buffer (no splice/sendfile)")
	flag.Parse()
	if err := run(*server, *mode, *remote, *local, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "transfer:", err)
		os.Exit(1)
	}
}

var buffered bool

func run(server, mode, remote, local, cpuprofile string) error {
	if remote == "" || local == "" {
		return fmt.Errorf("-remote and -local are required")
	}
	o, err := options(server)
	if err != nil {
		return err
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
	h, err := host.Dial(ctx, o)
	if err != nil {
		return err
	}
	defer h.Close()
	var n int64
	switch mode {
	case "download-open":
		n, err = downloadOpen(ctx, h, remote, local)
	case "download":
		if err = h.Download(ctx, remote, local, nil); err == nil {
			n, err = size(local)
		}
	case "upload-open":
		n, err = uploadOpen(ctx, h, local, remote)
	case "upload":
		if err = h.Upload(ctx, local, remote, nil); err == nil {
			n, err = size(local)
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if buffered {
		mode += "-buffered"
	}
	fmt.Printf("mode=%s server=%s bytes=%d seconds=%.3f mib_s=%.0f vmhwm_kib=%d\n",
		mode, server, n, secs, float64(n)/(1<<20)/secs, vmHWM())
	return nil
}

func downloadOpen(ctx context.Context, h *host.Host, remote, local string) (int64, error) {
	f, err := h.Open(ctx, remote, host.FileOptions{Mode: "rb"})
	if err != nil {
		return 0, err
	}
	out, err := os.Create(local)
	if err != nil {
		f.Close()
		return 0, err
	}
	var w io.Writer = out
	if buffered {
		w = struct{ io.Writer }{out}
	}
	n, err := io.Copy(w, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func uploadOpen(ctx context.Context, h *host.Host, local, remote string) (int64, error) {
	in, err := os.Open(local)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	f, err := h.Open(ctx, remote, host.FileOptions{Mode: "wb"})
	if err != nil {
		return 0, err
	}
	var r io.Reader = in
	if buffered {
		r = struct{ io.Reader }{in}
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func size(p string) (int64, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
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
