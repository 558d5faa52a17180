package evidence

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Media types Type returns.
const (
	typePDF  = "application/pdf"
	typePNG  = "image/png"
	typeJPEG = "image/jpeg"
	typeCSV  = "text/csv"
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// headBytes is how far into a file other programs look for a second type:
// PDF readers accept "%PDF-" anywhere in the first 1024 bytes, and old
// browsers sniffed HTML tags in about as much.
const headBytes = 1024

// single refuses a file of type ct whose content is also another type, a
// polyglot: a PDF, image or Office file with HTML tags near its start (a
// browser may render it as a page and run its scripts), any file but a PDF
// with a PDF header near its start (PDF readers open it as a PDF), or a
// PDF or image that is also a readable ZIP archive (one program shows the
// picture, another opens what the archive holds). These are ways to slip
// one file past checks made for the other; a file saved normally by an
// ordinary program is none of them.
func single(ct string, r io.ReaderAt, size int64) error {
	head := make([]byte, min(size, headBytes))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return errors.New("The file could not be read: choose the file again")
	}
	if ct != typePDF && bytes.Contains(head, []byte("%PDF-")) {
		return both(ct, "a PDF")
	}
	if ct == typeCSV {
		// Text with markup is already refused as markup.
		return nil
	}
	lower := bytes.ToLower(head)
	for _, tag := range activeTags {
		if bytes.Contains(lower, tag) {
			return both(ct, "a web page")
		}
	}
	if ct == typePDF || ct == typePNG || ct == typeJPEG {
		if zr, err := zip.NewReader(r, size); err == nil && len(zr.File) > 0 {
			return both(ct, "a ZIP archive")
		}
	}
	return nil
}

// activeTags are the starts of HTML tags that make a browser sniffing
// content treat it as a page. The binary types never hold them as their own
// syntax: PDF dictionaries are "<<", its hex strings "<" and hex digits, and
// the XMP metadata in PDFs and images is "<?xpacket", "<x:xmpmeta",
// "<rdf:…", none of these. Each is five bytes or more, so the compressed
// data in the first KiB matches one by chance in fewer than one file in a
// million.
var activeTags = [][]byte{
	[]byte("<!doctype"), []byte("<html"), []byte("<head"), []byte("<body"), []byte("<script"),
	[]byte("<iframe"), []byte("<object"), []byte("<embed"), []byte("<meta"), []byte("<style"),
}

// both is the refusal of a file that is two types at once.
func both(ct, other string) error {
	name := typeNames[ct]
	return fmt.Errorf("The file is both %s and %s, so it cannot be accepted: save it again as an ordinary %s and upload that", name.a, other, name.short)
}

var typeNames = map[string]struct{ a, short string }{
	typePDF:  {"a PDF", "PDF"},
	typePNG:  {"a PNG image", "PNG"},
	typeJPEG: {"a JPEG image", "JPEG"},
	typeCSV:  {"a CSV file", "CSV"},
	typeXLSX: {"an Excel workbook", "XLSX"},
	typeDOCX: {"a Word document", "DOCX"},
}
