package tally

import (
	"slices"
	"testing"
)

func TestParsePostcode(t *testing.T) {
	tests := []struct {
		in                   string
		want, area, district string
	}{
		{"SK1 3XE", "SK1 3XE", "SK", "SK1"},
		{"sk13xe", "SK1 3XE", "SK", "SK1"},
		{"  Sk1   3xE ", "SK1 3XE", "SK", "SK1"},
		{"M1 1AE", "M1 1AE", "M", "M1"},
		{"M11 4AA", "M11 4AA", "M", "M11"},
		{"WA14 1AB", "WA14 1AB", "WA", "WA14"},
		{"W1A 0AX", "W1A 0AX", "W", "W1A"},
		{"EC1A 1BB", "EC1A 1BB", "EC", "EC1A"},
		{"OL16 1AB", "OL16 1AB", "OL", "OL16"},
		{"BL0 9AA", "BL0 9AA", "BL", "BL0"},
		{"gir 0aa", "GIR 0AA", "GIR", "GIR"},
		{"SW1A\t2AA", "SW1A 2AA", "SW", "SW1A"},
	}
	for _, tt := range tests {
		p, err := ParsePostcode(tt.in)
		if err != nil {
			t.Errorf("ParsePostcode(%q): %v", tt.in, err)
			continue
		}
		if p.String() != tt.want || p.Area() != tt.area || p.District() != tt.district {
			t.Errorf("ParsePostcode(%q) = %q (%q, %q), want %q (%q, %q)",
				tt.in, p, p.Area(), p.District(), tt.want, tt.area, tt.district)
		}
	}
}

func TestParsePostcodeInvalid(t *testing.T) {
	for _, s := range []string{
		"", "   ", "SK1", "3XE", "SK1 3X", "SK1 3XEE", "SK123 3XE", "1SK 3XE",
		"QK1 3XE", // Q never starts a postcode
		"SI1 3XE", // I is never second
		"SK1 3CE", // C is never in the inward code
		"SK1-3XE", "SK1 3XÉ", "GIR 0AB", "M1A1 1AA",
	} {
		if p, err := ParsePostcode(s); err == nil {
			t.Errorf("ParsePostcode(%q) = %q, want an error", s, p)
		}
	}
	if _, err := ParsePostcode(""); err == nil || err.Error() != "Enter a postcode, like SK1 3XE" {
		t.Errorf("ParsePostcode(\"\") error = %v", err)
	}
}

func TestParseLocalArea(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "BL, M, OL", want: []string{"BL", "M", "OL"}},
		{in: "m\nwa3  bl,,M", want: []string{"BL", "M", "WA3"}},
		{in: "WA14;WA15", want: []string{"WA14", "WA15"}},
		{in: "", want: nil},
		{in: " , \n", want: nil},
		{in: "M, SK1 3XE", wantErr: true}, // "3XE" is not an area
		{in: "M1 1AE", wantErr: true},
		{in: "Q", wantErr: true},
		{in: "ABC", wantErr: true},
		{in: "M, Manchester", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseLocalArea(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseLocalArea(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && !slices.Equal(got.Codes(), tt.want) {
			t.Errorf("ParseLocalArea(%q) = %v, want %v", tt.in, got.Codes(), tt.want)
		}
	}
}

// Which postcodes a local area contains is tested against the one rule,
// tally_is_local, in internal/postgres (TestLocalRule).
func TestLocalAreaString(t *testing.T) {
	area, err := ParseLocalArea("M1, BL, WA3")
	if err != nil {
		t.Fatal(err)
	}
	if area.IsZero() || !(LocalArea{}).IsZero() {
		t.Error("IsZero is wrong")
	}
	if got := area.String(); got != "BL, M1, WA3" {
		t.Errorf("String() = %q", got)
	}
}
