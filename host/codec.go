package host

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
)

// codec converts remote path names between the server's encoding and the
// UTF-8 strings of Go and Lua.
type codec struct {
	name string
	enc  encoding.Encoding // nil for UTF-8
}

func newCodec(name string) (codec, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "", "utf-8", "utf8":
		return codec{name: "utf-8"}, nil
	case "latin-1", "latin1":
		n = "iso-8859-1"
	}
	enc, err := ianaindex.IANA.Encoding(n)
	if err != nil || enc == nil {
		return codec{}, fmt.Errorf("unknown encoding %q", name)
	}
	return codec{name: n, enc: enc}, nil
}

// encode turns a UTF-8 path into the server's bytes.
func (c codec) encode(s string) (string, error) {
	if c.enc == nil {
		return s, nil
	}
	out, err := c.enc.NewEncoder().String(s)
	if err != nil {
		return "", fmt.Errorf("path %q cannot be written in %s", s, c.name)
	}
	return out, nil
}

// decode turns the server's bytes into UTF-8. With UTF-8, invalid bytes
// pass through unchanged, so that a name read can be sent back as it was.
func (c codec) decode(s string) string {
	if c.enc == nil {
		return s
	}
	if isASCII(s) {
		return s
	}
	out, err := c.enc.NewDecoder().String(s)
	if err != nil {
		return s
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
