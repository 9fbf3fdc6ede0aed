package host

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/ftplua/ftplua/internal/ftpconn"
	"github.com/ftplua/ftplua/parse"
)

// Class is one class of ftputil 5.0.4's error hierarchy. A Class is itself
// an error, so that errors.Is(err, host.PermanentError) asks whether err is
// of that class or a subclass:
//
//	FTPError
//	  InternalError
//	    RootDirError, InaccessibleLoginDirError, TimeShiftError, ParserError,
//	    CacheMissError, NoEncodingError, KeepAliveError
//	  FTPOSError
//	    TemporaryError                 (4xx)
//	    PermanentError                 (5xx)
//	      CommandNotImplementedError   (502)
//	      RecursiveLinksError, SyncError
//	  FTPIOError                       (failures of remote file objects)
type Class string

const (
	FTPError                   Class = "FTPError"
	InternalError              Class = "InternalError"
	RootDirError               Class = "RootDirError"
	InaccessibleLoginDirError  Class = "InaccessibleLoginDirError"
	TimeShiftError             Class = "TimeShiftError"
	ParserError                Class = "ParserError"
	CacheMissError             Class = "CacheMissError"
	NoEncodingError            Class = "NoEncodingError"
	KeepAliveError             Class = "KeepAliveError"
	FTPOSError                 Class = "FTPOSError"
	TemporaryError             Class = "TemporaryError"
	PermanentError             Class = "PermanentError"
	CommandNotImplementedError Class = "CommandNotImplementedError"
	RecursiveLinksError        Class = "RecursiveLinksError"
	SyncError                  Class = "SyncError"
	FTPIOError                 Class = "FTPIOError"
)

var parents = map[Class]Class{
	InternalError:              FTPError,
	RootDirError:               InternalError,
	InaccessibleLoginDirError:  InternalError,
	TimeShiftError:             InternalError,
	ParserError:                InternalError,
	CacheMissError:             InternalError,
	NoEncodingError:            InternalError,
	KeepAliveError:             InternalError,
	FTPOSError:                 FTPError,
	TemporaryError:             FTPOSError,
	PermanentError:             FTPOSError,
	CommandNotImplementedError: PermanentError,
	RecursiveLinksError:        PermanentError,
	SyncError:                  PermanentError,
	FTPIOError:                 FTPError,
}

// Classes lists every class, root first.
func Classes() []Class {
	return []Class{FTPError, InternalError, RootDirError, InaccessibleLoginDirError,
		TimeShiftError, ParserError, CacheMissError, NoEncodingError, KeepAliveError,
		FTPOSError, TemporaryError, PermanentError, CommandNotImplementedError,
		RecursiveLinksError, SyncError, FTPIOError}
}

// Parent returns the class c derives from, or "" for FTPError.
func (c Class) Parent() Class { return parents[c] }

// IsA reports whether c is other or derives from it. The pseudo-class
// "OSError" matches FTPOSError and FTPIOError and their subclasses, as
// Python's "except OSError" catches both.
func (c Class) IsA(other Class) bool {
	if other == "OSError" {
		return c.IsA(FTPOSError) || c.IsA(FTPIOError)
	}
	for k := c; k != ""; k = parents[k] {
		if k == other {
			return true
		}
	}
	return false
}

// Known reports whether c names a class of the hierarchy.
func (c Class) Known() bool { return c == FTPError || parents[c] != "" }

func (c Class) Error() string { return string(c) }

// Error is every failure a Host reports. It keeps the reply code, the
// server's text and the command (with the password masked).
type Error struct {
	Class   Class
	Code    int    // FTP reply code; 0 where there is none
	Message string // reply text with its code ("550 No such file"), or the cause
	Command string // the FTP command, password masked; "" where none
	Path    string // the remote path involved, if any
	Err     error  // the underlying error, if any
}

// Error reads "PermanentError: 550 Failed to change directory. (path: /x)";
// the path is added where the message does not name it already.
func (e *Error) Error() string {
	s := string(e.Class) + ": " + e.Message
	if e.Path != "" && !strings.Contains(e.Message, e.Path) {
		s += " (path: " + e.Path + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, host.PermanentError) true for that class and its
// subclasses.
func (e *Error) Is(target error) bool {
	if c, ok := target.(Class); ok {
		return e.Class.IsA(c)
	}
	return false
}

// newError makes an Error of a class with a message of ftputil's own (no
// server reply).
func newError(class Class, path, format string, args ...any) *Error {
	return &Error{Class: class, Path: path, Message: fmt.Sprintf(format, args...)}
}

// replyError makes an Error from a server reply, choosing the class as
// ftputil does: 4xx Temporary, 502 CommandNotImplemented, other 5xx
// Permanent, anything else plain FTPOSError.
func replyError(code int, msg, command, path string) *Error {
	class := FTPOSError
	switch {
	case code == 502:
		class = CommandNotImplementedError
	case code >= 400 && code < 500:
		class = TemporaryError
	case code >= 500 && code < 600:
		class = PermanentError
	}
	return &Error{Class: class, Code: code, Message: strconv.Itoa(code) + " " + msg,
		Command: ftpconn.MaskCommand(command), Path: path,
		Err: &textproto.Error{Code: code, Msg: msg}}
}

// withPath names path in an *Error that names none (a connection that
// failed before the command for path was sent).
func withPath(err error, path string) error {
	if e, ok := err.(*Error); ok && e.Path == "" && path != "" {
		c := *e
		c.Path = path
		return &c
	}
	return err
}

// wrapError turns any error from a session into an *Error. Replies keep
// their code; transport failures (refused, reset, timeout, TLS) become
// FTPOSError without a code.
func wrapError(err error, command, path string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) {
		return replyError(tpErr.Code, tpErr.Msg, command, path)
	}
	var pErr *parse.Error
	if errors.As(err, &pErr) {
		return &Error{Class: ParserError, Message: pErr.Msg, Path: path, Err: err}
	}
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "timed out: " + msg
	}
	return &Error{Class: FTPOSError, Message: msg, Command: ftpconn.MaskCommand(command), Path: path, Err: err}
}
