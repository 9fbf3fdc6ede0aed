// Package fileobj holds ftplua's remote file objects, ftputil's FTPFile: a
// download (RETR) or upload (STOR, APPE) streaming over a connection of its
// own, in binary mode (bytes) or text mode (any encoding, decoded to and
// encoded from UTF-8, with Python io's newline rules), and the check of the
// transfer's final reply on Close.
//
// It depends only on the small Conn interface it declares, which
// *ftpconn.Conn and host.Session satisfy, and on a release callback, so
// that host can lend it pooled child connections:
//
//	f, err := fileobj.Open(ctx, child, "notes.txt", fileobj.Options{Mode: "r", Encoding: "latin-1"},
//		func(err error) { pool.put(child, err) })
//	if err != nil {
//		return err // *fs.PathError; a 550 is reachable as *textproto.Error
//	}
//	defer f.Close()
//	for {
//		line, err := f.ReadLine() // "first line\n"
//		...
//	}
//
// Memory is fixed per file, whatever the size of the remote file: one
// pooled 256 KiB buffer (in text reads, split between the bytes as they
// come and the decoded text). Only a line read with ReadLine, or a whole
// file read with ReadChars(-1), grows with the data.
//
// Differences from ftputil 5.0.4, on purpose: append modes ("a", "ab") and
// the explicit text modes ("rt", "wt", "at") work; Rest works for writes
// too (REST before STOR; what the server does with it is its own affair);
// every option is checked before anything is sent, so a bad one leaves the
// connection clean; binary modes refuse text options (as Python's open()
// does) instead of ignoring them.
//
// A File is not safe for concurrent use.
package fileobj
