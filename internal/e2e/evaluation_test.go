package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// evBidder is an offer on the demo's tender awaiting evaluation.
type evBidder struct {
	name  string
	offer string
}

// TestEvaluationMistakes: Stockport's buyer evaluates the demo tender that
// has just closed, making the mistakes people make (letters in points, an
// award without a choice, before marking, to an offer that is not the top
// without a reason) with JavaScript on and off. Each mistake answers 422
// with the choices and text as sent, never a 5xx; then the buyer checks
// the answers, changes one, and awards. At 375 px the pages do not
// overflow: the grid scrolls in its own box.
func TestEvaluationMistakes(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		a := v.app
		var tenderID int64
		var list string
		adminQuery(t, a, `
				SELECT t.id, (SELECT string_agg(o.name || '|' || s.offer_id, E'\n' ORDER BY o.name)
				              FROM (SELECT DISTINCT ON (offer_id) * FROM offer_submissions WHERE tender_id = t.id ORDER BY offer_id, revision DESC) s
				              JOIN organisations o ON o.id = s.supplier_id WHERE s.kind = 'submit')
				FROM tenders t JOIN organisations p ON p.id = t.partner_id
				WHERE p.slug = 'stockport' AND t.status = 'published' AND t.deadline <= now()
				ORDER BY t.id LIMIT 1`, nil, &tenderID, &list)
		var bidders []evBidder
		for _, line := range strings.Split(list, "\n") {
			n, id, _ := strings.Cut(line, "|")
			bidders = append(bidders, evBidder{n, id})
		}
		if len(bidders) < 2 {
			t.Fatalf("the closed demo tender has %d offers, want 2 or more", len(bidders))
		}
		path := "/o/stockport/tenders/" + strconv.FormatInt(tenderID, 10) + "/evaluation"
		s := v.signIn(t, "buyer@stockport.example")
		s.open(t, path)
		s.wantText(t, "Offers side by side", "not marked", "not ranked", "Still to mark:")
		s.fits(t, "the evaluation grid")
		s.shot(t, "evaluation-"+v.name())
		first, second := bidders[0], bidders[1]

		// Letters in points: the mark chosen and the points typed come back.
		s.choose(t, "Qualitative mark for "+first.name, "3")
		s.fill(t, "#price-"+first.offer, "forty")
		s.fill(t, "#quality-"+first.offer, "12.5")
		s.clickTo(t, "//button[normalize-space()='Save marks and points']", 422)
		s.wantText(t, "There is a problem", "Enter price points for "+first.name)
		s.checked(t, "mark-"+first.offer, "3")
		if got := s.value(t, "#price-"+first.offer); got != "forty" {
			t.Errorf("price points came back as %q", got)
		}
		if got := s.value(t, "#quality-"+first.offer); got != "12.5" {
			t.Errorf("quality points came back as %q", got)
		}

		// An award without choosing keeps the reason typed.
		s.fill(t, "#reason", "Typed before choosing")
		s.clickTo(t, "//button[normalize-space()='Continue']", 422)
		s.wantText(t, "Select an offer to award")
		if got := s.value(t, "#reason"); got != "Typed before choosing" {
			t.Errorf("the award reason came back as %q", got)
		}
		// An award before every offer is marked is refused, naming them.
		s.choose(t, "Award the contract to", second.name)
		s.clickTo(t, "//button[normalize-space()='Continue']", 422)
		s.wantText(t, "Mark the delivery statements of "+first.name, "Mark the delivery statements of "+second.name)
		s.checked(t, "offer", second.offer)

		// Mark every offer, the first best, with points.
		for i, b := range bidders {
			s.choose(t, "Qualitative mark for "+b.name, strconv.Itoa(max(5-2*i, 0)))
			s.fill(t, "#price-"+b.offer, strconv.Itoa(60-5*i))
			s.fill(t, "#quality-"+b.offer, "20")
		}
		s.press(t, "Save marks and points")
		s.wantText(t, "Marks and points are saved")
		if strings.Contains(s.text(t, "#scores"), "not marked") {
			t.Error("the grid still says not marked")
		}
		top := s.eval(t, `[...document.querySelectorAll('input[type=radio][name=offer]')].find(r => r.closest('.govuk-radios__item').innerText.includes('(top total)'))?.value || ''`)
		var other evBidder
		for _, b := range bidders {
			if `"`+b.offer+`"` != top && other.offer == "" {
				other = b
			}
		}

		// Not the top total, no reason: refused, choice kept.
		s.choose(t, "Award the contract to", other.name)
		s.fill(t, "#reason", "")
		s.clickTo(t, "//button[normalize-space()='Continue']", 422)
		s.wantText(t, "Give a reason for awarding to an offer that does not have the top total")
		s.checked(t, "offer", other.offer)

		// With a reason: check the answers, change the reason, award.
		s.fill(t, "#reason", "The top offer failed the financial standing check.")
		s.press(t, "Continue")
		s.wantText(t, "Check your answers before awarding the contract", other.name, "Contract value (bid price)",
			"Social value committed", "Contract start", "Contract end", "The top offer failed the financial standing check.")
		s.fits(t, "the check answers page")
		s.shot(t, "check-"+v.name())
		s.follow(t, "Change the reason")
		s.checked(t, "offer", other.offer)
		if got := s.value(t, "#reason"); got != "The top offer failed the financial standing check." {
			t.Errorf("Change brought the reason back as %q", got)
		}
		s.fill(t, "#reason", "The top offer failed the financial standing check in November.")
		s.press(t, "Continue")
		s.wantText(t, "in November.")
		s.press(t, "Award the contract")
		if !strings.HasPrefix(s.path(t), "/o/stockport/contracts/") {
			t.Fatalf("the award led to %s", s.path(t))
		}
		s.wantText(t, other.name)
		s.open(t, path)
		s.wantText(t, "Awarded to "+other.name)
		s.printed(t)
	})
}

