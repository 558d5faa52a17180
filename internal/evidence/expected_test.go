package evidence

import (
	"strings"
	"testing"
)

func TestExpected(t *testing.T) {
	for unit, want := range map[string]string{
		"£": "Invoices", "GBP": "Invoices", "FTE": "Payroll", "weeks": "Payroll", "tCO2e": "A calculation", "trees planted": "Records",
	} {
		if got := Expected(unit); !strings.HasPrefix(got, want) {
			t.Errorf("Expected(%q) = %q, want it to start %q", unit, got, want)
		}
	}
}
