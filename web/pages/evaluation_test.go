package pages

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tally-sv/tally/web/components"
)

var evIDAttr = regexp.MustCompile(`\sid="([^"]*)"`)

// TestEvaluationIDsAreUnique renders an evaluation whose offers have the
// small ids of a new installation: each offer's heading must not share an
// id with the award form's radios (offer, offer-2, …), or the scores
// table's links and the error summary land on the wrong element.
func TestEvaluationIDsAreUnique(t *testing.T) {
	p := EvaluationPage{Page: components.Page{Title: "Evaluation"}, Scores: "/o/p/tenders/1/evaluation/scores", Moderate: "/o/p/tenders/1/evaluation/moderate",
		Award: "/o/p/tenders/1/evaluation/award", Tender: "T",
		CanModerate: true, CanScore: true, CanAward: true}
	p.Measures = []EvalMeasureRow{{Code: "JOB1"}, {Code: "ENV1"}}
	for id := int64(1); id <= 3; id++ {
		lines := []EvalLineView{{OfferID: id, MeasureID: 1, Code: "JOB1", Flags: []string{"Too many"}}, {OfferID: id, MeasureID: 2, Code: "ENV1"}}
		p.Offers = append(p.Offers, EvalOfferView{ID: id, Supplier: "S", Rank: "1", Lines: lines, Flags: []string{"Too many"}})
		p.Measures[0].Cells = append(p.Measures[0].Cells, lines[0])
		p.Measures[1].Cells = append(p.Measures[1].Cells, lines[1])
		if id == 2 {
			p.Unmarked = append(p.Unmarked, p.Offers[len(p.Offers)-1])
		}
	}
	var b strings.Builder
	if err := Evaluation(p).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range evIDAttr.FindAllStringSubmatch(b.String(), -1) {
		if seen[m[1]] {
			t.Errorf("id %q is used twice", m[1])
		}
		seen[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(b.String(), -1) {
		if m[1] != "main-content" && !seen[m[1]] {
			t.Errorf("a link to #%s has no target", m[1])
		}
	}
}
