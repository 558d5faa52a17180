package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestPeople walks the people pages as their users do, with JavaScript on
// and off, making the mistakes people make: an invitation with its roles
// ticked but no email, a wrong current password. It checks the home
// page's to-do lists against the data, and that nothing overflows a
// 375 px screen.
func TestPeople(t *testing.T) {
	bothWays(t, func(t *testing.T, v *visit) {
		t.Run("an invitation keeps its ticked roles when the email is missing", func(t *testing.T) { peopleInvite(t, v) })
		t.Run("a wrong current password keeps nothing secret", func(t *testing.T) { peoplePassword(t, v) })
		t.Run("home to-do lists show the right items", func(t *testing.T) { peopleHome(t, v) })
		t.Run("nothing overflows at 375 px", func(t *testing.T) { peopleNarrow(t, v) })
	})
}

func peopleInvite(t *testing.T, v *visit) {
	s := v.signIn(t, "admin@star.example")
	s.open(t, "/o/star/users")
	s.choose(t, "Roles", "Buyer")
	s.choose(t, "Roles", "Director")
	s.clickTo(t, "//button[normalize-space()='Send invitation']", 422)
	s.wantText(t, "There is a problem", "Enter an email address")
	for role, want := range map[string]bool{"buyer": true, "director": true, "admin": false, "evaluator": false, "contract_manager": false} {
		if got := s.eval(t, `document.querySelector('input[name="roles"][value="`+role+`"]').checked`); got != strconv.FormatBool(want) {
			t.Errorf("after the error, %s is ticked: %s, want %v", role, got, want)
		}
	}
	s.fill(t, "#email", "two.roles@star.example")
	s.press(t, "Send invitation")
	s.wantText(t, "Invitation sent to two.roles@star.example", "Pending invitations", "Invited as buyer, director")
	// Revoking it takes it off the list.
	s.clickTo(t, "//li[contains(., 'two.roles@star.example')]//button[contains(normalize-space(), 'Revoke')]", 200)
	s.wantText(t, "The invitation to two.roles@star.example has been revoked")
	if strings.Contains(s.mainText(t), "Invited as buyer, director") {
		t.Error("a revoked invitation is still listed")
	}
}

func peoplePassword(t *testing.T, v *visit) {
	s := v.signIn(t, "buyer@stockport.example")
	s.open(t, "/account")
	const wrong, next = "not my password at all", "a brand new long passphrase"
	s.fill(t, "#current", wrong)
	s.fill(t, "#password", next)
	s.fill(t, "#confirm", next)
	s.clickTo(t, "//button[normalize-space()='Change password']", 422)
	s.wantText(t, "There is a problem", "Your current password is not correct")
	for _, sel := range []string{"#current", "#password", "#confirm"} {
		if got := s.value(t, sel); got != "" {
			t.Errorf("%s comes back holding %q", sel, got)
		}
	}
	if html := s.eval(t, `document.documentElement.outerHTML`); strings.Contains(html, wrong) || strings.Contains(html, next) {
		t.Error("the page holds a password that was typed")
	}
	// Still signed in, with the old password still the password.
	s.open(t, "/o/stockport")
}

// todoCount is the number a to-do group's heading shows.
func todoCount(t *testing.T, s *session, group string) int {
	t.Helper()
	n, err := strconv.Atoi(s.attr(t, "#todo-"+group+" .tally-todo__count", "data-count"))
	if err != nil {
		t.Fatalf("to-do %s: %v", group, err)
	}
	return n
}

