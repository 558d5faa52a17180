package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestTenderFormMistakes registers a tender as a buyer who makes the usual
// mistakes (letters in the weighting, 31 February, a missing month, a
// deadline after the contract starts), with JavaScript on and off and on a
// 375 px wide screen. Every answer, radio and ticked measure must come
// back as it was typed, nothing may fail, and nothing may overflow the
// page. Then the buyer checks the answers and publishes.
func TestTenderFormMistakes(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		s := v.signIn(t, "buyer@stockport.example")
		s.narrow(t)
		s.open(t, "/o/stockport/tenders/new")
		s.fitsNarrow(t)

		next := time.Now().Year() + 1
		ny, later := strconv.Itoa(next), strconv.Itoa(next+1)
		s.fill(t, "#reference", "STK-E2E-1")
		s.fill(t, "#title", "Highways maintenance")
		s.fill(t, "#description", "Potholes, gullies and signs.")
		s.choose(t, "Category", "Works")
		s.fill(t, "#estimated_value", "480,000")
		s.fill(t, "#weighting", "twenty")
		s.choose(t, "Quantitative scoring method", "Relative percentage")
		s.fill(t, "#contract_start", "31") // the Day box
		s.fill(t, "#contract_start-month", "2")
		s.fill(t, "#contract_start-year", ny)
		s.fill(t, "#contract_end", "31")
		s.fill(t, "#contract_end-month", "")
		s.fill(t, "#contract_end-year", later)
		s.fill(t, "#deadline", "5")
		s.fill(t, "#deadline-month", "6")
		s.fill(t, "#deadline-year", later)
		s.fill(t, "#deadline-time", "5pm")
		var keys []string
		if err := json.Unmarshal([]byte(s.eval(t, `Array.from(
				document.querySelectorAll('#measure-table tbody input[type=checkbox]')).slice(0, 2).map(i => i.value)`)), &keys); err != nil || len(keys) != 2 {
			t.Fatalf("measures on the form: %v %v", keys, err)
		}
		for _, k := range keys {
			s.click(t, "#measure-"+k)
		}
		s.fill(t, "#target-"+keys[0], "3")

		s.clickTo(t, "//button[normalize-space()='Save draft']", 422)
		s.wantText(t, "There is a problem", "Social value weighting must be a number", "Contract start date must be a real date",
			"Contract end date must include a month")
		if strings.Contains(s.mainText(t), "Give a reason for a weighting below") {
			t.Error("letters in the weighting set off the reason rule too")
		}
		s.keeps(t, map[string]string{"#reference": "STK-E2E-1", "#title": "Highways maintenance", "#description": "Potholes, gullies and signs.",
			"#estimated_value": "480,000", "#weighting": "twenty", "#contract_start": "31", "#contract_start-month": "2",
			"#contract_start-year": ny, "#contract_end": "31", "#contract_end-month": "", "#contract_end-year": later,
			"#deadline": "5", "#deadline-month": "6", "#deadline-year": later, "#deadline-time": "5pm", "#target-" + keys[0]: "3"})
		s.ticked(t, "input[name=category][value=works]", "input[name=scoring_method][value=relative_percentage]",
			"#measure-"+keys[0], "#measure-"+keys[1])
		s.fitsNarrow(t)

		// Fix those; the deadline still falls after the start.
		s.fill(t, "#weighting", "15")
		s.fill(t, "#contract_start", "1")
		s.fill(t, "#contract_end-month", "1")
		s.clickTo(t, "//button[normalize-space()='Save draft']", 422)
		s.wantText(t, "Deadline for offers must be before the contract start date")
		s.keeps(t, map[string]string{"#weighting": "15", "#contract_start": "1", "#deadline-year": later, "#deadline-time": "5pm"})
		s.ticked(t, "#measure-"+keys[0], "#measure-"+keys[1], "input[name=scoring_method][value=relative_percentage]")

		s.fill(t, "#deadline", "4")
		s.fill(t, "#deadline-month", "1")
		s.fill(t, "#deadline-year", ny)
		s.press(t, "Save draft")
		s.wantText(t, "STK-E2E-1", "Draft")

		// Check the answers, change one, check again, publish.
		s.follow(t, "Publish")
		s.fitsNarrow(t)
		s.wantText(t, "Check your answers before publishing", "Highways maintenance", "Works", "£480,000.00", "1 February "+ny,
			"31 January "+later, "5pm on 4 January "+ny, "15%", "Relative percentage", "Target: 3")
		s.clickTo(t, "(//a[starts-with(normalize-space(), 'Change') and contains(@href, '#title')])[1]", 200)
		s.fill(t, "#title", "Highways and footways maintenance")
		s.press(t, "Save draft")
		s.wantText(t, "Check your answers before publishing", "Highways and footways maintenance")
		s.press(t, "Publish")
		s.wantText(t, "Open", "Extend the deadline", "5pm on 4 January "+ny)
		s.fitsNarrow(t)
	})
}

