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

// extensions are the file name endings each accepted type may have; the
// first is added to a name that has none of them.
var extensions = map[string][]string{
	typePDF:  {".pdf"},
	typePNG:  {".png"},
	typeJPEG: {".jpg", ".jpeg"},
	typeCSV:  {".csv", ".txt"},
	typeXLSX: {".xlsx"},
	typeDOCX: {".docx"},
}

// NameFor is name (from FileName), given the ending of contentType when
// it ends as no accepted file does: a PDF named "invoice.exe" is kept as
// "invoice.exe.pdf", so whoever downloads it never opens it as a program.
// A name with another accepted ending is kept as typed (a CSV saved as
// ".txt", or as ".pdf" by mistake, is harmless and the uploader knows it
// by that name).
func NameFor(name, contentType string) string {
	exts := extensions[contentType]
	if len(exts) == 0 {
		return name
	}
	lower := strings.ToLower(name)
	for _, all := range extensions {
		for _, e := range all {
			if strings.HasSuffix(lower, e) {
				return name
			}
		}
	}
	return name + exts[0]
}
