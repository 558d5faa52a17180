package server

import (
	"mime"
	"strings"
	"testing"
)

func TestAttachmentHeader(t *testing.T) {
	for _, tc := range []struct {
		name, wantPlain, wantFull string
	}{
		{"report.csv", "report.csv", ""},
		{"Café £ report.pdf", "Caf_ _ report.pdf", "Café £ report.pdf"},
		{`a"b;c\d.pdf`, "a_b_c_d.pdf", `a"b;c\d.pdf`},
		{"evil\r\nX-Injected: 1.pdf", "evil__X-Injected: 1.pdf", ""},
		{"", "download", ""},
		{"../..", "download", "../.."},
	} {
		h := attachment(tc.name)
		if strings.ContainsAny(h, "\r\n") {
			t.Fatalf("%q: header %q has a line break", tc.name, h)
		}
		disp, params, err := mime.ParseMediaType(h)
		if err != nil || disp != "attachment" {
			t.Fatalf("%q: %q does not parse: %v", tc.name, h, err)
		}
		// mime.ParseMediaType decodes filename* into "filename" when present.
		want := tc.wantPlain
		if tc.wantFull != "" {
			want = tc.wantFull
		}
		if params["filename"] != want {
			t.Errorf("%q: filename %q, want %q (header %q)", tc.name, params["filename"], want, h)
		}
	}
}
