// Package parse parses FTP directory listings: Unix "ls -l" lines, MS-DOS/IIS
// "DIR" lines and RFC 3659 MLSD/MLST fact lines, into ftputil-compatible stat
// results.
//
// The parsers are pure: the current time (for year inference) comes from an
// injectable clock, and nothing reads the network. A line that cannot be
// parsed gives a *Error; no input makes a parser panic.
//
// Unix and MS give, field by field, what ftputil 5.0.4's UnixParser and
// MSParser give, with the same error messages, except where this package
// differs on purpose:
//   - mode strings with an ACL, SELinux or extended-attribute mark
//     ("drwxr-xr-x+", "-rw-r--r--.", "-rw-r--r--@") parse;
//   - s/S, t/T (and Solaris' l) mean what ls means: set-id or sticky with
//     or without the execute bit;
//   - "Feb 29 HH:MM" parses in any year (the latest Feb 29 not in the
//     future);
//   - a malformed link count, size, "HH:MM:SS" time or MS date is a *Error,
//     never another error;
//   - extensions for lines ftputil rejects: "L" and the other mode strings of
//     Go's io/fs.FileMode.String (ftpserverlib), device numbers
//     ("1, 3") in the size column of b/c lines, sizes beyond int64 (clamped);
//   - a line holding a NUL byte or a line feed is rejected.
//
// Fields are separated as Python's str.split() separates them in a str
// decoded from UTF-8 (ASCII and Unicode white space); numbers are ASCII
// digits with an optional sign (Python's int() also takes other Unicode
// digits and underscores). Error messages that quote a value with Python's
// repr() assume UTF-8 text, as ftplua's default path encoding is UTF-8.
// Results hold substrings of the line, not copies, and parsing a line does
// not allocate.
package parse

import "errors"

// Mtime precisions, in seconds, as ftputil's MINUTE_PRECISION and DAY_PRECISION.
const (
	MinutePrecision = 60
	DayPrecision    = 86400
	SecondPrecision = 1
)

// Field is a bit set naming the fields of a StatResult that hold a value.
// ftputil reports a missing value as None; here its bit is clear.
type Field uint32

const (
	HasMode Field = 1 << iota
	HasIno
	HasDev
	HasNlink
	HasUID
	HasGID
	HasSize
	HasAtime
	HasMtime
	HasCtime
	HasTarget
	HasPrecision
	HasType   // Type holds an MLSD "type" fact
	HasPerm   // Perm holds an MLSD "perm" fact
	HasUnique // Unique holds an MLSD "unique" fact
)

// StatResult mirrors ftputil.stat.StatResult: the ten os.stat values plus
// the entry's name, its link target and the precision of its mtime.
type StatResult struct {
	Mode  uint32 // st_mode: file type bits (S_IFDIR, ...) and permissions
	Ino   uint64
	Dev   uint64
	Nlink int64
	UID   string // owner as the server shows it ("1001", "ftp")
	GID   string
	Size  int64
	Atime float64 // seconds since the epoch, UTC
	Mtime float64 // seconds since the epoch, UTC, corrected by the time shift
	Ctime float64

	Name           string  // ftputil's _st_name
	Target         string  // ftputil's _st_target (valid when Valid&HasTarget)
	MtimePrecision float64 // seconds (valid when Valid&HasPrecision)

	// MLSD/MLST facts (RFC 3659 section 7); the LIST parsers leave them unset.
	Type   string // "file", "dir", "cdir", "pdir" (lower-cased), else the value as sent, e.g. "OS.unix=symlink"
	Perm   string // the "perm" fact, e.g. "adfrw"
	Unique string // the "unique" fact

	Valid Field // which of the fields above hold a value
}

// Parser turns one line of a directory listing into a stat result.
// Built-in parsers, an embedder's Go parser and a parser written in Lua all
// satisfy it.
type Parser interface {
	// ParseLine parses one listing line. timeShift is the server time minus
	// UTC, in seconds (ftputil's time shift); it is subtracted from times.
	// A line it cannot read gives an error wrapping ErrParse.
	ParseLine(line string, timeShift float64) (StatResult, error)
	// IgnoresLine reports whether a line carries no entry (blank lines,
	// "total N").
	IgnoresLine(line string) bool
}

// ErrParse is wrapped by every error a parser returns for a line it cannot read.
var ErrParse = errors.New("parse: unsupported listing line")

// Error is the error a parser returns for a line it cannot read.
type Error struct {
	Line string // the listing line
	Msg  string // what is wrong, in ftputil's words where ftputil has some
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return ErrParse }
