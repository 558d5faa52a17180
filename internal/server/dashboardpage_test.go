package server_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// dbChart is the HTML of one dashboard section's chart.
func dbChart(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `id="`+id+`-chart-title"`)
	if start < 0 {
		t.Fatalf("no %s chart", id)
	}
	end := strings.Index(body[start:], "</figure>")
	return body[start : start+end]
}

// A year with nothing in it says "no data" for every share, on the page,
// and exports an empty value (SPEC §8); never 0.0%.
func TestDashboardSaysNoDataForAnEmptyYear(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dbBuild(t, ts, dbScenario())
	hub := measuresLogin(t, ts, "director@hub.test")
	_, body := get(t, hub, ts.URL+"/o/hub/dashboard?fy=2020")
	if strings.Contains(body, "0.0%") || strings.Count(body, "no data") < 5 {
		t.Errorf("an empty year's dashboard shows 0.0%% or too few \"no data\" (%d)", strings.Count(body, "no data"))
	}
	if !strings.Contains(body, "no change to compare") || !strings.Contains(body, "£0.00") {
		t.Error("an empty year's dashboard lacks \"no change to compare\" or £0.00")
	}
	for _, r := range dbHeadline(t, hub, ts.URL+"/o/hub/dashboard.csv?fy=2020") {
		share := strings.HasSuffix(r[0], "_percent") || strings.HasPrefix(r[0], "local_share") || r[0] == "average_weighting" ||
			r[0] == "contracts_with_performance_measures"
		if share && r[1] != "" {
			t.Errorf("FY2020 %s = %q, want an empty value (nothing to divide)", r[0], r[1])
		}
	}
}

// The by-month chart plots delivered beside committed, with a legend and
// its table; the ratings chart colours each rating RAG and names it.
func TestDashboardChartsSayWhatTheyShow(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dbBuild(t, ts, dbScenario())
	hub := measuresLogin(t, ts, "director@hub.test")
	_, body := get(t, hub, ts.URL+"/o/hub/dashboard?fy=2024")

	months := dbChart(t, body, "months")
	for _, want := range []string{"Committed (by award)", "Delivered (verified, by period end)", "tally-chart__legend"} {
		if !strings.Contains(months, want) {
			t.Errorf("the by-month chart lacks %q", want)
		}
	}
	bars := regexp.MustCompile(`<rect x="210"[^>]*class="([^"]*)"`).FindAllStringSubmatch(months, -1)
	var committed, delivered int
	for _, b := range bars {
		if strings.Contains(b[1], "tally-chart__bar--second") {
			delivered++
		} else {
			committed++
		}
	}
	if committed != 12 || delivered != 12 {
		t.Errorf("the by-month chart has %d committed and %d delivered bars, want 12 of each", committed, delivered)
	}
	if !strings.Contains(months, "<title>April 2024 Committed (by award): £") {
		t.Error("the by-month bars have no titles naming month, series and amount")
	}

	ratings := dbChart(t, body, "ratings")
	for label, class := range map[string]string{"Good": "good", "Approaching target": "amber", "Requires improvement": "amber",
		"Inadequate": "red", "Not yet due": "neutral"} {
		re := regexp.MustCompile(`>` + label + `</text>\s*<rect[^>]*class="tally-chart__bar tally-chart__bar--` + class + `"`)
		if !re.MatchString(ratings) {
			t.Errorf("the ratings chart does not draw %s in %s with its name", label, class)
		}
	}
	// Each chart is followed by its data table and exports.
	for _, id := range []string{"themes", "measures", "partners", "sizes", "months", "ratings"} {
		rest := body[strings.Index(body, `id="`+id+`-chart-title"`):]
		if !strings.Contains(rest[:strings.Index(rest, "</details>")], `<table`) ||
			!strings.Contains(rest, fmt.Sprintf("/o/hub/dashboard/%s.xlsx?fy=2024", id)) {
			t.Errorf("the %s chart is not followed by its table and exports", id)
		}
	}
}
