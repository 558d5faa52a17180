package tally

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParsePostcode checks that parsing never panics, that an accepted postcode
// is in standard form and parses to itself, and that its area and district are
// consistent with it.
func FuzzParsePostcode(f *testing.F) {
	for _, s := range []string{"SK1 3XE", "sk13xe", "GIR 0AA", "EC1A 1BB", "W1A 0AX", "M11 4AA", "QK1 3XE", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePostcode(s)
		if err != nil {
			return
		}
		str := p.String()
		if str != strings.ToUpper(str) || strings.Count(str, " ") != 1 || len(str) < 6 || len(str) > 8 {
			t.Fatalf("ParsePostcode(%q) = %q, not in standard form", s, str)
		}
		again, err := ParsePostcode(str)
		if err != nil || again != p {
			t.Fatalf("ParsePostcode(%q) = %q; reparsing gave %q, %v", s, str, again, err)
		}
		if !strings.HasPrefix(str, p.District()+" ") || !strings.HasPrefix(p.District(), p.Area()) || p.Area() == "" {
			t.Fatalf("ParsePostcode(%q) = %q with area %q and district %q", s, str, p.Area(), p.District())
		}
		if p.District() == "GIR" {
			return // Girobank's special postcode is in no local area
		}
		local, err := ParseLocalArea(p.District())
		if err != nil || !slices.Equal(local.Codes(), []string{p.District()}) {
			t.Fatalf("local area of district %q: %v, %v", p.District(), local, err)
		}
	})
}
