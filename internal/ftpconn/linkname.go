package ftpconn

import (
	_ "unsafe" // for go:linkname

	"github.com/jlaffaye/ftp"
)

// jlaffaye/ftp v0.2.4 exports no way to send an arbitrary command or to read
// the final reply of a data transfer that it did not open. Both exist as
// unexported methods of *ftp.ServerConn; we link to them by name. If a
// later version renames them or changes their signatures, the program fails
// to link ("relocation target ... not defined"), and TestLinkedInternals
// fails on a changed behaviour: nothing breaks silently.

// rawCmd is (*ftp.ServerConn).cmd: it writes one command line and reads the
// reply. expected -1 accepts any code. It refuses a line holding CR or LF
// (ftp.ErrInvalidCommand) before sending; Conn.Cmd refuses it first, with
// its own ErrInvalidCommand.
//
//go:linkname rawCmd github.com/jlaffaye/ftp.(*ServerConn).cmd
func rawCmd(c *ftp.ServerConn, expected int, format string, args ...interface{}) (int, string, error)

// readFinal is (*ftp.ServerConn).checkDataShut: it reads one reply, which
// it expects to be 226. Another code comes back as *textproto.Error after
// the reply was consumed, so the control stream stays in step.
//
//go:linkname readFinal github.com/jlaffaye/ftp.(*ServerConn).checkDataShut
func readFinal(c *ftp.ServerConn) error
