package fileobj

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ftplua/ftplua/internal/testservers"
)

// Benchmarks move benchSize bytes per operation through the built-in
// server and, when its environment is set, vsftpd (plain):
//
//	set -a; . /tmp/ftplua-servers/state/ftpservers.env; set +a
//	go test -run '^$' -bench . -benchtime 10x ./fileobj/

const benchSize = 64 << 20

func benchServers(b *testing.B) []testservers.Server {
	servers := []testservers.Server{testservers.Builtin(b, false)}
	host, port := os.Getenv("FTP_VSFTPD_HOST"), os.Getenv("FTP_VSFTPD_PORT")
	if p, err := strconv.Atoi(port); err == nil && host != "" {
		servers = append(servers, testservers.Server{Name: "vsftpd", Host: host, Port: p,
			User: os.Getenv("FTP_VSFTPD_USER"), Password: os.Getenv("FTP_VSFTPD_PASSWORD"),
			Root: os.Getenv("FTP_VSFTPD_ROOT")})
	}
	return servers
}

func BenchmarkReadBinary(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), benchSize/16)
	for _, s := range benchServers(b) {
		dir := testservers.Scratch(b, s)
		if err := os.WriteFile(filepath.Join(s.Root, dir, "bench.bin"), data, 0o644); err != nil {
			b.Fatal(err)
		}
		c := dialIn(b, s, dir)
		for _, how := range []string{"WriteTo", "Read32K"} {
			b.Run(s.Name+"/"+how, func(b *testing.B) {
				b.SetBytes(benchSize)
				buf := make([]byte, 32<<10)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					f, err := Open(context.Background(), c, "bench.bin", Options{Mode: "rb"}, nil)
					if err != nil {
						b.Fatal(err)
					}
					var n int64
					if how == "WriteTo" {
						n, err = io.Copy(io.Discard, f) // uses f.WriteTo
					} else {
						n, err = io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{f}, buf)
					}
					if err != nil || n != benchSize {
						b.Fatalf("%d bytes, %v", n, err)
					}
					if err := f.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkWriteBinary(b *testing.B) {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<20/16)
	for _, s := range benchServers(b) {
		dir := testservers.Scratch(b, s)
		c := dialIn(b, s, dir)
		for _, how := range []string{"ReadFrom", "Write1M"} {
			b.Run(s.Name+"/"+how, func(b *testing.B) {
				b.SetBytes(benchSize)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					f, err := Open(context.Background(), c, "bench.bin", Options{Mode: "wb"}, nil)
					if err != nil {
						b.Fatal(err)
					}
					if how == "ReadFrom" {
						_, err = io.Copy(f, &genReader{pattern: chunk, left: benchSize}) // uses f.ReadFrom
					} else {
						for n := 0; n < benchSize && err == nil; n += len(chunk) {
							_, err = f.Write(chunk)
						}
					}
					if err != nil {
						b.Fatal(err)
					}
					if err := f.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// The text layer alone, over an in-memory connection.
func BenchmarkTextRead(b *testing.B) {
	pattern := []byte("Grüße, wörld\r\nline two\rthree and a longer line of plain ASCII text\n")
	for _, o := range []Options{{}, {Encoding: "latin-1"}, {Encoding: "cp1252"}} {
		for _, how := range []string{"WriteTo", "ReadLine"} {
			b.Run(o.Encoding+"/"+how, func(b *testing.B) {
				b.SetBytes(16 << 20)
				for i := 0; i < b.N; i++ {
					f := openFake(b, &fakeConn{src: &genReader{pattern: pattern, left: 16 << 20}}, "f", o)
					if how == "WriteTo" {
						f.WriteTo(io.Discard)
					} else {
						for {
							if _, err := f.ReadLine(); err != nil {
								break
							}
						}
					}
					f.Close()
				}
			})
		}
	}
}

func BenchmarkTextWrite(b *testing.B) {
	pattern := []byte("Grüße, wörld\nline two\nthree and a longer line of plain ASCII text\n")
	for _, o := range []Options{{Mode: "w"}, {Mode: "w", Newline: strp("\r\n")}, {Mode: "w", Encoding: "latin-1"}, {Mode: "w", Encoding: "cp1252"}} {
		b.Run(o.Encoding+"/nl="+nlName(o.Newline), func(b *testing.B) {
			b.SetBytes(16 << 20)
			for i := 0; i < b.N; i++ {
				f := openFake(b, &fakeConn{discard: true}, "f", o)
				f.ReadFrom(&genReader{pattern: pattern, left: 16 << 20})
				f.Close()
			}
		})
	}
}