// fits checks the page does not scroll sideways at 375 px wide, then goes
// back to 1280.
func (s *session) fits(t *testing.T, what string) {
	t.Helper()
	for _, w := range []int64{375, 1280} {
		if _, err := chromedp.Call(s.ctx, emulation.SetDeviceMetricsOverride,
			emulation.SetDeviceMetricsOverrideParams{Width: w, Height: 900, DeviceScaleFactor: 1}); err != nil {
			t.Fatal(err)
		}
		if w == 375 {
			if got := s.eval(t, `document.documentElement.scrollWidth <= window.innerWidth`); got != "true" {
				t.Errorf("%s overflows at 375 px: %s wide", what, s.eval(t, `document.documentElement.scrollWidth`))
			}
			s.shot(t, strings.ReplaceAll(what, " ", "-")+"-375")
		}
	}
}

// checked fails unless the radio name=value is the one chosen.
func (s *session) checked(t *testing.T, name, value string) {
	t.Helper()
	if got := s.eval(t, `document.querySelector('input[name="`+name+`"]:checked')?.value || ''`); got != `"`+value+`"` {
		t.Errorf("radio %s: %s chosen, want %q", name, got, value)
	}
}

// shot saves a screenshot of the whole page into $TALLY_SHOTS, when set,
// for a person to look at.
func (s *session) shot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("TALLY_SHOTS")
	if dir == "" {
		return
	}
	beyond := true
	res, err := chromedp.Call(s.ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{CaptureBeyondViewport: &beyond})
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	data := res.Data
	if dec, err := base64.StdEncoding.DecodeString(string(data)); err == nil {
		data = dec
	}
	os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".png"), data, 0o644)
}

// printed checks the evaluation record as printed on A4: no navigation,
// forms or buttons, and the grid fits the page without scrolling.
func (s *session) printed(t *testing.T) {
	t.Helper()
	if _, err := chromedp.Call(s.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(s.ctx, emulation.SetDeviceMetricsOverride,
		emulation.SetDeviceMetricsOverrideParams{Width: 700, Height: 1000, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		chromedp.Call(s.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		chromedp.Call(s.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1280, Height: 1000, DeviceScaleFactor: 1})
	}()
	hidden := `[...document.querySelectorAll('.govuk-template__header, .govuk-service-navigation, .govuk-template__footer, .govuk-back-link, .govuk-button, form')]
		.every(e => getComputedStyle(e).display === 'none' || e.offsetParent === null)`
	if got := s.eval(t, hidden); got != "true" {
		t.Error("printed, the evaluation record still shows navigation, forms or buttons")
	}
	if got := s.eval(t, `document.querySelector('#scores').offsetWidth <= document.querySelector('.tally-eval-grid').clientWidth`); got != "true" {
		t.Errorf("printed, the grid is wider than the page")
	}
	s.shot(t, "printed")
}
