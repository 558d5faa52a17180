package server

import (
	"mime"
	"strings"
)

// attachment is a Content-Disposition header for a download named name,
// with the name safely encoded: quotes, CR and LF cannot escape it.
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' || r == ';' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType("attachment", map[string]string{"filename": ascii})
	if full := mime.FormatMediaType("attachment", map[string]string{"filename*": name}); full != "" && ascii != name {
		// RFC 5987 filename* for names beyond ASCII.
		v += "; " + strings.TrimPrefix(full, "attachment; ")
	}
	if v == "" {
		return `attachment; filename="download"`
	}
	return v
}
