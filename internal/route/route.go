// Package route builds Tally's URLs from the patterns its router serves,
// as miniflux's routePath does: one way to write a link, checked against
// the routes by the server's tests. It imports nothing of Tally's, so the
// server and the pages (web/) can both use it.
package route

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Path fills the {parameters} of pattern, a chi route pattern such as
// "/o/{org}/tenders/{tender}/publish", with args in order. A string is
// path-escaped (a slash in it cannot reach another route); int64 and int
// are written in decimal. Queries and fragments are the caller's to add
// (see WithQuery).
//
// Path panics when the number or the types of args do not match the
// pattern: that is a programming error, which any test of the page finds.
func Path(pattern string, args ...any) string {
	var b strings.Builder
	rest, n := pattern, 0
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			panic("route: unclosed parameter in " + pattern)
		}
		if n >= len(args) {
			panic(fmt.Sprintf("route: %s needs more than %d arguments", pattern, len(args)))
		}
		b.WriteString(rest[:open])
		switch v := args[n].(type) {
		case string:
			b.WriteString(url.PathEscape(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case int:
			b.WriteString(strconv.Itoa(v))
		default:
			panic(fmt.Sprintf("route: %s: argument %d is a %T, not a string or an integer", pattern, n+1, v))
		}
		rest, n = rest[open+end+1:], n+1
	}
	if n != len(args) {
		panic(fmt.Sprintf("route: %s takes %d arguments, not %d", pattern, n, len(args)))
	}
	b.WriteString(rest)
	return b.String()
}

// WithQuery is path with q as its query string (sorted by key, as
// url.Values encodes), or path alone when q is empty.
func WithQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
