package server_test

import (
	"encoding/csv"
	"math/big"
	"net/http"
	"strings"
	"testing"
)

// The measures report compares like with like: each measure's verified
// delivery on the periods that ended in the year beside its targets for
// those same periods, in its unit and in pounds. Its delivered values add
// up to the dashboard's social value delivered; it exports CSV and XLSX
// with the same cells, and its page formats money.
func TestMeasureReportComparesLikeWithLike(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dbBuild(t, ts, dbScenario())
	hub := measuresLogin(t, ts, "director@hub.test")

	resp, body := get(t, hub, ts.URL+"/o/hub/reports/measures.csv?fy=2024")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("measures CSV: %d", resp.StatusCode)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 3 {
		t.Fatalf("measures CSV: %v %q", err, body)
	}
	want := []string{"Measure", "Edition", "Target for the year's periods", "Delivered (verified)", "Target value",
		"Delivered value (verified)", "Delivered as a share of target", "Contracts"}
	if strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Fatalf("header %v, want %v", rows[0], want)
	}
	delivered := new(big.Rat)
	for _, r := range rows[1:] {
		v, ok := new(big.Rat).SetString(r[5])
		if !ok {
			t.Fatalf("delivered value %q is not a number", r[5])
		}
		delivered.Add(delivered, v)
		if r[4] == "0.00" && r[6] != "" {
			t.Errorf("%s: share %q of a target of nothing, want empty", r[0], r[6])
		}
	}
	var headline string
	for _, r := range dbHeadline(t, hub, ts.URL+"/o/hub/dashboard.csv?fy=2024") {
		if r[0] == "social_value_delivered" {
			headline = r[1]
		}
	}
	if got := delivered.FloatString(2); got != headline {
		t.Errorf("the report's delivered values add up to %s, the dashboard's social value delivered is %s", got, headline)
	}
	dbCheckXLSX(t, hub, ts.URL+"/o/hub/reports/measures.xlsx?fy=2024", rows)

	_, page := get(t, hub, ts.URL+"/o/hub/reports/measures?fy=2024")
	for _, want := range []string{"Target value", "Delivered value (verified)", "measures.xlsx?fy=2024", "tally-chart__legend", "£"} {
		if !strings.Contains(page, want) {
			t.Errorf("the measures report page lacks %q", want)
		}
	}
	dbStatus(t, hub, ts.URL, http.StatusNotFound, "/o/hub/reports/measures.pdf?fy=2024")
	if _, empty := get(t, hub, ts.URL+"/o/hub/reports/measures?fy=2020"); !strings.Contains(empty, "No reporting periods") {
		t.Error("an empty year's measures report does not say so")
	}
}
