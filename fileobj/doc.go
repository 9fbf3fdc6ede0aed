// Package fileobj will hold ftplua's remote file objects (ftputil's
// FTPFile): streaming reads and writes over a child connection of their
// own, text and binary modes, and the final-reply check on close.
//
// It depends only on the small connection interface it declares, which
// host.Session satisfies, so that host can hand it child sessions.
package fileobj
