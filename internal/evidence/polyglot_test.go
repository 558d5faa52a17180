package evidence

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// deflated is text compressed as a PDF's FlateDecode stream holds it.
func deflated(t *testing.T, text string) string {
	t.Helper()
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write([]byte(strings.Repeat(text, 40)))
	zw.Close()
	return b.String()
}

// pdfStartingWith is a PDF whose first bytes are head, as a given program
// writes them, followed by a compressed page and a trailer.
func pdfStartingWith(t *testing.T, head string) []byte {
	t.Helper()
	stream := deflated(t, "BT /F1 12 Tf 72 712 Td (Social value return, quarter 1) Tj ET\n")
	return []byte(head + "4 0 obj\n<< /Length " + itoa(len(stream)) + " /Filter /FlateDecode >>\nstream\n" + stream +
		"\nendstream\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n")
}

func itoa(n int) string {
	var b []byte
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// xmp is the metadata packet Adobe programs put in PDFs and images.
const xmp = `<?xpacket begin="` + "\uFEFF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.6-c015 91.163280, 2018/06/22-11:31:03">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Social value report: meta data, heading and body text</rdf:li></rdf:Alt></dc:title>
   <xmp:CreatorTool>Adobe InDesign 19.0 (Windows)</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`

// Real PDFs, as common programs start them, are accepted: binary comment
// lines, CRLF, hex strings, literal strings with angle brackets, and XMP
// metadata in the first KiB.
func TestEvidenceTypeAcceptsRealisticPDFs(t *testing.T) {
	t.Parallel()
	heads := map[string]string{
		"pdfTeX":         "%PDF-1.5\n%\xd0\xd4\xc5\xd8\n",
		"Microsoft Word": "%PDF-1.7\r\n%\xb5\xb5\xb5\xb5\r\n1 0 obj\r\n<</Type/Catalog/Pages 2 0 R/Lang(en-GB) /StructTreeRoot 15 0 R/MarkInfo<</Marked true>>/Metadata 150 0 R/ViewerPreferences 151 0 R>>\r\nendobj\r\n",
		"Chrome (Skia)":  "%PDF-1.4\n%\xd3\xeb\xe9\xe1\n1 0 obj\n<</Title <FEFF00450076006900640065006E00630065>\n/Creator (Mozilla/5.0 \\(X11; Linux x86_64\\) AppleWebKit/537.36 \\(KHTML, like Gecko\\) Chrome/120.0.0.0 Safari/537.36)\n/Producer (Skia/PDF m120)\n/CreationDate (D:20260401093000+00'00')>>\nendobj\n",
		"Adobe InDesign, linearized with XMP first": "%PDF-1.6\r%\xe2\xe3\xcf\xd3\r\n37 0 obj <</Linearized 1/L 123456/O 39/E 45678/N 1/T 123000/H [ 496 172]>>\rendobj\r\n38 0 obj <</Length 1200/Subtype/XML/Type/Metadata>>stream\r\n" + xmp + "\r\nendstream\rendobj\r\n",
		"LibreOffice":                   "%PDF-1.6\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n2 0 obj\n<</Length 3 0 R/Filter/FlateDecode>>\nstream\n" + deflated(t, "q 0.1 0 0 0.1 0 0 cm\n") + "\nendstream\nendobj\n",
		"a title with a less-than sign": "%PDF-1.4\n1 0 obj\n<< /Title (Spend < 10% of budget, >= 2 suppliers) /Producer (Report <v2>) >>\nendobj\n",
	}
	for name, head := range heads {
		if ct, err := Type(pdfStartingWith(t, head)); err != nil || ct != typePDF {
			t.Errorf("%s: Type = %q, %v; want a PDF", name, ct, err)
		}
	}
}

// Images with metadata, and Office files as Office writes them, are
// accepted.
func TestEvidenceTypeAcceptsImagesWithMetadata(t *testing.T) {
	t.Parallel()
	jpegData := rtImage(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	// An APP1 segment holding XMP, right after the start of image marker.
	app1 := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), xmp...)
	seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(app1)+2))
	withXMP := append(append(append([]byte{}, jpegData[:2]...), append(seg, app1...)...), jpegData[2:]...)
	if ct, err := Type(withXMP); err != nil || ct != typeJPEG {
		t.Errorf("JPEG with XMP: %q, %v", ct, err)
	}
	pngData := rtImage(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	withText := pngWithChunk(pngData, "iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00"+xmp)
	if ct, err := Type(withText); err != nil || ct != typePNG {
		t.Errorf("PNG with XMP: %q, %v", ct, err)
	}
}

// pngWithChunk puts a chunk straight after a PNG's header chunk.
func pngWithChunk(pngData []byte, kind, data string) []byte {
	const afterIHDR = 8 + 25
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, kind+data...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE([]byte(kind+data)))
	return append(append(append([]byte{}, pngData[:afterIHDR]...), chunk...), pngData[afterIHDR:]...)
}

// officeWithFirstPart is an XLSX whose first part is stored uncompressed,
// so its bytes sit near the file's start.
func officeWithFirstPart(t *testing.T, name, content string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(content))
	for _, n := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"} {
		w, _ := zw.Create(n)
		w.Write([]byte("<?xml version=\"1.0\"?><x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A file whose content is also a second type is refused, saying which two.
func TestEvidenceTypeRefusesPolyglots(t *testing.T) {
	t.Parallel()
	pdf := pdfStartingWith(t, "%PDF-1.7\n%\xb5\xb5\xb5\xb5\n")
	xlsx := rtZip(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
	jpegData := rtImage(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	pngData := rtImage(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	comment := func(text string) []byte { // a JPEG comment segment after the start marker
		seg := binary.BigEndian.AppendUint16([]byte{0xFF, 0xFE}, uint16(len(text)+2))
		return append(append(append([]byte{}, jpegData[:2]...), append(seg, text...)...), jpegData[2:]...)
	}
	tests := []struct {
		name string
		data []byte
		want string // in the message
	}{
		{"a PDF that is also HTML", []byte("%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n" + string(pdf[9:])), "both a PDF and a web page"},
		{"a PDF with a page in a comment line", []byte("%PDF-1.7\n%<!DOCTYPE html><p>hi</p>\n" + string(pdf[9:])), "both a PDF and a web page"},
		{"a PDF with a script in capitals in its first KiB", []byte("%PDF-1.4\n1 0 obj\n<< /Title (<SCRIPT SRC=//x.example/a.js>) >>\nendobj\n" + string(pdf[9:])), "both a PDF and a web page"},
		{"a PDF with an iframe", []byte("%PDF-1.4\n%<iframe src=\"https://x.example\">\n" + string(pdf[9:])), "a web page"},
		{"a PDF that is also a ZIP", append(append([]byte{}, pdf...), xlsx...), "both a PDF and a ZIP archive"},
		{"a JPEG that is also a ZIP", append(append([]byte{}, jpegData...), rtZip(t, "payload.html")...), "both a JPEG image and a ZIP archive"},
		{"a PNG that is also a ZIP", append(append([]byte{}, pngData...), rtZip(t, "payload.html")...), "both a PNG image and a ZIP archive"},
		{"a JPEG with HTML in a comment", comment("<html><script>alert(1)</script></html>"), "both a JPEG image and a web page"},
		{"a JPEG with a PDF header in a comment", comment("%PDF-1.4\n1 0 obj\n<< >>\nendobj\n"), "both a JPEG image and a PDF"},
		{"a PNG with a script in a text chunk", pngWithChunk(pngData, "tEXt", "Comment\x00<script>alert(1)</script>"), "both a PNG image and a web page"},
		{"an Excel file whose first part is a page", officeWithFirstPart(t, "docProps/page.html", "<html><script>alert(1)</script></html>"), "both an Excel workbook and a web page"},
		{"an Excel file whose first part is a PDF", officeWithFirstPart(t, "docProps/a.pdf", "%PDF-1.4\n%%EOF\n"), "both an Excel workbook and a PDF"},
		{"a CSV with a PDF header", []byte("KPI,Quantity\nNT1,12\n%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), "both a CSV file and a PDF"},
	}
	for _, tt := range tests {
		ct, err := Type(tt.data)
		if err == nil {
			t.Errorf("%s: accepted as %q", tt.name, ct)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "save it again") {
			t.Errorf("%s: message %q, want one saying %q and what to do", tt.name, err, tt.want)
		}
	}

	// Files with a second type in front of the first are refused as what
	// they start as (markup, text or nothing known).
	for name, data := range map[string][]byte{
		"HTML with a PDF inside":            append([]byte("<html><body><script>alert(1)</script><!--\n"), pdf...),
		"text with a PDF inside":            append([]byte("Evidence for Q1\n"), pdf...),
		"an Excel file after an HTML start": append([]byte("<html><script>alert(1)</script></html>\n"), xlsx...),
	} {
		if ct, err := Type(data); err == nil {
			t.Errorf("%s: accepted as %q", name, ct)
		}
	}
}
