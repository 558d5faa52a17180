package tally

import "testing"

// The fuzz targets check that parsing never panics, that every accepted value is
// within its limits, and that formatting and parsing again gives the same value.

func FuzzParsePounds(f *testing.F) {
	for _, s := range []string{"1234", "1,234.56", "£1,234.5", " 0.01 ", "-5", "12,5", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePounds(s)
		if err != nil {
			return
		}
		if p < 0 || p > MaxPence {
			t.Fatalf("ParsePounds(%q) = %d, outside 0..MaxPence", s, p)
		}
		for _, text := range []string{p.String(), p.Pounds()} {
			again, err := ParsePounds(text)
			if err != nil || again != p {
				t.Fatalf("ParsePounds(%q) = %d; reparsing %q gave %d, %v", s, p, text, again, err)
			}
		}
	})
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"12", "12.5", "0.125", "1,000.125", "-1", "0.0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err != nil {
			return
		}
		if q < 0 || q > MaxQuantity {
			t.Fatalf("ParseQuantity(%q) = %d, outside 0..MaxQuantity", s, q)
		}
		again, err := ParseQuantity(q.String())
		if err != nil || again != q {
			t.Fatalf("ParseQuantity(%q) = %d; reparsing %q gave %d, %v", s, q, q.String(), again, err)
		}
	})
}

func FuzzParseProxy(f *testing.F) {
	for _, s := range []string{"25000", "12.3456", "£0.0001", "10,000,000", "1.23456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseProxy(s)
		if err != nil {
			return
		}
		if p < 0 || p > MaxProxy {
			t.Fatalf("ParseProxy(%q) = %d, outside 0..MaxProxy", s, p)
		}
		again, err := ParseProxy(p.String())
		if err != nil || again != p {
			t.Fatalf("ParseProxy(%q) = %d; reparsing %q gave %d, %v", s, p, p.String(), again, err)
		}
	})
}
