package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestOfferMistakes is a supplier who makes the mistakes people make on an
// offer (issue 14): letters in a quantity, a bid of £0, a statement left
// out, a draft saved half done, a change from the check-answers page. It
// runs with JavaScript on and off, and after every step checks that
// nothing typed was lost; newApp fails the test on any server error, and
// clickTo on any status other than the one expected. At 375 px wide no
// page of the journey may scroll sideways.
func TestOfferMistakes(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		a := v.app
		var tenderID int64
		var council string
		adminQuery(t, a, `
				SELECT t.id, p.name FROM tenders t JOIN organisations p ON p.id = t.partner_id
				WHERE t.status = 'published' AND t.deadline > now() + interval '1 day'
				  AND (SELECT count(*) FROM tender_measures m WHERE m.tender_id = t.id AND m.proxy IS NOT NULL) >= 2
				  AND NOT EXISTS (SELECT 1 FROM offers o JOIN organisations s ON s.id = o.supplier_id
				                  WHERE o.partner_id = t.partner_id AND o.tender_id = t.id AND s.slug = 'nationalfm')
				ORDER BY t.id LIMIT 1`, nil, &tenderID, &council)
		s := v.signIn(t, "bids@nationalfm.example")
		offerMistakes(t, s, tenderID, council)
	})
}

// offerLineInfo is one line of the offer form.
type offerLineInfo struct{ ID, Code, Unit string }

func offerMistakes(t *testing.T, s *session, tenderID int64, council string) {
	s.open(t, "/o/nationalfm/opportunities/"+strconv.FormatInt(tenderID, 10))
	s.wantText(t, "Evidence expected", "glossary")
	s.fitsAt375(t)
	s.press(t, "Start an offer")

	var lines []offerLineInfo
	if err := json.Unmarshal([]byte(s.eval(t, `Array.from(document.querySelectorAll('[data-line]')).map(f => ({
		ID: f.querySelector('input[name^="quantity-"]').name.slice(9),
		Code: f.querySelector('legend strong').textContent.trim(),
		Unit: f.querySelector('label').textContent.replace('Quantity you commit, in ', '').trim()}))`)), &lines); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 2 {
		t.Fatalf("the offer form has %d lines:\n%s", len(lines), s.mainText(t))
	}
	q := func(i int) string { return "#quantity-" + lines[i].ID }
	st := func(i int) string { return "#statement-" + lines[i].ID }
	typed := map[string]string{}
	fill := func(sel, v string) { s.fill(t, sel, v); typed[sel] = v }
	kept := func(when string) {
		t.Helper()
		for sel, want := range typed {
			if got := s.value(t, sel); got != want {
				t.Errorf("%s: %s holds %q, want %q as typed", when, sel, got, want)
			}
		}
	}

	// Letters in a quantity, a bid of £0, a quantity with no statement.
	fill("#bid_price", "0")
	fill(q(0), "two")
	fill(st(0), "Two apprentices from the local college, one in each year.")
	fill(q(1), "5")
	if s.v.js {
		// The live totals refuse what the server would refuse.
		if got := s.text(t, "[data-offer-total]"); got != "Check the quantities above" {
			t.Errorf("live total with letters in a quantity: %q", got)
		}
		s.fill(t, q(0), "99999999999999")
		if got := s.text(t, "//fieldset[.//input[@id="+xq(q(0)[1:])+"]]//*[@data-line-value]"); !strings.Contains(got, "too large") {
			t.Errorf("live value of an absurd quantity: %q", got)
		}
		s.fill(t, q(0), "2")
		if got := s.text(t, "[data-offer-percent]"); got != "Enter a bid price of more than £0" {
			t.Errorf("live percentage with a £0 bid: %q", got)
		}
		s.fill(t, q(0), "two")
	}
	s.clickTo(t, "//button[normalize-space()='Save draft']", 422)
	s.wantText(t, "There is a problem", "Enter a bid price of more than £0", lines[0].Code+": Enter a number", "Everything else you entered is saved")
	kept("after a save with mistakes")
	s.fitsAt375(t)

	// Fix the quantity, clear the bid, save a draft that is not complete.
	fill(q(0), "2")
	fill("#bid_price", "")
	s.press(t, "Save draft")
	s.wantText(t, "Your draft is saved")
	kept("after saving a draft")

	// Review: what is missing is named, and nothing is lost.
	s.clickTo(t, "//button[normalize-space()='Review and submit']", 422)
	s.wantText(t, "Enter your bid price, an amount of more than £0", "Enter a delivery statement for "+lines[1].Code)
	kept("after review of an incomplete offer")

	fill("#bid_price", "250000")
	fill(st(1), "Five people on the Real Living Wage for the whole contract.")
	for i := 2; i < len(lines); i++ {
		fill(q(i), "0")
	}
	s.press(t, "Review and submit")
	s.wantText(t, "Check your offer before you submit it", "£250,000.00", "Two apprentices from the local college",
		"Five people on the Real Living Wage")
	s.fitsAt375(t)

	// Change the bid from the check-answers page, and come back.
	s.follow(t, "Change bid price")
	if got := s.value(t, "#bid_price"); got != "250000.00" {
		t.Errorf("the Change link leads to a bid of %q", got)
	}
	s.fill(t, "#bid_price", "260000")
	s.press(t, "Review and submit")
	s.wantText(t, "£260,000.00")
	s.press(t, "Submit offer")
	s.wantText(t, "Offer submitted", "SHA-256 of what you submitted", council)
	s.fitsAt375(t)
	s.printsOnlyTheReceipt(t)

	// The list names the council, and the offer as submitted.
	s.open(t, "/o/nationalfm/offers?status=submitted")
	s.wantText(t, council, "Submitted")
	s.fitsAt375(t)
	s.open(t, "/glossary")
	s.wantText(t, "Proxy value", "tCO2e")
	s.fitsAt375(t)
}

