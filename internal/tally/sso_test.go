package tally

import (
	"slices"
	"strings"
	"testing"
)

func TestParseSSODomains(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"council.gov.uk", []string{"council.gov.uk"}, true},
		{"Council.GOV.uk\nschools.council.gov.uk, council.gov.uk", []string{"council.gov.uk", "schools.council.gov.uk"}, true},
		{" a-b.example ;  c.example\r\n", []string{"a-b.example", "c.example"}, true},
		{"", nil, false},
		{" , ", nil, false},
		{"https://council.gov.uk", nil, false},
		{"someone@council.gov.uk", nil, false},
		{"@council.gov.uk", nil, false},
		{"localhost", nil, false},
		{"council.gov.uk/path", nil, false},
		{"-bad.example", nil, false},
		{"bad-.example", nil, false},
		{"exa mple.com", nil, false}, // two words: "exa" has no dot
		{"ünïcode.example", nil, false},
	} {
		got, err := ParseSSODomains(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("ParseSSODomains(%q) = %v, %v; want %v, ok %t", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCheckIssuer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"https://login.microsoftonline.com/0000-tenant/v2.0", true},
		{"https://accounts.google.com", true},
		{"http://127.0.0.1:4567", true},
		{"http://localhost:4567/issuer", true},
		{"http://[::1]:80", true},
		{"http://login.example.com", false},
		{"ftp://login.example.com", false},
		{"login.example.com", false},
		{"https://", false},
		{"https://login.example.com/?x=1", false},
		{"https://login.example.com/#x", false},
		{"https://user:pw@login.example.com", false},
		{"http://127.0.0.1.example.com", false},
	} {
		if err := CheckIssuer(tc.in, true); (err == nil) != tc.ok {
			t.Errorf("CheckIssuer(%q) = %v, want ok %t", tc.in, err, tc.ok)
		}
		// Served over https, Tally takes no plain http issuer at all.
		if err := CheckIssuer(tc.in, false); err == nil && !strings.HasPrefix(tc.in, "https://") {
			t.Errorf("CheckIssuer(%q, false) accepted it", tc.in)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	t.Parallel()
	if d := EmailDomain("A@Council.Example"); d != "council.example" {
		t.Errorf("got %q", d)
	}
	if d := EmailDomain("nobody"); d != "" {
		t.Errorf("got %q", d)
	}
}
