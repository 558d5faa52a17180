package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestReturnsMistakes reports delivery and checks it as people who make
// mistakes do (issue 14), with JavaScript on and off: a supplier uploads
// evidence halfway through the form, tries the same file twice and leaves
// an attestation unticked; the contract manager forgets a question, queries
// one line and verifies the others; the supplier answers the query with a
// box unticked. Nothing typed is lost, nothing answers 5xx (the app fails
// the test on any logged error), and at 375 px nothing overflows.
func TestReturnsMistakes(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		returnsMistakes(t, v)
	})
}

// rtKPI is a line of the return under test.
type rtKPI struct {
	id   int64
	code string
}

func returnsMistakes(t *testing.T, v *visit) {
	// A Trafford contract with two KPIs or more and an ended quarter, with
	// no return on its latest ended quarter.
	var contractID int64
	var reference, supplier string
	var period int
	adminQuery(t, v.app, `
		SELECT c.id, c.reference, s.slug, t.period
		FROM contracts c JOIN organisations o ON o.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
		JOIN LATERAL (SELECT max(period) AS period FROM kpi_targets t WHERE t.contract_id = c.id AND t.period_end <= current_date) t ON t.period IS NOT NULL
		WHERE o.slug = 'trafford' AND (SELECT count(*) FROM kpis k WHERE k.contract_id = c.id) >= 2
		  AND EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = s.id AND u.email = 'bids@' || s.slug || '.example')
		ORDER BY c.id LIMIT 1`, nil, &contractID, &reference, &supplier, &period)
	var existing int
	adminQuery(t, v.app, `SELECT count(*) FROM returns WHERE contract_id = $1 AND period = $2`, []any{contractID, period}, &existing)
	if existing > 0 {
		adminExec(t, v.app, `DELETE FROM returns WHERE contract_id = $1 AND period = $2`, contractID, period)
		adminExec(t, v.app, `UPDATE contract_periods SET submitted = false WHERE contract_id = $1 AND period = $2`, contractID, period)
	}
	var kpis []rtKPI
	for i := 0; ; i++ {
		var k rtKPI
		var n int
		adminQuery(t, v.app, `SELECT count(*) FROM kpis WHERE contract_id = $1`, []any{contractID}, &n)
		if i >= n {
			break
		}
		adminQuery(t, v.app, `SELECT id, code FROM kpis WHERE contract_id = $1 ORDER BY position OFFSET $2 LIMIT 1`, []any{contractID, i}, &k.id, &k.code)
		kpis = append(kpis, k)
	}
	quantity := func(k rtKPI) string { return "#quantity-" + strconv.FormatInt(k.id, 10) }

	// The supplier starts the return and types, then uploads mid-form.
	sup := v.signIn(t, "bids@"+supplier+".example")
	sup.open(t, "/o/"+supplier+"/returns?status=not_started&q="+reference)
	noOverflow(t, sup, "the returns list")
	sup.clickTo(t, fmt.Sprintf("//button[normalize-space()='Start the return for quarter %d']", period), 200)
	returnPath := sup.path(t)
	sup.fill(t, quantity(kpis[0]), "12.5")
	sup.fill(t, quantity(kpis[1]), "3")
	const narrative = "Typed before the upload: placements at Altrincham and Sale."
	sup.fill(t, "#narrative", narrative)
	pdf := filepath.Join(t.TempDir(), "placements.pdf")
	if err := os.WriteFile(pdf, minimalPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	sup.upload(t, "#file", pdf)
	sup.press(t, "Upload file")
	sup.wantText(t, "placements.pdf is attached, and your draft is saved.")
	if q, n := sup.value(t, quantity(kpis[0])), sup.value(t, "#narrative"); q != "12.5" || n != narrative {
		t.Errorf("after uploading mid-form: quantity %q, narrative %q; want what was typed", q, n)
	}
	noOverflow(t, sup, "the return form")

	// The same file again is refused by its content; what was typed since
	// stays.
	sup.fill(t, quantity(kpis[1]), "4")
	sup.upload(t, "#file", pdf)
	sup.clickTo(t, "//button[normalize-space()='Upload file']", 422)
	sup.wantText(t, "This file is already attached to this return, as placements.pdf")
	if q := sup.value(t, quantity(kpis[1])); q != "4" {
		t.Errorf("after a refused duplicate: quantity %q, want 4", q)
	}

	// One attestation left unticked: a message, nothing lost.
	sup.choose(t, "Confirm", "The figures relate only to this contract")
	sup.clickTo(t, "//button[normalize-space()='Continue']", 422)
	sup.wantText(t, "There is a problem", "Confirm that the figures relate only to this period")
	if n := sup.value(t, "#narrative"); n != narrative {
		t.Errorf("after a missing attestation: narrative %q", n)
	}
	sup.choose(t, "Confirm", "The figures relate only to this period")
	sup.press(t, "Continue")
	sup.wantText(t, "Check your return before submitting it", "12.5", narrative, "placements.pdf")
	noOverflow(t, sup, "check your return")
	sup.press(t, "Submit return")
	sup.wantText(t, "Your return is submitted")

	// The contract manager forgets the question: the choice stays.
	cm := v.signIn(t, "contracts@trafford.example")
	id := returnPath[strings.LastIndex(returnPath, "/")+1:]
	cm.open(t, "/o/trafford/returns/"+id)
	for _, leak := range []string{"Your answer", "Submit return", "Remove", "Upload file"} {
		if strings.Contains(cm.mainText(t), leak) {
			t.Errorf("the contract manager sees the supplier's %q", leak)
		}
	}
	cm.choose(t, "Decision on "+kpis[0].code, "Queried")
	cm.clickTo(t, "//button[normalize-space()='Save decisions']", 422)
	cm.wantText(t, "Give the question or the reason for "+kpis[0].code)
	if got := cm.eval(t, fmt.Sprintf(`document.querySelector('input[name="decision-%d"][value="queried"]').checked`, kpis[0].id)); got != "true" {
		t.Errorf("after a missing question the Queried choice is %s, want kept", got)
	}
	cm.fill(t, fmt.Sprintf("#note-%d", kpis[0].id), "Which weeks were the placements?")
	cm.press(t, "Save decisions")
	cm.wantText(t, "Your decisions are saved", "Which weeks were the placements?")
	noOverflow(t, cm, "the return being checked")
	// The other lines can still be checked.
	for _, k := range kpis[1:] {
		cm.choose(t, "Decision on "+k.code, "Verified")
	}
	cm.press(t, "Save decisions")
	cm.wantText(t, "Your decisions are saved")
	if strings.Contains(cm.mainText(t), "Save decisions") {
		t.Error("every unqueried line is decided, yet the form is still there")
	}

	// The supplier answers, unticking a box: a message, never the error page.
	sup.open(t, returnPath)
	sup.wantText(t, "Which weeks were the placements?")
	answer := fmt.Sprintf("#answer-%d", kpis[0].id)
	sup.fill(t, answer, "Weeks 1 to 12 of the quarter.")
	sup.choose(t, "Confirm", "The figures relate only to this contract")
	sup.clickTo(t, "//button[normalize-space()='Continue']", 422)
	sup.wantText(t, "Confirm that the figures relate only to this contract")
	if a := sup.value(t, answer); a != "Weeks 1 to 12 of the quarter." {
		t.Errorf("after the refused answer: %q", a)
	}
	sup.choose(t, "Confirm", "The figures relate only to this contract")
	sup.press(t, "Continue")
	sup.wantText(t, "Weeks 1 to 12 of the quarter.")
	sup.press(t, "Submit return")
	sup.wantText(t, "Your return is submitted")
}

// noOverflow checks the page at 375 px wide: nothing may be wider than
// the screen (wide tables scroll in their own container).
func noOverflow(t *testing.T, s *session, what string) {
	t.Helper()
	params := emulation.SetDeviceMetricsOverrideParams{Width: 375, Height: 800, DeviceScaleFactor: 1, Mobile: true}
	if _, err := chromedp.Call(s.ctx, emulation.SetDeviceMetricsOverride, params); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Call(s.ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	if got := s.eval(t, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); got != "0" {
		t.Errorf("%s at 375 px: %s px wider than the screen, because of %s", what, got, s.eval(t, `JSON.stringify(
			[...document.querySelectorAll('body *')].filter(e => !e.closest('.tally-table-container') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
			.filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
			.slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40)))`))
	}
}