// fitsAt375 checks the current page at 375 px wide: nothing may make the
// page scroll sideways (wide tables scroll in their own container). The
// window goes back to its size afterwards.
func (s *session) fitsAt375(t *testing.T) {
	t.Helper()
	s.do(t, "narrow the window", chromedp.EmulateViewport(375, 800))
	defer s.do(t, "widen the window", chromedp.EmulateViewport(1280, 1000))
	var fit struct {
		Scroll, Inner int
		Wide          []string
	}
	if err := json.Unmarshal([]byte(s.eval(t, `({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth,
		Wide: Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
			.slice(0, 5).map(e => e.tagName + '.' + e.className)})`)), &fit); err != nil {
		t.Fatal(err)
	}
	if fit.Inner != 375 {
		t.Fatalf("the window is %d px wide, not 375", fit.Inner)
	}
	if fit.Scroll > fit.Inner {
		t.Errorf("%s at 375 px: the page is %d px wide (%v)", s.path(t), fit.Scroll, fit.Wide)
	}
}

// printsOnlyTheReceipt checks the receipt as printed: the header,
// navigation, footer and buttons are hidden, and the receipt shows.
func (s *session) printsOnlyTheReceipt(t *testing.T) {
	t.Helper()
	print := func(media string) {
		ctx, cancel := s.step()
		defer cancel()
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media}); err != nil {
			t.Fatal(err)
		}
	}
	print("print")
	defer print("")
	var shown map[string]bool
	if err := json.Unmarshal([]byte(s.eval(t, `Object.fromEntries(['.govuk-template__header', '.govuk-service-navigation',
		'.govuk-template__footer', '.govuk-button', '.tally-receipt', '.govuk-panel--confirmation']
		.map(sel => [sel, !!document.querySelector(sel) && getComputedStyle(document.querySelector(sel)).display !== 'none']))`)), &shown); err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]bool{".govuk-template__header": false, ".govuk-service-navigation": false,
		".govuk-template__footer": false, ".govuk-button": false, ".tally-receipt": true, ".govuk-panel--confirmation": true} {
		if shown[sel] != want {
			t.Errorf("printed receipt: %s shown %v, want %v", sel, shown[sel], want)
		}
	}
}
