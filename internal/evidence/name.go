package evidence

import (
	"path/filepath"
	"strings"

	"github.com/tally-sv/tally/internal/tally"
)

// FileName is the name an uploaded evidence file is kept under, for
// display only: the base name of what the browser sent (with either kind of
// slash), without control characters, invisible format characters (a
// right-to-left override could make "fdp.exe" read as "exe.pdf") or
// invalid UTF-8, at most 200
// characters, and "evidence" when nothing is left.
func FileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, tally.WithoutFormatChars(strings.ToValidUTF8(name, "")))
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" || name == "." || name == ".." || name == "/" {
		name = "evidence"
	}
	return name
}
