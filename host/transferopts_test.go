package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/faultproxy"
	"github.com/ftplua/ftplua/internal/testservers"
)

// xoData is n bytes that differ at every offset a cut may hit.
func xoData(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31+i/257) ^ seed
	}
	return b
}

// xoLevel is the check each server's FEAT allows: the built-in server
// (ftpserverlib) offers HASH with SHA-256 (and XSHA256 etc.); the real
// servers offer no hash, only SIZE.
func xoLevel(s testservers.Server) string {
	if s.Kind() == "builtin" {
		return "sha256"
	}
	return "size"
}

// xoDisk is where a remote path of a test server lies on this machine.
func xoDisk(s testservers.Server, remote string) string {
	return filepath.Join(s.Root, filepath.FromSlash(remote))
}

// xoWrite writes a file into a server's root that the server may
// change (the servers run as another user).
func xoWrite(t *testing.T, s testservers.Server, remote string, data []byte) {
	t.Helper()
	p := xoDisk(s, remote)
	if err := os.WriteFile(p, data, 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o666)
}

// xoNames lists a remote scratch directory on disk, sorted.
func xoNames(t *testing.T, s testservers.Server, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(xoDisk(s, dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func xoLocalNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func xoExpect(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// Verify levels, results and MinVerify, on every server.
func TestTransferWithVerify(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := xoData(200_000, 1)
		src := filepath.Join(local, "src.bin")
		os.WriteFile(src, data, 0o644)
		level := xoLevel(s)

		var chunks int
		res, err := h.UploadWith(ctx, src, dir+"/up load.bin", TransferOptions{Verify: true,
			Callback: func([]byte) error { chunks++; return nil }})
		if err != nil {
			t.Fatal(err)
		}
		xoExpect(t, "upload result", res, TransferResult{Bytes: 200_000, Verified: level, Transferred: true})
		xoExpect(t, "callbacks", chunks, 4)
		if got, _ := os.ReadFile(xoDisk(s, dir+"/up load.bin")); !bytes.Equal(got, data) {
			t.Error("uploaded file differs")
		}

		dst := filepath.Join(local, "dst.bin")
		res, err = h.DownloadWith(ctx, dir+"/up load.bin", dst, TransferOptions{MinVerify: "size"})
		if err != nil {
			t.Fatal(err)
		}
		xoExpect(t, "download result", res, TransferResult{Bytes: 200_000, Verified: level, Transferred: true})
		if got, _ := os.ReadFile(dst); !bytes.Equal(got, data) {
			t.Error("downloaded file differs")
		}

		// no options: as Upload and Download
		res, err = h.DownloadWith(ctx, dir+"/up load.bin", dst, TransferOptions{})
		xoExpect(t, "plain download", fmt.Sprint(res, err), fmt.Sprint(TransferResult{Bytes: 200_000, Transferred: true}, nil))

		// MinVerify beyond what the server offers: refused before anything
		// is transferred
		for _, min := range []string{"hash", "sha256", "sha512", "md5", "crc32"} {
			_, err = h.UploadWith(ctx, src, dir+"/min.bin", TransferOptions{MinVerify: min})
			if level == "size" {
				if !errors.Is(err, FTPIOError) || !strings.Contains(err.Error(), "offers no "+min+" check, only size") {
					t.Errorf("MinVerify %s: %v", min, err)
				}
				_, err = h.DownloadWith(ctx, dir+"/up load.bin", filepath.Join(local, "min"), TransferOptions{MinVerify: min})
				if !errors.Is(err, FTPIOError) {
					t.Errorf("download MinVerify %s: %v", min, err)
				}
			} else if err != nil {
				t.Errorf("MinVerify %s: %v", min, err)
			}
		}
		if level == "size" {
			xoExpect(t, "remote files", xoNames(t, s, dir), []string{"up load.bin"})
			xoExpect(t, "local files", xoLocalNames(t, local), []string{"dst.bin", "src.bin"})
		}
		if _, err := h.UploadWith(ctx, src, dir+"/x", TransferOptions{MinVerify: "sha3"}); !errors.Is(err, FTPIOError) {
			t.Errorf("unknown MinVerify: %v", err)
		}

		// empty files verify too
		empty := filepath.Join(local, "empty")
		os.WriteFile(empty, nil, 0o644)
		res, err = h.UploadWith(ctx, empty, dir+"/empty", TransferOptions{Verify: true, Atomic: true})
		xoExpect(t, "empty upload", fmt.Sprint(res, err), fmt.Sprint(TransferResult{Verified: level, Transferred: true}, nil))
		res, err = h.DownloadWith(ctx, dir+"/empty", filepath.Join(local, "empty2"), TransferOptions{Verify: true, Resume: true})
		xoExpect(t, "empty download", fmt.Sprint(res, err), fmt.Sprint(TransferResult{Verified: level, Transferred: true}, nil))

		// a missing remote file leaves nothing behind, resumable or not
		for _, resume := range []bool{false, true} {
			_, err = h.DownloadWith(ctx, dir+"/nothing", filepath.Join(local, "nothing"), TransferOptions{Resume: resume, Verify: true})
			var he *Error
			if !errors.As(err, &he) || he.Class != FTPIOError || he.Code != 550 {
				t.Errorf("missing file (resume %v): %v", resume, err)
			}
		}
		xoExpect(t, "local files", xoLocalNames(t, local), []string{"dst.bin", "empty", "empty2", "src.bin"})
	})
}

// The built-in server's hashes: every algorithm it lists is used right,
// through HASH and through the X-commands.
func TestServerHashMethods(t *testing.T) {
	ctx := context.Background()
	s := testservers.Builtin(t, false)
	h := dial(t, options(s))
	dir := testservers.Scratch(t, s)
	local := t.TempDir()
	src := filepath.Join(local, "a b.bin")
	os.WriteFile(src, xoData(100_000, 2), 0o644)
	if err := h.Upload(ctx, src, dir+"/a b.bin", nil); err != nil {
		t.Fatal(err)
	}
	methods := hashMethods(h.Features())
	xoExpect(t, "methods", methods, []hashMethod{{level: "sha256", cmd: "HASH", algo: "SHA-256", dflt: true}, {level: "sha256", cmd: "XSHA256"}})
	for _, m := range []hashMethod{
		{level: "sha1", cmd: "HASH", algo: "SHA-1"}, {level: "md5", cmd: "HASH", algo: "MD5"},
		{level: "crc32", cmd: "HASH", algo: "CRC32"}, {level: "sha512", cmd: "HASH", algo: "SHA-512"},
		{level: "sha256", cmd: "HASH", algo: "SHA-256", dflt: true}, // FEAT's selection is stale: selected again
		{level: "sha256", cmd: "XSHA256"}, {level: "sha512", cmd: "XSHA512"}, {level: "sha1", cmd: "XSHA1"},
		{level: "md5", cmd: "XMD5"}, {level: "crc32", cmd: "XCRC"},
	} {
		level, failed, err := h.verify(ctx, dir+"/a b.bin", src, []hashMethod{m}, "hash")
		if err != nil || failed || level != m.level {
			t.Errorf("%s %s: %q %v %v", m.cmd, m.algo, level, failed, err)
		}
	}
	// FEAT forms
	xoExpect(t, "draft FEAT", hashMethods(map[string]string{"HASH": "SHA-1;SHA-256*;MD5", "XCRC": ""}),
		[]hashMethod{{level: "sha256", cmd: "HASH", algo: "SHA-256", dflt: true}, {level: "crc32", cmd: "XCRC"}})
	xoExpect(t, "X only", hashMethods(map[string]string{"XMD5": "", "XSHA": "", "SIZE": ""}), []hashMethod{{level: "sha1", cmd: "XSHA"}})
	xoExpect(t, "none", len(hashMethods(map[string]string{"MLST": "type*;size*;", "SIZE": ""})), 0)
	// replies
	for _, c := range []struct {
		msg, wire string
		m         hashMethod
		want      string
	}{
		{"SHA-256 0-49 AbC0" + strings.Repeat("0", 60) + " /d/f", "/d/f", hashMethod{level: "sha256", cmd: "HASH", algo: "SHA-256"}, "abc0" + strings.Repeat("0", 60)},
		{"Computing\nSHA-256 0-49 " + strings.Repeat("1", 64) + " /d/other", "/d/f", hashMethod{level: "sha256", cmd: "HASH", algo: "SHA-256"}, ""},
		{"MD5 0-49 " + strings.Repeat("1", 32) + " /d/f", "/d/f", hashMethod{level: "sha256", cmd: "HASH", algo: "SHA-256"}, ""},
		{"Computing CRC32 digest\n1b2c3", "/d/f", hashMethod{level: "crc32", cmd: "XCRC"}, "1b2c3"},
		{"xyz", "/d/f", hashMethod{level: "md5", cmd: "XMD5"}, ""},
	} {
		got, _, _ := parseHashReply(c.msg, c.m, c.wire)
		xoExpect(t, "parseHashReply "+c.msg, got, c.want)
	}
}

// plainServers runs fn for every server without TLS, with a fault proxy
// in front of it.
func plainServers(t *testing.T, fn func(t *testing.T, s testservers.Server, p *faultproxy.Proxy, o Options)) {
	for _, s := range testservers.All(t) {
		if s.TLS {
			continue // a proxy cannot see data connections through TLS
		}
		t.Run(s.Name, func(t *testing.T) {
			p, err := faultproxy.Start(s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			o := options(s)
			o.Host, o.Port = p.Host(), p.Port()
			// pyftpdlib sends no reply at all after an upload whose data
			// connection was reset: the client waits for its timeout
			o.Timeout = 4 * time.Second
			fn(t, s, p, o)
		})
	}
}

// A download cut in the middle fails; with Resume it keeps the partial
// file, and the same call continues it to a byte-identical file.
func TestDownloadResumeAfterCut(t *testing.T) {
	ctx := context.Background()
	plainServers(t, func(t *testing.T, s testservers.Server, p *faultproxy.Proxy, o Options) {
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		data := xoData(3_000_000, 3)
		xoWrite(t, s, dir+"/big.bin", data)
		local := t.TempDir()
		dst := filepath.Join(local, "big.bin")

		p.CutData(1_000_000, faultproxy.ToClient)
		_, err := h.DownloadWith(ctx, dir+"/big.bin", dst, TransferOptions{})
		if !errors.Is(err, FTPIOError) {
			t.Fatalf("cut download: %v", err)
		}
		xoExpect(t, "local files after a cut plain download", xoLocalNames(t, local), []string(nil))

		res, err := h.DownloadWith(ctx, dir+"/big.bin", dst, TransferOptions{Resume: true})
		if !errors.Is(err, FTPIOError) {
			t.Fatalf("cut resumable download: %v", err)
		}
		xoExpect(t, "local files after a cut", xoLocalNames(t, local), []string{"big.bin.ftplua-part"})
		fi, _ := os.Stat(PartName(dst))
		if fi.Size() == 0 || fi.Size() > 1_000_000 || fi.Size() != res.Bytes {
			t.Fatalf("partial file of %d bytes, result %+v", fi.Size(), res)
		}
		have := fi.Size()

		p.Clear()
		var got int64
		res, err = h.DownloadWith(ctx, dir+"/big.bin", dst, TransferOptions{Resume: true, Verify: true,
			Callback: func(c []byte) error { got += int64(len(c)); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		xoExpect(t, "resumed", res, TransferResult{Bytes: 3_000_000 - have, ResumedFrom: have, Verified: xoLevel(s), Transferred: true})
		xoExpect(t, "callback bytes", got, 3_000_000-have)
		if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
			t.Error("the resumed download differs")
		}
		xoExpect(t, "local files", xoLocalNames(t, local), []string{"big.bin"})

		// a graceful cut (the server may think it sent everything): the
		// size check of a resumable download catches it
		p.Set(faultproxy.Data, faultproxy.ToClient, faultproxy.Fault{After: 500_000, Cut: true, Graceful: true})
		dst2 := filepath.Join(local, "again.bin")
		if _, err := h.DownloadWith(ctx, dir+"/big.bin", dst2, TransferOptions{Resume: true}); !errors.Is(err, FTPIOError) {
			t.Fatalf("gracefully cut download: %v", err)
		}
		p.Clear()
		res, err = h.DownloadWith(ctx, dir+"/big.bin", dst2, TransferOptions{Resume: true})
		if err != nil || res.ResumedFrom == 0 {
			t.Fatalf("resuming after a graceful cut: %+v %v", res, err)
		}
		if b, _ := os.ReadFile(dst2); !bytes.Equal(b, data) {
			t.Error("the download resumed after a graceful cut differs")
		}
	})
}

// An upload cut in the middle fails; with Resume the remote partial file
// stays, and the same call continues it (REST+STOR). The cut is a
// graceful one, which every server takes for the end of the upload, so
// that the partial file holds exactly the bytes that passed; after a
// reset servers keep what they had read (pyftpdlib often nothing, and it
// sends no reply).
func TestUploadResumeAfterCut(t *testing.T) {
	ctx := context.Background()
	plainServers(t, func(t *testing.T, s testservers.Server, p *faultproxy.Proxy, o Options) {
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := xoData(3_000_000, 4)
		src := filepath.Join(local, "big.bin")
		os.WriteFile(src, data, 0o644)

		for _, atomic := range []bool{false, true} {
			remote := dir + "/plain.bin"
			partial := remote
			if atomic {
				remote = dir + "/atomic.bin"
				partial = RemotePartName(remote)
				xoWrite(t, s, remote, []byte("old"))
			}
			p.Set(faultproxy.Data, faultproxy.ToServer, faultproxy.Fault{After: 1_000_000, Cut: true, Graceful: true})
			res, err := h.UploadWith(ctx, src, remote, TransferOptions{Resume: true, Atomic: atomic})
			if !errors.Is(err, FTPIOError) {
				t.Fatalf("cut upload (atomic %v): %+v %v", atomic, res, err)
			}
			p.Clear()
			fi, err := os.Stat(xoDisk(s, partial))
			if err != nil || fi.Size() != 1_000_000 {
				t.Fatalf("remote partial file after the cut (atomic %v): %v %v", atomic, fi, err)
			}
			if atomic {
				if b, _ := os.ReadFile(xoDisk(s, remote)); string(b) != "old" {
					t.Errorf("the target changed during a cut atomic upload: %d bytes", len(b))
				}
			}
			have := fi.Size()
			res, err = h.UploadWith(ctx, src, remote, TransferOptions{Resume: true, Atomic: atomic, Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			xoExpect(t, fmt.Sprintf("resumed (atomic %v)", atomic), res,
				TransferResult{Bytes: 3_000_000 - have, ResumedFrom: have, Verified: xoLevel(s), Transferred: true})
			if b, _ := os.ReadFile(xoDisk(s, remote)); !bytes.Equal(b, data) {
				t.Errorf("the resumed upload differs (atomic %v): %d bytes", atomic, len(b))
			}
		}
		xoExpect(t, "remote files", xoNames(t, s, dir), []string{"atomic.bin", "plain.bin"})

		// complete already: nothing sent
		res, err := h.UploadWith(ctx, src, dir+"/plain.bin", TransferOptions{Resume: true})
		xoExpect(t, "complete", fmt.Sprint(res, err), fmt.Sprint(TransferResult{ResumedFrom: 3_000_000}, nil))
	})
}

// An atomic upload cut in the middle leaves the old target intact and no
// temporary file behind; a plain one removes its partial target as Upload
// does.
func TestAtomicUploadCut(t *testing.T) {
	ctx := context.Background()
	plainServers(t, func(t *testing.T, s testservers.Server, p *faultproxy.Proxy, o Options) {
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := xoData(3_000_000, 5)
		src := filepath.Join(local, "new.bin")
		os.WriteFile(src, data, 0o644)
		xoWrite(t, s, dir+"/target.bin", []byte("old content\n"))

		p.CutData(1_000_000, faultproxy.ToServer)
		if _, err := h.UploadWith(ctx, src, dir+"/target.bin", TransferOptions{Atomic: true, Verify: true}); !errors.Is(err, FTPIOError) {
			t.Fatalf("cut atomic upload: %v", err)
		}
		_, err := h.UploadWith(ctx, src, dir+"/plain.bin", TransferOptions{})
		if err == nil && s.Kind() == "pyftpdlib" {
			// pyftpdlib answers 226 to an upload whose data connection was
			// reset; a client whose data was all in the socket buffers by
			// then sees no error. Only a check (Verify, or the size check
			// of Atomic and Resume) can tell.
			if fi, err := os.Stat(xoDisk(s, dir+"/plain.bin")); err != nil || fi.Size() >= 3_000_000 {
				t.Errorf("pyftpdlib kept %v %v", fi, err)
			}
			os.Remove(xoDisk(s, dir+"/plain.bin"))
		} else if !errors.Is(err, FTPIOError) {
			t.Fatalf("cut plain upload: %v", err)
		}
		p.Clear()
		xoExpect(t, "remote files after the cuts", xoNames(t, s, dir), []string{"target.bin"})
		if b, _ := os.ReadFile(xoDisk(s, dir+"/target.bin")); string(b) != "old content\n" {
			t.Errorf("target after a cut atomic upload: %q", b)
		}
		if p.Stats().Cut != 2 {
			t.Errorf("proxy stats %+v", p.Stats())
		}

		// a temporary file left by a lost connection is overwritten
		xoWrite(t, s, RemotePartName(dir+"/target.bin"), []byte("leftover"))
		res, err := h.UploadWith(ctx, src, dir+"/target.bin", TransferOptions{Atomic: true})
		xoExpect(t, "atomic upload", fmt.Sprint(res, err), fmt.Sprint(TransferResult{Bytes: 3_000_000, Transferred: true}, nil))
		if b, _ := os.ReadFile(xoDisk(s, dir+"/target.bin")); !bytes.Equal(b, data) {
			t.Error("target after the atomic upload differs")
		}
		xoExpect(t, "remote files", xoNames(t, s, dir), []string{"target.bin"})
	})
}

// A failed check discards the copy: the download leaves nothing, the
// upload removes what it wrote (with Atomic: the old target stays).
func TestVerifyMismatch(t *testing.T) {
	ctx := context.Background()
	plainServers(t, func(t *testing.T, s testservers.Server, p *faultproxy.Proxy, o Options) {
		h := dial(t, o)
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := xoData(100_000, 6)
		src := filepath.Join(local, "src.bin")
		os.WriteFile(src, data, 0o644)
		xoWrite(t, s, dir+"/f.bin", data)
		xoWrite(t, s, dir+"/target.bin", []byte("old"))
		if s.Kind() == "builtin" {
			p.ReplaceReplyTo("HASH", "213 SHA-256 0-100000 "+strings.Repeat("0", 64))
		} else {
			p.ReplaceReplyTo("SIZE", "213 99999")
		}
		for _, resume := range []bool{false, true} {
			dst := filepath.Join(local, "dst.bin")
			res, err := h.DownloadWith(ctx, dir+"/f.bin", dst, TransferOptions{Verify: true, Resume: resume})
			if !errors.Is(err, FTPIOError) || !strings.Contains(err.Error(), "verify failed") || res.Verified != xoLevel(s) {
				t.Errorf("download (resume %v): %+v %v", resume, res, err)
			}
			xoExpect(t, "local files", xoLocalNames(t, local), []string{"src.bin"})
		}
		_, err := h.UploadWith(ctx, src, dir+"/up.bin", TransferOptions{Verify: true})
		if !errors.Is(err, FTPIOError) || !strings.Contains(err.Error(), "verify failed") {
			t.Errorf("upload: %v", err)
		}
		_, err = h.UploadWith(ctx, src, dir+"/target.bin", TransferOptions{Verify: true, Atomic: true})
		if !errors.Is(err, FTPIOError) || !strings.Contains(err.Error(), "verify failed") {
			t.Errorf("atomic upload: %v", err)
		}
		p.Clear()
		xoExpect(t, "remote files", xoNames(t, s, dir), []string{"f.bin", "target.bin"})
		if b, _ := os.ReadFile(xoDisk(s, dir+"/target.bin")); string(b) != "old" {
			t.Errorf("target after a failed atomic upload: %q", b)
		}
	})
}

// Resume's decisions on every server: a partial file that does not match
// is started over, a larger one too, a complete one is only renamed.
func TestResumeDecisions(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := xoData(300_000, 7)
		xoWrite(t, s, dir+"/f.bin", data)
		dst := filepath.Join(local, "f.bin")
		part := PartName(dst)
		for _, c := range []struct {
			name string
			part []byte
			from int64
		}{
			{"matching", data[:100_000], 100_000},
			{"short matching", data[:10], 10},
			{"other content", xoData(100_000, 99), 0},
			{"larger", append(append([]byte{}, data...), 'x'), 0},
			{"complete", data, 300_000},
		} {
			os.WriteFile(part, c.part, 0o600)
			res, err := h.DownloadWith(ctx, dir+"/f.bin", dst, TransferOptions{Resume: true})
			xoExpect(t, "download with a "+c.name+" part", fmt.Sprint(res, err),
				fmt.Sprint(TransferResult{Bytes: 300_000 - c.from, ResumedFrom: c.from, Transferred: true}, nil))
			if b, _ := os.ReadFile(dst); !bytes.Equal(b, data) {
				t.Errorf("download with a %s part differs", c.name)
			}
			if _, err := os.Stat(part); err == nil {
				t.Errorf("the part is left after a download with a %s part", c.name)
			}
		}

		src := filepath.Join(local, "src.bin")
		os.WriteFile(src, data, 0o644)
		for _, c := range []struct {
			name   string
			remote []byte
			from   int64
		}{
			{"matching", data[:123_456], 123_456},
			{"other content", xoData(100_000, 98), 0},
			{"larger", append(append([]byte{}, data...), 'x'), 0},
			{"empty", nil, 0},
		} {
			for _, atomic := range []bool{false, true} {
				remote := dir + "/up.bin"
				onDisk := remote
				if atomic {
					onDisk = RemotePartName(remote)
				}
				xoWrite(t, s, onDisk, c.remote)
				res, err := h.UploadWith(ctx, src, remote, TransferOptions{Resume: true, Atomic: atomic, Verify: true})
				xoExpect(t, fmt.Sprintf("upload to a %s file (atomic %v)", c.name, atomic), fmt.Sprint(res, err),
					fmt.Sprint(TransferResult{Bytes: 300_000 - c.from, ResumedFrom: c.from, Verified: xoLevel(s), Transferred: true}, nil))
				if b, _ := os.ReadFile(xoDisk(s, remote)); !bytes.Equal(b, data) {
					t.Errorf("upload to a %s file (atomic %v) differs", c.name, atomic)
				}
			}
		}
		xoExpect(t, "remote files", xoNames(t, s, dir), []string{"f.bin", "up.bin"})
		// an atomic partial file that is complete is only renamed
		xoWrite(t, s, RemotePartName(dir+"/up2.bin"), data)
		res, err := h.UploadWith(ctx, src, dir+"/up2.bin", TransferOptions{Resume: true, Atomic: true})
		xoExpect(t, "complete atomic part", fmt.Sprint(res, err), fmt.Sprint(TransferResult{ResumedFrom: 300_000, Transferred: true}, nil))
		xoExpect(t, "remote files", xoNames(t, s, dir), []string{"f.bin", "up.bin", "up2.bin"})
	})
}

// xoSession is an embedder's session that behaves like servers we do not
// have: one that refuses REST before STOR, one that refuses to rename
// over an existing file, one whose MDTM times are off.
type xoSession struct {
	Session
	mu         sync.Mutex
	refuseRest bool
	refuseStor bool
	refuseRNTO func(name string) bool // refuse RNTO to an existing name
	mdtmShift  map[string]int         // file name -> seconds added to MDTM replies
	noMDTM     bool
	commands   []string
}

func (x *xoSession) Cmd(ctx context.Context, line string) (int, string, error) {
	x.mu.Lock()
	x.commands = append(x.commands, line)
	x.mu.Unlock()
	verb, arg, _ := strings.Cut(line, " ")
	switch verb {
	case "RNTO":
		if x.refuseRNTO != nil && x.refuseRNTO(arg) {
			// end the server's RNFR/RNTO exchange with a failure too
			x.Session.Cmd(ctx, "RNTO /no-such-dir-xo/"+arg)
			return 553, "Rename over an existing file refused (xoSession)", nil
		}
	case "MDTM":
		code, msg, err := x.Session.Cmd(ctx, line)
		if d, ok := x.mdtmShift[arg]; ok && code == 213 {
			t, _ := time.Parse("20060102150405", strings.TrimSpace(msg))
			msg = t.Add(time.Duration(d) * time.Second).Format("20060102150405")
		}
		return code, msg, err
	}
	return x.Session.Cmd(ctx, line)
}

func (x *xoSession) Transfer(ctx context.Context, cmd string, offset int64) (io.ReadWriteCloser, error) {
	x.mu.Lock()
	x.commands = append(x.commands, fmt.Sprintf("%s @%d", cmd, offset))
	x.mu.Unlock()
	if x.refuseStor && strings.HasPrefix(cmd, "STOR ") {
		return nil, &textproto.Error{Code: 553, Msg: "Could not create file (xoSession)"}
	}
	if x.refuseRest && offset > 0 && strings.HasPrefix(cmd, "STOR ") {
		return nil, &textproto.Error{Code: 554, Msg: "REST: invalid argument (xoSession)"}
	}
	return x.Session.Transfer(ctx, cmd, offset)
}

func (x *xoSession) Features() map[string]string {
	f := x.Session.Features()
	if !x.noMDTM {
		return f
	}
	g := map[string]string{}
	for k, v := range f {
		if k != "MDTM" {
			g[k] = v
		}
	}
	return g
}

func xoDial(t *testing.T, s testservers.Server, set func(x *xoSession)) (*Host, *[]*xoSession) {
	t.Helper()
	var mu sync.Mutex
	var sessions []*xoSession
	o := options(s)
	o.SessionFactory = func(ctx context.Context, o *Options) (Session, error) {
		inner, err := DefaultSessionFactory(ctx, o)
		if err != nil {
			return nil, err
		}
		x := &xoSession{Session: inner}
		set(x)
		mu.Lock()
		sessions = append(sessions, x)
		mu.Unlock()
		return x, nil
	}
	return dial(t, o), &sessions
}

func xoCommands(sessions []*xoSession) string {
	var all []string
	for _, x := range sessions {
		all = append(all, x.commands...)
	}
	return strings.Join(all, "\n")
}

// Where REST before STOR is refused, a resumed upload appends (APPE).
func TestResumeUploadWithAPPE(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h, sessions := xoDial(t, s, func(x *xoSession) { x.refuseRest = true })
		dir := testservers.Scratch(t, s)
		local := t.TempDir()
		data := xoData(300_000, 8)
		src := filepath.Join(local, "src.bin")
		os.WriteFile(src, data, 0o644)
		xoWrite(t, s, dir+"/f.bin", data[:200_000])
		res, err := h.UploadWith(ctx, src, dir+"/f.bin", TransferOptions{Resume: true, Verify: true})
		xoExpect(t, "result", fmt.Sprint(res, err), fmt.Sprint(TransferResult{Bytes: 100_000, ResumedFrom: 200_000, Verified: xoLevel(s), Transferred: true}, nil))
		if b, _ := os.ReadFile(xoDisk(s, dir+"/f.bin")); !bytes.Equal(b, data) {
			t.Error("the appended upload differs")
		}
		if c := xoCommands(*sessions); !strings.Contains(c, "STOR f.bin @200000") || !strings.Contains(c, "APPE f.bin @0") {
			t.Errorf("commands:\n%s", c)
		}
	})
}

// A refused upload changes nothing: the existing target stays.
func TestRefusedUploadKeepsTarget(t *testing.T) {
	ctx := context.Background()
	s := testservers.Builtin(t, false)
	h, _ := xoDial(t, s, func(x *xoSession) { x.refuseStor = true })
	dir := testservers.Scratch(t, s)
	src := filepath.Join(t.TempDir(), "src")
	os.WriteFile(src, []byte("new"), 0o644)
	xoWrite(t, s, dir+"/t.txt", []byte("old"))
	for _, o := range []TransferOptions{{}, {Atomic: true}, {Resume: true}, {Verify: true}} {
		_, err := h.UploadWith(ctx, src, dir+"/t.txt", o)
		var he *Error
		if !errors.As(err, &he) || he.Code != 553 {
			t.Errorf("%+v: %v", o, err)
		}
		if b, _ := os.ReadFile(xoDisk(s, dir+"/t.txt")); string(b) != "old" {
			t.Errorf("%+v: target %q", o, b)
		}
	}
	xoExpect(t, "remote files", xoNames(t, s, dir), []string{"t.txt"})
}

// Every server renames over an existing file; one that refuses gets the
// target deleted first (the documented fallback).
func TestAtomicRenameOverExisting(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		for _, refuse := range []bool{false, true} {
			dir := testservers.Scratch(t, s)
			h, sessions := xoDial(t, s, func(x *xoSession) {
				if refuse {
					x.refuseRNTO = func(name string) bool {
						_, err := os.Stat(xoDisk(s, dir+"/"+name))
						return err == nil
					}
				}
			})
			local := t.TempDir()
			src := filepath.Join(local, "src.bin")
			os.WriteFile(src, []byte("new content\n"), 0o644)
			xoWrite(t, s, dir+"/t.txt", []byte("old\n"))
			res, err := h.UploadWith(ctx, src, dir+"/t.txt", TransferOptions{Atomic: true})
			xoExpect(t, "result", fmt.Sprint(res, err), fmt.Sprint(TransferResult{Bytes: 12, Transferred: true}, nil))
			if b, _ := os.ReadFile(xoDisk(s, dir+"/t.txt")); string(b) != "new content\n" {
				t.Errorf("target %q", b)
			}
			xoExpect(t, "remote files", xoNames(t, s, dir), []string{"t.txt"})
			c := xoCommands(*sessions)
			if strings.Contains(c, "DELE") != refuse || strings.Count(c, "RNTO") != 1+boolToInt(refuse) {
				t.Errorf("refuse %v: commands\n%s", refuse, c)
			}
		}
	})
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// InferTimeShift on every server: 0 (all list in UTC here), whatever
// shift is set; nothing suitable or no MDTM gives a reason.
func TestInferTimeShift(t *testing.T) {
	ctx := context.Background()
	testservers.Each(t, func(t *testing.T, s testservers.Server) {
		h := dial(t, options(s))
		dir := testservers.Scratch(t, s)
		shift, ok, reason, err := h.InferTimeShiftIn(ctx, dir)
		if err != nil || ok || !strings.Contains(reason, "no file in "+dir) {
			t.Errorf("empty dir: %v %v %q %v", shift, ok, reason, err)
		}
		xoWrite(t, s, dir+"/old.txt", []byte("old"))
		old := time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)
		os.Chtimes(xoDisk(s, dir+"/old.txt"), old, old)
		os.Mkdir(xoDisk(s, dir+"/subdir"), 0o755)
		if _, ok, reason, _ := h.InferTimeShiftIn(ctx, dir); ok {
			t.Errorf("only an old file and a dir: ok (%q)", reason)
		}
		for _, name := range []string{"a.txt", "b c.txt", "20200101000000 x"} {
			xoWrite(t, s, dir+"/"+name, []byte(name))
		}
		before := append([]string(nil), xoNames(t, s, dir)...)
		for _, set := range []float64{0, 3600, -7200} {
			if err := h.SetTimeShift(set); err != nil {
				t.Fatal(err)
			}
			if err := h.Chdir(ctx, dir); err != nil {
				t.Fatal(err)
			}
			shift, ok, reason, err = h.InferTimeShift(ctx)
			if err != nil || !ok || shift != 0 {
				t.Errorf("with shift %v set: %v %v %q %v", set, shift, ok, reason, err)
			}
			if h.TimeShift() != set {
				t.Errorf("InferTimeShift changed the shift to %v", h.TimeShift())
			}
		}
		xoExpect(t, "files", xoNames(t, s, dir), before)
	})
}

// InferTimeShift with MDTM times off by a shift, by different shifts, by
// nonsense, and without MDTM.
func TestInferTimeShiftCases(t *testing.T) {
	ctx := context.Background()
	s := testservers.Builtin(t, false)
	dir := testservers.Scratch(t, s)
	for _, name := range []string{"a", "b", "c"} {
		xoWrite(t, s, dir+"/"+name, []byte(name))
	}
	for _, c := range []struct {
		name   string
		set    func(x *xoSession)
		shift  float64
		ok     bool
		reason string
	}{
		{"server 2 h ahead", func(x *xoSession) { x.mdtmShift = map[string]int{"a": -7200, "b": -7200, "c": -7200} }, 7200, true, ""},
		{"server 9.5 h behind", func(x *xoSession) { x.mdtmShift = map[string]int{"a": 34200, "b": 34200, "c": 34200} }, -34200, true, ""},
		{"disagreeing", func(x *xoSession) { x.mdtmShift = map[string]int{"a": 3600} }, 0, false, "disagree"},
		{"no shift", func(x *xoSession) { x.mdtmShift = map[string]int{"b": 1400} }, 0, false, "no time shift"},
		{"shift within tolerance", func(x *xoSession) { x.mdtmShift = map[string]int{"a": -3600 - 250, "b": -3600 + 200, "c": -3600} }, 3600, true, ""},
		{"no MDTM", func(x *xoSession) { x.noMDTM = true }, 0, false, "does not offer MDTM"},
	} {
		h, _ := xoDial(t, s, c.set)
		shift, ok, reason, err := h.InferTimeShiftIn(ctx, dir)
		if err != nil || ok != c.ok || shift != c.shift || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: %v %v %q %v", c.name, shift, ok, reason, err)
		}
	}
	h := dial(t, options(s))
	if _, _, _, err := h.InferTimeShiftIn(ctx, dir+"/missing"); !errors.Is(err, PermanentError) {
		t.Errorf("missing dir: %v", err)
	}
	h.Close()
	if _, _, _, err := h.InferTimeShift(ctx); !errors.Is(err, FTPOSError) {
		t.Errorf("closed host: %v", err)
	}
}

func TestPartNames(t *testing.T) {
	xoExpect(t, "PartName", PartName("/tmp/x.bin"), "/tmp/x.bin.ftplua-part")
	xoExpect(t, "RemotePartName", RemotePartName("/a/b c.txt"), "/a/.b c.txt.ftplua-part")
	xoExpect(t, "RemotePartName", RemotePartName("x"), ".x.ftplua-part")
	xoExpect(t, "mdtmSetsTime", strconv.FormatBool(mdtmSetsTime("20200101000000 x")), "true")
	xoExpect(t, "mdtmSetsTime", strconv.FormatBool(mdtmSetsTime("20200101000000")), "false")
}