// TestContractPagePrintsAsARecord: printed, the contract page has no
// header, navigation or buttons, and nothing is cut off at the side.
func TestContractPagePrintsAsARecord(t *testing.T) {
	t.Parallel()
	browser := startBrowser(t)
	a := newApp(t)
	var contractID int64
	adminQuery(t, a, `SELECT c.id FROM contracts c JOIN organisations o ON o.id = c.partner_id AND o.slug = 'trafford'
		WHERE c.kpi_count > 0 ORDER BY c.id LIMIT 1`, nil, &contractID)
	s := newVisit(a, browser, true).signIn(t, "contracts@trafford.example")
	s.narrow(t)
	s.open(t, "/o/trafford/contracts")
	s.fitsNarrow(t)
	s.open(t, "/o/trafford/contracts/"+strconv.FormatInt(contractID, 10))
	s.fitsNarrow(t)
	if _, err := chromedp.Call(s.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shown := s.eval(t, `Array.from(document.querySelectorAll('header, footer, nav, .govuk-back-link, .tally-no-print, .govuk-button'))
		.filter(e => e.offsetParent !== null || getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0)
		.map(e => e.tagName + '.' + e.className)`)
	if shown != "[]" {
		t.Errorf("the printed contract page shows %s", shown)
	}
	if got := s.eval(t, `Array.from(document.querySelectorAll('.tally-table-container')).every(e => getComputedStyle(e).overflowX === 'visible')`); got != "true" {
		t.Error("a printed table still scrolls, cutting columns off")
	}
}

// narrow makes the tab a 375 px wide phone screen.
func (s *session) narrow(t *testing.T) {
	t.Helper()
	s.do(t, "narrow the screen", chromedp.EmulateViewport(375, 812))
}

// fitsNarrow checks that nothing is wider than the screen: wide tables
// scroll inside their own container.
func (s *session) fitsNarrow(t *testing.T) {
	t.Helper()
	if got := s.eval(t, `document.documentElement.scrollWidth <= window.innerWidth`); got != "true" {
		wide := s.eval(t, `JSON.stringify(Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.tally-table-container'))
			.slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id))`)
		t.Errorf("%s overflows a 375 px screen (%s wide): %s", s.path(t), s.eval(t, `document.documentElement.scrollWidth`), wide)
	}
}

// keeps checks what each field holds.
func (s *session) keeps(t *testing.T, values map[string]string) {
	t.Helper()
	for sel, want := range values {
		if got := s.value(t, sel); got != want {
			t.Errorf("%s holds %q, want %q as typed", sel, got, want)
		}
	}
}

// ticked checks that radios and checkboxes are still chosen.
func (s *session) ticked(t *testing.T, sels ...string) {
	t.Helper()
	for _, sel := range sels {
		if got := s.eval(t, `document.querySelector(`+strconv.Quote(sel)+`).checked`); got != "true" {
			t.Errorf("%s is no longer chosen", sel)
		}
	}
}
