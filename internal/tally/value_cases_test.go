package tally

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// lineValueCase is one case of testdata/line_values.json, which the offer
// form's live totals (web/static/linevalue.js) are tested against too: one
// table, so that the page and the server value a line alike.
type lineValueCase struct {
	Quantity string `json:"quantity"` // as typed
	Proxy    string `json:"proxy"`    // as the form states it: Proxy.String
	Pence    Pence  `json:"pence"`
	Refused  string `json:"refused"` // "number", "quantity", "value", or "" for Pence
	Why      string `json:"why"`
}

func readLineValueCases(t *testing.T) []lineValueCase {
	t.Helper()
	data, err := os.ReadFile("testdata/line_values.json")
	if err != nil {
		t.Fatal(err)
	}
	var table struct{ Cases []lineValueCase }
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatalf("testdata/line_values.json: %v", err)
	}
	return table.Cases
}

// TestLineValueCases values lines as a supplier types them on the offer
// form, as the server does: ParseQuantity, then LineValue with the measure's
// proxy value.
func TestLineValueCases(t *testing.T) {
	cases := readLineValueCases(t)
	if len(cases) < 40 {
		t.Fatalf("only %d cases in testdata/line_values.json", len(cases))
	}
	for _, c := range cases {
		p, err := ParseProxy(c.Proxy)
		if err != nil || p.String() != c.Proxy {
			t.Fatalf("%q × %q: the proxy is not as the form states it, %q (%v)", c.Quantity, c.Proxy, p, err)
		}
		got, refused := typedLineValue(t, c.Quantity, p)
		if got != c.Pence || refused != c.Refused {
			t.Errorf("%q × £%s = %d pence, refused %q; want %d, %q (%s)", c.Quantity, c.Proxy, got, refused, c.Pence, c.Refused, c.Why)
		}
	}
}

// typedLineValue is what the offer form does with a typed quantity
// (internal/server/offerform.go): a blank is no quantity, worth nothing;
// anything else must parse, and be worth no more than MaxPence.
func typedLineValue(t *testing.T, quantity string, p Proxy) (Pence, string) {
	if strings.TrimSpace(quantity) == "" {
		return 0, ""
	}
	q, err := ParseQuantity(quantity)
	switch {
	case err != nil && err.Error() == quantityKind.tooLarge:
		return 0, "quantity"
	case err != nil:
		return 0, "number"
	}
	v, err := LineValue(q, p)
	switch {
	case errors.Is(err, ErrValueTooLarge):
		return 0, "value"
	case err != nil:
		t.Fatalf("LineValue(%v, %v): %v", q, p, err)
	}
	return v, ""
}
