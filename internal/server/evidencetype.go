package server

import (
	"archive/zip"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxEvidenceBytes is the most one evidence file may hold: 10 MiB.
const maxEvidenceBytes = 10 << 20

// evidenceType decides a file's type from its content, never its name:
// PDF, PNG, JPEG, XLSX, DOCX or CSV. Anything else is refused with a
// message fit to show.
func evidenceType(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", errors.New("The file is empty: choose the file again")
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf", nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return officeType(data)
	}
	if utf8.Valid(data) && !bytes.ContainsRune(data, 0) && strings.HasPrefix(http.DetectContentType(data), "text/plain") &&
		!looksLikeMarkup(data) {
		return "text/csv", nil
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
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", nil
	case types && word:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", nil
	}
	return "", errors.New("The file must be a PDF, PNG, JPEG, CSV, XLSX or DOCX")
}

// looksLikeMarkup catches HTML or XML that DetectContentType calls text.
func looksLikeMarkup(data []byte) bool {
	head := strings.ToLower(string(bytes.TrimSpace(data[:min(len(data), 512)])))
	return strings.HasPrefix(head, "<")
}
