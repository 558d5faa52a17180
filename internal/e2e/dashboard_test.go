package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tally-sv/tally/internal/tally"
)

// TestDirectorDashboard is the director's reading of the demo, with
// JavaScript on and off: every chart is followed by its data table, the
// by-month chart sets delivered beside committed, the ratings chart names
// each rating in its colour, a year with nothing in it says "no data", and
// at 375 px wide nothing overflows the page (axe checks each page too).
func TestDirectorDashboard(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		s := v.signIn(t, "director@star.example")
		fy := tally.FinancialYear(tally.FinancialYearOf(time.Now())) - 1
		s.open(t, fmt.Sprintf("/o/star/dashboard?fy=%d", fy))
		s.wantText(t, "Social value "+fy.Label(), "Local share of social value", "Committed and delivered by month")

		// Each chart: a figure with its summary, then its data table.
		var charts, tabled int
		if _, err := fmt.Sscanf(s.eval(t, `(() => {
				const figs = [...document.querySelectorAll('main figure.tally-chart')];
				const tabled = figs.filter(f => { const d = f.nextElementSibling; return d && d.tagName === 'DETAILS' && d.querySelector('table tbody tr'); });
				return figs.length + ' ' + tabled.length; })()`), "\"%d %d\"", &charts, &tabled); err != nil {
			t.Fatal(err)
		}
		if charts < 5 || tabled != charts {
			t.Errorf("%d charts, %d of them followed by their data table; want every one (at least 5)", charts, tabled)
		}
		months := s.eval(t, `(() => { const f = document.getElementById('months-chart-title').closest('figure');
				return f.querySelectorAll('.tally-chart__legend li').length + ' ' + f.querySelectorAll('svg[role=img] rect.tally-chart__bar--second').length
				     + ' ' + f.querySelectorAll('svg[role=img] rect').length + ' ' + f.querySelector('.tally-chart__legend').innerText.replace(/\s+/g, ' '); })()`)
		if !strings.HasPrefix(months, `"2 12 24 `) || !strings.Contains(months, "Committed (by award)") || !strings.Contains(months, "Delivered (verified, by period end)") {
			t.Errorf("the by-month chart: %s; want a key of 2 series and 12 delivered bars beside 12 committed", months)
		}
		colours := s.eval(t, `(() => { const f = document.getElementById('ratings-chart-title').closest('figure');
				return [...f.querySelectorAll('svg rect')].map(r => r.previousElementSibling.textContent + '=' + getComputedStyle(r).fill).join('; '); })()`)
		for _, want := range []string{"Good=rgb(15, 122, 82)", "Approaching target=rgb(179, 89, 0)", "Requires improvement=rgb(179, 89, 0)",
			"Inadequate=rgb(202, 53, 53)"} {
			if !strings.Contains(colours, want) {
				t.Errorf("the ratings chart draws %s; want %s", colours, want)
			}
		}

		// A year before the demo's history: nothing to divide.
		empty := tally.FinancialYear(tally.FinancialYearOf(time.Now())) - 5
		s.open(t, fmt.Sprintf("/o/star/dashboard?fy=%d", empty))
		s.wantText(t, "Social value "+empty.Label(), "no data", "£0.00")
		if page := s.mainText(t); strings.Contains(page, "0.0%") {
			t.Errorf("an empty year shows 0.0%%:\n%s", page)
		}

		// At 375 px wide nothing overflows: wide tables scroll inside
		// their own container.
		s.do(t, "narrow the window", chromedp.EmulateViewport(375, 800))
		for _, path := range []string{fmt.Sprintf("/o/star/dashboard?fy=%d", fy), fmt.Sprintf("/o/star/reports/measures?fy=%d", fy),
			"/o/star/suppliers?show=local&sort=size"} {
			s.open(t, path)
			if fits := s.eval(t, `document.documentElement.scrollWidth <= window.innerWidth`); fits != "true" {
				t.Errorf("%s at 375 px: the page is %s px wide", path, s.eval(t, `document.documentElement.scrollWidth`))
			}
		}
	})
}
