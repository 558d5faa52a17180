package evidence

import (
	"archive/zip"
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// rtZip builds a zip holding the named parts, each with a little content.
func rtZip(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<?xml version=\"1.0\"?><x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func rtImage(t *testing.T, encode func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestEvidenceTypeIsDecidedByContent(t *testing.T) {
	t.Parallel()
	const (
		xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	)
	pngData := rtImage(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	jpegData := rtImage(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	accepted := []struct {
		name string
		data []byte
		want string
	}{
		{"PDF", []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"), "application/pdf"},
		{"PNG", pngData, "image/png"},
		{"JPEG", jpegData, "image/jpeg"},
		{"CSV", []byte("KPI,Quantity\nNT1,12\nNT2,3.5\n"), "text/csv"},
		{"CSV with a UTF-8 byte order mark, as Excel saves it", []byte("\xEF\xBB\xBFKPI,Quantity\nNT1,£12\n"), "text/csv"},
		{"CSV with one line", []byte("12"), "text/csv"},
		{"XLSX", rtZip(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml"), xlsx},
		{"DOCX", rtZip(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), docx},
	}
	for _, tt := range accepted {
		got, err := Type(tt.data)
		if err != nil || got != tt.want {
			t.Errorf("%s: Type = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}

	refused := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"empty but not nil", []byte{}},
		{"HTML", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")},
		{"HTML in lower case after blank lines", []byte("\n\n  <html><script>alert(document.cookie)</script>")},
		{"HTML after a byte order mark", []byte("\xEF\xBB\xBF<html><script>alert(1)</script></html>")},
		{"HTML after a line of text", []byte("Evidence for Q1\n<script>alert(1)</script>\n")},
		{"an HTML fragment", []byte("<p>hello</p>")},
		{"XML", []byte("<?xml version=\"1.0\"?>\n<root><a>1</a></root>")},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>`)},
		{"SVG after a byte order mark", []byte("\xEF\xBB\xBF<svg xmlns=\"http://www.w3.org/2000/svg\"/>")},
		{"EXE", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 64)...)},
		{"ELF", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04")},
		{"a zip that is not an Office document", rtZip(t, "readme.txt", "data/numbers.csv")},
		{"a zip with parts but no content types", rtZip(t, "xl/workbook.xml")},
		{"a macro-enabled workbook", rtZip(t, "[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin")},
		{"a macro-enabled document", rtZip(t, "[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")},
		{"a broken zip", []byte("PK\x03\x04 this is not really a zip")},
		{"invalid UTF-8 text", []byte("KPI,Quantity\nNT1,\xa312\n")},
		{"invalid UTF-8 HTML", []byte("\xa3<script>alert(1)</script>")},
		{"text with a NUL", []byte("KPI,Quantity\x00\nNT1,12\n")},
		{"UTF-16 text", []byte("\xff\xfeK\x00P\x00I\x00")},
	}
	for _, tt := range refused {
		got, err := Type(tt.data)
		if err == nil {
			t.Errorf("%s: Type = %q, want it refused", tt.name, got)
			continue
		}
		if msg := err.Error(); msg == "" || strings.Contains(msg, "zip:") || strings.Contains(msg, "%!") {
			t.Errorf("%s: message %q is not fit to show", tt.name, msg)
		}
	}
	// Text in another encoding is told how to fix it.
	if _, err := Type([]byte("KPI,Spend\nNT1,\xa3120\n")); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("a Windows-1252 CSV: %v, want a message about UTF-8", err)
	}
}

// The name plays no part: a PDF is a PDF whatever it is called, and HTML is
// refused however it is named (the handler never passes the name).
func TestEvidenceTypeIgnoresTheName(t *testing.T) {
	t.Parallel()
	if ct, err := Type([]byte("<html><body>x</body></html>")); err == nil {
		t.Errorf("HTML accepted as %q", ct)
	}
}
