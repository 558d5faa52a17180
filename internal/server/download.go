package server

import (
	"fmt"
	"strings"
)

// attachment is a Content-Disposition header for a download named name.
// The plain filename is ASCII with anything awkward (quotes, backslashes,
// separators, control characters) replaced, so nothing can escape the
// header; a name beyond that also goes in filename* (RFC 5987), which
// browsers prefer, percent-encoded.
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' || r == ';' || r == '%' {
			return '_'
		}
		return r
	}, name)
	if strings.TrimSpace(strings.Trim(ascii, "_.")) == "" {
		ascii = "download"
	}
	v := `attachment; filename="` + ascii + `"`
	if name != "" && ascii != name && !strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		v += "; filename*=UTF-8''" + percentEncode(name)
	}
	return v
}

// percentEncode encodes every byte outside RFC 5987's attr-char set.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
