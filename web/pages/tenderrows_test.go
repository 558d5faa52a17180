package pages

import (
	"context"
	"strings"
	"testing"
)

func TestTenderRowsEscapeEveryText(t *testing.T) {
	hostile := `<script>alert("x")</script>&'`
	row := TenderRow{Href: `/o/x/tenders/1"onmouseover="alert(1)`, Reference: hostile, Title: hostile, Partner: hostile, Value: hostile,
		Deadline: hostile, Status: hostile, Colour: `red" onclick="x`, Offers: hostile, Weighting: hostile, Measures: hostile}
	for _, forSuppliers := range []bool{false, true} {
		var b strings.Builder
		if err := TenderTable("Caption", []TenderRow{row}, forSuppliers).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		if strings.Contains(html, "<script>") || strings.Contains(html, `"onmouseover=`) || strings.Contains(html, `onclick="x`) {
			t.Errorf("forSuppliers=%t: unescaped text in\n%s", forSuppliers, html)
		}
		if n := strings.Count(html, "&lt;script&gt;"); n < 5 {
			t.Errorf("forSuppliers=%t: %d escaped texts, want every cell's", forSuppliers, n)
		}
	}
}
