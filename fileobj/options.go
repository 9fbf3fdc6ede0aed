package fileobj

import (
	"errors"
	"fmt"
)

// Options are the arguments of ftputil's host.open after the path.
type Options struct {
	// Mode is "r" (the default when empty), "rb", "w", "wb", "a" or "ab";
	// "rt", "wt" and "at" are the text modes spelled out.
	Mode string
	// Encoding is the remote file's encoding in text mode: "" is UTF-8,
	// otherwise any IANA name ("iso-8859-15", "windows-1252", "shift_jis")
	// or a common Python spelling ("latin-1", "latin1", "utf8", "ascii",
	// "cp1252").
	Encoding string
	// Errors says what text mode does with bytes it cannot decode and
	// characters it cannot encode: "" or "strict" fails the read or write
	// (*DecodeError, *EncodeError), "replace" puts U+FFFD on read and "?" on
	// write, "ignore" drops them.
	Errors string
	// Newline is Python's io newline argument. Reading: nil translates
	// "\r\n" and "\r" to "\n"; "" splits lines at any of the three and
	// leaves them as they are; "\n", "\r" and "\r\n" split lines at that
	// terminator only, untranslated. Writing: nil, "" and "\n" write "\n"
	// as it is; "\r" and "\r\n" write each "\n" as that.
	Newline *string
	// Rest is the byte offset to start at (REST before RETR or STOR), in
	// binary read and write modes only.
	Rest int64
}

// Sentinels for the errors Open reports before any network traffic; each
// is wrapped in a *fs.PathError with Op "open", and errors.Is matches them.
// The message of the wrapped error is ftputil's (or Python io's) text.
var (
	// ErrInvalidMode: a mode other than r, rb, rt, w, wb, wt, a, ab, at.
	// Message: "invalid mode 'r+'".
	ErrInvalidMode = errors.New("invalid mode")
	// ErrRestText: Rest given in a text mode. Message: "`rest` argument
	// can't be used for text files" (ftputil's CommandNotImplementedError).
	ErrRestText = errors.New("`rest` argument can't be used for text files")
	// ErrInvalidOption: an unknown encoding or error handler, an illegal
	// newline, a text option in binary mode, Rest in append mode or below 0.
	ErrInvalidOption = errors.New("invalid option")
)

type optionError string

func (e optionError) Error() string        { return string(e) }
func (e optionError) Is(target error) bool { return target == ErrInvalidOption }

type modeError string

func (e modeError) Error() string        { return fmt.Sprintf("invalid mode '%s'", string(e)) }
func (e modeError) Is(target error) bool { return target == ErrInvalidMode }

// spec is validated Options.
type spec struct {
	write, append, text bool
	codec               *codec
	errs                errorMode
	newline             *string
	rest                int64
}

func (o Options) parse() (*spec, error) {
	s := &spec{}
	switch o.Mode {
	case "", "r", "rt":
		s.text = true
	case "rb":
	case "w", "wt":
		s.write, s.text = true, true
	case "wb":
		s.write = true
	case "a", "at":
		s.write, s.append, s.text = true, true, true
	case "ab":
		s.write, s.append = true, true
	default:
		return nil, modeError(o.Mode)
	}
	if o.Rest != 0 {
		switch {
		case s.text:
			return nil, ErrRestText
		case o.Rest < 0:
			return nil, optionError(fmt.Sprintf("negative `rest` argument %d", o.Rest))
		case s.append:
			return nil, optionError("`rest` argument can't be used in append mode")
		}
		s.rest = o.Rest
	}
	if !s.text {
		// Python's open(); ftputil silently ignored these.
		switch {
		case o.Encoding != "":
			return nil, optionError("binary mode doesn't take an encoding argument")
		case o.Errors != "":
			return nil, optionError("binary mode doesn't take an errors argument")
		case o.Newline != nil:
			return nil, optionError("binary mode doesn't take a newline argument")
		}
		return s, nil
	}
	if nl := o.Newline; nl != nil {
		switch *nl {
		case "", "\n", "\r", "\r\n":
		default:
			return nil, optionError(fmt.Sprintf("illegal newline value: %s", *nl))
		}
		s.newline = nl
	}
	var err error
	if s.errs, err = parseErrors(o.Errors); err != nil {
		return nil, err
	}
	if s.codec, err = lookupCodec(o.Encoding); err != nil {
		return nil, err
	}
	return s, nil
}
