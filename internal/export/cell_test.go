package export

import (
	"strings"
	"testing"
)

// TestNeutralise: a cell a spreadsheet would run gets a "'"; plain numbers,
// negative ones too, and ordinary text are left alone.
func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+2", "'=1+2"},
		{"+44 1234 567890", "'+44 1234 567890"},
		{"-", "'-"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=x", "''=x"}, // one more quote, so that Unquote gives back '=x
		{"''+x", "'''+x"},
		{"12", "12"},
		{"-12.5", "-12.5"},
		{"0.25", "0.25"},
		{"-0123", "'-0123"}, // not a plain number: a code with a leading zero
		{"-1e5", "'-1e5"},
		{"-Inf", "'-Inf"},
		{"", ""},
		{"'", "'"},
		{"'x", "'x"},
		{"plain", "plain"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestUnquote: whatever Neutralise writes, Unquote reads back as it was,
// and what it writes is never a formula.
func TestUnquote(t *testing.T) {
	for _, s := range []string{"", "=1+2", "+1", "-", "-5", "@x", "\tx", "'", "'=x", "''+x", "'x", "plain", "=", "''", "'-5"} {
		n := Neutralise(s)
		if _, num := number(strings.TrimPrefix(n, "-")); risky(n) && !strings.HasPrefix(n, "'") && !num {
			t.Errorf("Neutralise(%q) = %q, still a formula", s, n)
		}
		if got := Unquote(n); got != s {
			t.Errorf("Unquote(Neutralise(%q)) = %q", s, got)
		}
	}
}

func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"=1", "'=1", "-5", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Neutralise(s)
		if _, num := number(strings.TrimPrefix(n, "-")); risky(n) && !strings.HasPrefix(n, "'") && !num {
			t.Errorf("Neutralise(%q) = %q, a formula", s, n)
		}
		if got := Unquote(n); got != s {
			t.Errorf("Unquote(Neutralise(%q)) = %q", s, got)
		}
	})
}

func TestSheetName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"evaluation-SPS/2026:14", "evaluation-SPS-2026-14"},
		{"'quoted'", "quoted"},
		{"''", "Sheet1"},
		{"", "Sheet1"},
		{strings.Repeat("x", 40), strings.Repeat("x", 31)},
		{"a[b]*?\\c\n", "a-b----c-"},
	}
	for _, tt := range tests {
		if got := sheetName(tt.in); got != tt.want {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
