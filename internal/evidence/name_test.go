package evidence

import (
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{`C:\Users\me\Desktop\report.pdf`, "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{"a\r\nX-Injected: yes.pdf", "aX-Injected: yes.pdf"},
		{"tab\there.csv", "tabhere.csv"},
		{"bad\xffutf8.pdf", "badutf8.pdf"},
		{"invoice\u202efdp.exe", "invoicefdp.exe"},
		{"\ufeffzero\u200bwidth.pdf", "zerowidth.pdf"},
		{"", "evidence"},
		{"/", "evidence"},
		{"..", "evidence"},
		{strings.Repeat("é", 300) + ".pdf", strings.Repeat("é", 200)},
	}
	for _, tt := range tests {
		if got := FileName(tt.in); got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNameFor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, typ, want string }{
		{"report.pdf", typePDF, "report.pdf"},
		{"REPORT.PDF", typePDF, "REPORT.PDF"},
		{"invoicefdp.exe", typePDF, "invoicefdp.exe.pdf"},
		{"photo", typeJPEG, "photo.jpg"},
		{"photo.jpeg", typeJPEG, "photo.jpeg"},
		{"hours.txt", typeCSV, "hours.txt"},
		{"hours.pdf", typeCSV, "hours.pdf"},
		{"page.html", typeCSV, "page.html.csv"},
		{"evidence", "application/unknown", "evidence"},
	} {
		if got := NameFor(tt.name, tt.typ); got != tt.want {
			t.Errorf("NameFor(%q, %s) = %q, want %q", tt.name, tt.typ, got, tt.want)
		}
	}
}
