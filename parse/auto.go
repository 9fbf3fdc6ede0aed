package parse

import (
	"sync"
	"time"
)

// Auto chooses between the Unix and the MS parser as ftputil does for a host
// whose parser was not set: it starts with Unix; when a listing fails to
// parse with Unix while the choice is still open, it parses that listing
// again with MS and, if that works, uses MS from then on. The first listing
// that parses with at least one entry fixes the choice.
//
// One thing differs from ftputil on purpose: when a listing parses with
// neither parser, ftputil stays on MS for good (after an SELinux "drwxr-xr-x."
// listing, say, every later listing fails). Auto then keeps Unix, leaves the
// choice open and returns the Unix error, so a failed parse never leaves it
// stuck on the wrong parser.
//
// The zero value is ready to use. Now is the clock given to the Unix parser
// (nil means time.Now); set it before first use. An Auto is safe for
// concurrent use; it must not be copied after first use.
type Auto struct {
	Now func() time.Time

	mu    sync.Mutex
	ms    bool // the current parser is MS
	fixed bool
}

var _ Parser = (*Auto)(nil)

// Current returns the parser in use: a Unix or an MS.
func (a *Auto) Current() Parser {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current()
}

func (a *Auto) current() Parser {
	if a.ms {
		return MS{Now: a.Now}
	}
	return Unix{Now: a.Now}
}

// Fixed reports whether the choice is final.
func (a *Auto) Fixed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fixed
}

// Fix makes the current choice final.
func (a *Auto) Fix() {
	a.mu.Lock()
	a.fixed = true
	a.mu.Unlock()
}

// IgnoresLine reports whether line carries no entry; both parsers agree.
func (a *Auto) IgnoresLine(line string) bool { return IgnoresLine(line) }

// ParseListing parses the lines of one LIST reply with the current parser,
// skipping the lines it ignores, and applies the switching rules of Auto.
// It returns one result per entry line, in order, including "." and "..",
// which ftputil's callers drop. On an error no results are returned; the
// error is that of the first line the parser could not read (with Unix's
// error when both parsers fail).
func (a *Auto) ParseListing(lines []string, timeShift float64) ([]StatResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	res, err := parseAll(a.current(), lines, timeShift)
	if err == nil {
		if len(res) > 0 {
			a.fixed = true
		}
		return res, nil
	}
	if a.fixed || a.ms {
		return nil, err
	}
	other, err2 := parseAll(MS{Now: a.Now}, lines, timeShift)
	if err2 != nil {
		return nil, err // stay on Unix, choice still open
	}
	a.ms, a.fixed = true, true
	return other, nil
}

// ParseLine parses a single line with the same rules, a line standing for a
// listing: if the current parser fails and the choice is open, MS is tried
// and, if it reads the line, becomes the fixed choice; a line that either
// parser reads fixes the choice.
func (a *Auto) ParseLine(line string, timeShift float64) (StatResult, error) {
	res, err := a.ParseListing([]string{line}, timeShift)
	if err != nil {
		return StatResult{}, err
	}
	if len(res) == 0 {
		return StatResult{}, &Error{Line: line, Msg: "line carries no entry"}
	}
	return res[0], nil
}

// ParseListing parses every line of a listing with p, skipping the lines p
// ignores; the error is that of the first line p cannot read. With a Unix
// parser the clock is read once for the whole listing, so that all its
// "HH:MM" dates are placed against the same current time.
func ParseListing(p Parser, lines []string, timeShift float64) ([]StatResult, error) {
	return parseAll(p, lines, timeShift)
}

func parseAll(p Parser, lines []string, timeShift float64) ([]StatResult, error) {
	if u, ok := p.(Unix); ok {
		return parseAllUnix(u, lines, timeShift)
	}
	res := make([]StatResult, 0, len(lines))
	for _, line := range lines {
		if p.IgnoresLine(line) {
			continue
		}
		r, err := p.ParseLine(line, timeShift)
		if err != nil {
			return nil, err
		}
		res = append(res, r)
	}
	return res, nil
}

func parseAllUnix(p Unix, lines []string, timeShift float64) ([]StatResult, error) {
	res := make([]StatResult, 0, len(lines))
	cs := clockState{clock: p.Now}
	for _, line := range lines {
		if IgnoresLine(line) {
			continue
		}
		res = res[:len(res)+1] // zero, as make left it: parse needs a zero result
		if err := p.parse(&res[len(res)-1], line, timeShift, &cs); err != nil {
			return nil, lineError(line, err)
		}
	}
	return res, nil
}
