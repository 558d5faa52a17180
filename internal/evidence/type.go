// Package evidence is the policy for files attached to a return as
// evidence: how large one may be and which types are accepted, decided by
// content, never by name.
package evidence

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
)

// MaxBytes is the most one evidence file may hold: 10 MiB.
const MaxBytes = 10 << 20

// Type decides a file's type from its content, never its name, and returns
// its media type: PDF, PNG, JPEG, XLSX, DOCX or CSV. Anything else (empty,
// markup, macros, text not in UTF-8, other formats) is refused with an
// error whose message is fit to show the person who uploaded it. It is
// TypeOf for a file held in memory. A file whose content is also another
// type is refused too (see single).
func Type(data []byte) (string, error) {
	return TypeOf(bytes.NewReader(data), int64(len(data)))
}

// TypeOf is Type for a file of size bytes read through r (an uploaded file
// spooled to disk): it reads the file in small pieces, so memory does not
// grow with the file.
func TypeOf(r io.ReaderAt, size int64) (string, error) {
	ct, err := sniff(r, size)
	if err != nil {
		return "", err
	}
	if err := single(ct, r, size); err != nil {
		return "", err
	}
	return ct, nil
}

// errWebPage refuses HTML, SVG or XML whatever the file is called: a
// browser would run what it holds.
var errWebPage = errors.New("The file is a web page or drawing (HTML, SVG or XML), whatever its name says: save or print it as a PDF and upload that")

// sniff names the one type the file starts as.
func sniff(r io.ReaderAt, size int64) (string, error) {
	head := make([]byte, min(size, 512))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", errors.New("The file could not be read: choose the file again")
	}
	switch {
	case size == 0:
		return "", errors.New("The file is empty: choose the file again")
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return typePDF, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return typePNG, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return typeJPEG, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return officeType(r, size)
	}
	if startsWithTag(head) {
		return "", errWebPage
	}
	if !strings.HasPrefix(http.DetectContentType(head), "text/plain") {
		return "", errors.New("The file must be a PDF, PNG, JPEG, CSV, XLSX or DOCX, and this one is none of those: save it as one of them and upload that")
	}
	t, err := scanText(r, size)
	if err != nil {
		return "", errors.New("The file could not be read: choose the file again")
	}
	if t.markup {
		return "", errWebPage
	}
	if t.nul {
		return "", errors.New("The file must be a PDF, PNG, JPEG, CSV, XLSX or DOCX, and this one is none of those: save it as one of them and upload that")
	}
	if !t.utf8 {
		// Text in another encoding, such as a CSV saved by older Excel
		// with a £ in it: say how to fix it rather than refuse it blankly.
		return "", errors.New("The CSV file must be saved as UTF-8: in Excel choose Save As, then CSV UTF-8, and upload that")
	}
	return typeCSV, nil
}

// officeType tells an Excel workbook from a Word document by the parts the
// zip holds (its directory, at the end of the file: nothing else is read).
func officeType(r io.ReaderAt, size int64) (string, error) {
	zr, err := zip.NewReader(r, size)
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

// startsWithTag catches HTML, SVG or XML that DetectContentType calls
// text: anything starting with a tag after a byte order mark or spaces,
// which browsers skip too. (scanText finds an active tag anywhere.)
func startsWithTag(head []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))), []byte("<"))
}

// markupTags are the starts of tags that make text a page a browser would
// render or run; no CSV of figures holds them.
var markupTags = [][]byte{
	[]byte("<!doctype"), []byte("<html"), []byte("<head"), []byte("<body"), []byte("<script"), []byte("<svg"),
	[]byte("<iframe"), []byte("<object"), []byte("<embed"), []byte("<meta"), []byte("<?xml"), []byte("<style"),
}
