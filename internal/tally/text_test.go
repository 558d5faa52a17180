package tally

import "testing"

func TestFormatChars(t *testing.T) {
	for _, s := range []string{
		"invoice\u202Efdp.exe", // right-to-left override
		"Local\u200Bjobs",      // zero-width space
		"\uFEFFReference",      // byte order mark
		"a\u2066b\u2069",       // isolates
		"co\u00ADoperative",    // soft hyphen
		"flag\U000E0067",       // tag
	} {
		if !HasFormatChar(s) {
			t.Errorf("%q: no format character found", s)
		}
		if got := WithoutFormatChars(s); HasFormatChar(got) {
			t.Errorf("%q without format characters is %q", s, got)
		}
	}
	for _, s := range []string{"", "Plain text", "Café – naïve “quotes” £1,000", "Línea\nsiguiente\tcon tab", "日本語", "عربي"} {
		if HasFormatChar(s) {
			t.Errorf("%q: a format character found in ordinary text", s)
		}
	}
	if got := WithoutFormatChars("invoice\u202Efdp.exe"); got != "invoicefdp.exe" {
		t.Errorf("got %q", got)
	}
}