func peopleHome(t *testing.T, v *visit) {
	a := v.app
	count := func(sql string, args ...any) int {
		var n int
		adminQuery(t, a, sql, args, &n)
		return n
	}
	// The buyer: drafts, deadlines this week, closed tenders to evaluate.
	stockport := orgID(t, a, "stockport")
	s := v.signIn(t, "buyer@stockport.example")
	s.open(t, "/o/stockport")
	for group, sql := range map[string]string{
		"drafts":     `SELECT count(*) FROM tenders WHERE partner_id = $1 AND status = 'draft'`,
		"deadlines":  `SELECT count(*) FROM tenders WHERE partner_id = $1 AND status = 'published' AND deadline > now() AND deadline <= now() + interval '7 days'`,
		"evaluation": `SELECT count(*) FROM tenders WHERE partner_id = $1 AND status = 'published' AND deadline <= now()`,
	} {
		if got, want := todoCount(t, s, group), count(sql, stockport); got != want {
			t.Errorf("the buyer's %s: %d, want %d", group, got, want)
		}
	}
	s.clickTo(t, "#todo-evaluation li a", 200)
	s.wantText(t, "Evaluation")

	// The supplier: queries awaiting its answer, returns due, draft offers.
	nb := orgID(t, a, "northernbuild")
	s = v.signIn(t, "bids@northernbuild.example")
	s.open(t, "/o/northernbuild")
	if got, want := todoCount(t, s, "queries"), count(`SELECT count(*) FROM returns WHERE supplier_id = $1 AND status = 'queried'`, nb); got != want || want == 0 {
		t.Errorf("the supplier's queries: %d, want %d (and more than 0)", got, want)
	}
	if got, want := todoCount(t, s, "returns"), count(`SELECT count(*) FROM contract_periods WHERE supplier_id = $1 AND NOT submitted
		AND period_end <= (now() AT TIME ZONE 'Europe/London')::date`, nb); got != want {
		t.Errorf("the supplier's returns due: %d, want %d", got, want)
	}
	if got, want := todoCount(t, s, "offers"), count(`SELECT count(*) FROM offers f JOIN tenders t ON t.partner_id = f.partner_id AND t.id = f.tender_id
		WHERE f.supplier_id = $1 AND f.status = 'draft' AND t.status = 'published' AND t.deadline > now()`, nb); got != want {
		t.Errorf("the supplier's draft offers: %d, want %d", got, want)
	}
	s.clickTo(t, "#todo-queries li a", 200)
	s.wantText(t, "Delivery return")

	// The contract manager: returns to check and overdue returns.
	trafford := orgID(t, a, "trafford")
	s = v.signIn(t, "contracts@trafford.example")
	s.open(t, "/o/trafford")
	if got, want := todoCount(t, s, "check"), count(`SELECT count(*) FROM returns WHERE partner_id = $1 AND status = 'submitted'`, trafford); got != want || want == 0 {
		t.Errorf("returns to check: %d, want %d (and more than 0)", got, want)
	}
	if got, want := todoCount(t, s, "overdue"), count(`SELECT count(*) FROM contract_periods WHERE partner_id = $1 AND NOT submitted
		AND due < (now() AT TIME ZONE 'Europe/London')::date`, trafford); got != want {
		t.Errorf("overdue returns: %d, want %d", got, want)
	}
	s.clickTo(t, "#todo-check li a", 200)
	s.wantText(t, "Delivery return")
}

// peopleNarrow opens the people pages on a 375 px wide screen and checks
// that none is wider than the screen (WCAG 1.4.10): wide tables scroll in
// their own box.
func peopleNarrow(t *testing.T, v *visit) {
	for _, who := range []struct {
		email string
		paths []string
	}{
		{"admin@star.example", []string{"/o/star", "/o/star/users", "/o/star/audit", "/o/star/notifications", "/account", "/o/star/settings/stockport"}},
		{"buyer@stockport.example", []string{"/o/stockport"}},
		{"contracts@trafford.example", []string{"/o/trafford"}},
		{"bids@northernbuild.example", []string{"/o/northernbuild", "/o/northernbuild/users"}},
	} {
		s := v.signIn(t, who.email)
		if _, err := chromedp.Call(s.ctx, emulation.SetDeviceMetricsOverride,
			emulation.SetDeviceMetricsOverrideParams{Width: 375, Height: 800, DeviceScaleFactor: 2, Mobile: true}); err != nil {
			t.Fatalf("a 375 px screen: %v", err)
		}
		for _, p := range who.paths {
			s.open(t, p)
			var w struct{ Scroll, Inner int }
			if err := json.Unmarshal([]byte(s.eval(t, `({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`)), &w); err != nil {
				t.Fatal(err)
			}
			if w.Scroll > w.Inner {
				t.Errorf("%s at 375 px: the page is %d px wide, wider than the %d px screen", p, w.Scroll, w.Inner)
			}
		}
	}
}
