// Package evidence is the policy for files attached to a return as
// evidence: how large one may be and which types are accepted, decided by
// content, never by name.
package evidence

import (
	"archive/zip"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxBytes is the most one evidence file may hold: 10 MiB.
const MaxBytes = 10 << 20

// Type decides a file's type from its content, never its name, and returns
// its media type: PDF, PNG, JPEG, XLSX, DOCX or CSV. Anything else (empty,
// markup, macros, text not in UTF-8, other formats) is refused with an
// error whose message is fit to show the person who uploaded it, and so is
// a file whose content is also another type (see single).
func Type(data []byte) (string, error) {
	ct, err := sniff(data)
	if err != nil {
		return "", err
	}
	if err := single(ct, data); err != nil {
		return "", err
	}
	return ct, nil
}

// sniff names the one type data starts as.
func sniff(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", errors.New("The file is empty: choose the file again")
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return typePDF, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return typePNG, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return typeJPEG, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return officeType(data)
	}
	if !bytes.ContainsRune(data, 0) && strings.HasPrefix(http.DetectContentType(data), "text/plain") && !looksLikeMarkup(data) {
		if !utf8.Valid(data) {
			// Text in another encoding, such as a CSV saved by older Excel
			// with a £ in it: say how to fix it rather than refuse it blankly.
			return "", errors.New("The CSV file must be saved as UTF-8: in Excel choose Save As, then CSV UTF-8, and upload that")
		}
		return typeCSV, nil
	}
	return "", errors.New("The file must be a PDF, PNG, JPEG, CSV, XLSX or DOCX")
}

// officeType tells an Excel workbook from a Word document by the parts the
// zip holds.
func officeType(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", errors.New("The file looks like an Office document but cannot be read: save it again and retry")
	}
	var types, xl, word bool
	for _, f := range zr.File {
		switch {
		case strings.HasSuffix(strings.ToLower(f.Name), "vbaproject.bin"):
			// A macro-enabled workbook or document (.xlsm, .docm) is not
			// evidence, and its macros would run on the verifier's computer.
			return "", errors.New("The file contains macros: save it as an ordinary .xlsx or .docx without macros and upload that")
		case f.Name == "[Content_Types].xml":
			types = true
		case strings.HasPrefix(f.Name, "xl/"):
			xl = true
		case strings.HasPrefix(f.Name, "word/"):
			word = true
		}
	}
	switch {
	case types && xl:
		return typeXLSX, nil
	case types && word:
		return typeDOCX, nil
	}
	return "", errors.New("The file must be a PDF, PNG, JPEG, CSV, XLSX or DOCX")
}

// looksLikeMarkup catches HTML, SVG or XML that DetectContentType calls
// text: anything starting with a tag (after a byte order mark or spaces,
// which browsers skip too), or holding an active tag anywhere.
func looksLikeMarkup(data []byte) bool {
	head := bytes.TrimSpace(bytes.TrimPrefix(data[:min(len(data), 512)], []byte("\xEF\xBB\xBF")))
	if bytes.HasPrefix(head, []byte("<")) {
		return true
	}
	lower := bytes.ToLower(data)
	for _, tag := range markupTags {
		if bytes.Contains(lower, tag) {
			return true
		}
	}
	return false
}

// markupTags are the starts of tags that make text a page a browser would
// render or run; no CSV of figures holds them.
var markupTags = [][]byte{
	[]byte("<!doctype"), []byte("<html"), []byte("<head"), []byte("<body"), []byte("<script"), []byte("<svg"),
	[]byte("<iframe"), []byte("<object"), []byte("<embed"), []byte("<meta"), []byte("<?xml"), []byte("<style"),
}
