package ftpconn

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// A server without EPSV (it answers 500): the first transfer falls back
// to PASV, and later ones go straight to PASV. The address in the PASV
// reply is ignored in favour of the control connection's peer.
func TestEPSVFallsBackToPASV(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var seen []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
		say("220 fake")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			seen = append(seen, line)
			verb, _, _ := strings.Cut(line, " ")
			switch verb {
			case "USER":
				say("331 pw")
			case "PASS":
				say("230 in")
			case "FEAT":
				say("211-f\r\n UTF8\r\n211 end")
			case "TYPE", "OPTS":
				say("200 ok")
			case "EPSV":
				say("500 EPSV not understood")
			case "PASV":
				dl, _ := net.Listen("tcp", "127.0.0.1:0")
				p := dl.Addr().(*net.TCPAddr).Port
				// a bogus address: the client must use 127.0.0.1 anyway
				say(fmt.Sprintf("227 Entering Passive Mode (10,9,8,7,%d,%d).", p>>8, p&255))
				line, _ = r.ReadString('\n')
				seen = append(seen, strings.TrimRight(line, "\r\n"))
				dl.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
				dc, err := dl.Accept()
				dl.Close()
				if err != nil {
					return
				}
				say("150 here")
				io.WriteString(dc, "-rw-r--r-- 1 u g 3 Jan 01 2020 a\r\n")
				dc.Close()
				say("226 done")
			case "QUIT":
				say("221 bye")
				return
			default:
				say("502 no")
			}
		}
	}()
	c, err := Dial(context.Background(), Config{Addr: ln.Addr().String(), User: "u", Password: "p", Timeout: 5 * time.Second, UTF8: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		d, err := c.Transfer(context.Background(), "LIST", 0)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(d)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(string(b), " a\r\n") {
			t.Errorf("listing %q", b)
		}
	}
	c.Close()
	<-done
	want := "USER u|PASS p|FEAT|TYPE I|OPTS UTF8 ON|EPSV|PASV|LIST|PASV|LIST|QUIT"
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("commands %q\nwant     %q", got, want)
	}
}
