package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focused describes the element that has the keyboard focus.
type focused struct {
	Tag, ID, Name, Text string
	Indicated           bool // shows a focus outline or box shadow
}

// TestKeyboardOnlyOffer completes an offer with the keyboard alone: Tab to
// move, typing to fill in, Enter to press buttons (WCAG 2.1.1). Every stop
// on the way must show where the focus is (WCAG 2.4.7).
func TestKeyboardOnlyOffer(t *testing.T) {
	t.Parallel()
	browser := startBrowser(t)
	a := newApp(t)
	var tenderID int64
	adminQuery(t, a, `
		SELECT t.id FROM tenders t
		WHERE t.status = 'published' AND t.deadline > now() + interval '1 day'
		  AND NOT EXISTS (SELECT 1 FROM offers o JOIN organisations s ON s.id = o.supplier_id
		                  WHERE o.partner_id = t.partner_id AND o.tender_id = t.id AND s.slug = 'nationalfm')
		ORDER BY t.id LIMIT 1`, nil, &tenderID)

	s := newVisit(a, browser, true).signIn(t, "bids@nationalfm.example")
	s.open(t, "/o/nationalfm/opportunities/"+strconv.FormatInt(tenderID, 10))
	s.tabTo(t, func(f focused) bool { return f.Tag == "BUTTON" && f.Text == "Start an offer" })
	s.enter(t)

	// Fill in every field of the form in the order Tab reaches them, and
	// stop at the button that submits it.
	var lines []string
	if err := json.Unmarshal([]byte(s.eval(t, `Array.from(document.querySelectorAll('input[name^="quantity-"]')).map(e => e.name.slice(9))`)), &lines); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatalf("the offer form has no lines:\n%s", s.mainText(t))
	}
	filled := map[string]bool{}
	s.tabTo(t, func(f focused) bool {
		switch {
		case f.Name == "bid_price":
			s.typeKeys(t, "2000000")
		case strings.HasPrefix(f.Name, "quantity-"):
			s.typeKeys(t, "1")
		case strings.HasPrefix(f.Name, "statement-"):
			s.typeKeys(t, "One a year, delivered with our local partners and reported every quarter.")
		default:
			return f.Tag == "BUTTON" && f.Text == "Review and submit"
		}
		filled[f.Name] = true
		return false
	})
	for _, id := range append([]string{""}, lines...) {
		for _, name := range []string{"quantity-" + id, "statement-" + id} {
			if id == "" {
				name = "bid_price"
			}
			if !filled[name] {
				t.Errorf("Tab never reached %s before the submit button", name)
			}
		}
	}
	s.enter(t)
	s.wantText(t, "Check your offer before you submit it")
	s.tabTo(t, func(f focused) bool { return f.Tag == "BUTTON" && f.Text == "Submit offer" })
	s.enter(t)
	s.wantText(t, "Offer submitted", "SHA-256 of what you submitted")
}

// tabTo presses Tab until done says so of the focused element, failing if
// it takes more than 200 presses or a stop shows no focus indicator.
func (s *session) tabTo(t *testing.T, done func(focused) bool) {
	t.Helper()
	for range 200 {
		s.do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
		var f focused
		if err := json.Unmarshal([]byte(s.eval(t, `(() => {
			const e = document.activeElement, cs = getComputedStyle(e);
			return {Tag: e.tagName, ID: e.id, Name: e.name || '', Text: (e.innerText || '').trim(),
				Indicated: cs.outlineStyle !== 'none' && cs.outlineWidth !== '0px' || cs.boxShadow !== 'none'};
		})()`)), &f); err != nil {
			t.Fatal(err)
		}
		if f.Tag == "BODY" {
			continue // the focus left the page's controls and comes round again
		}
		if !f.Indicated {
			t.Errorf("the focused %s %q (id %q) shows no focus indicator", f.Tag, f.Text, f.ID)
		}
		if done(f) {
			return
		}
	}
	t.Fatalf("Tab did not reach the control; the page says:\n%s", s.mainText(t))
}

// typeKeys types into the focused element.
func (s *session) typeKeys(t *testing.T, text string) {
	t.Helper()
	s.do(t, "type", chromedp.KeyEvent(text))
}

// enter presses Enter on the focused element and waits for the next page.
func (s *session) enter(t *testing.T) {
	t.Helper()
	ctx, cancel := s.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
	s.arrived(t, "press Enter", resp, err, 200)
}
