package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// rmCount is how many of subjects are subject.
func rmCount(subjects []string, subject string) int {
	n := 0
	for _, s := range subjects {
		if s == subject {
			n++
		}
	}
	return n
}

func TestOverdueReturnIsRemindedForTwelveWeeks(t *testing.T) {
	t.Parallel()
	w := rmSetup(t)
	overdue := "Your return for RM-1, quarter 1, is overdue"
	// The first sweep in a while (just deployed, say) sends this week's
	// reminder alone, not one for every week missed: 23 July 2025 is 84
	// days after the due date, the last day of week 12.
	for _, s := range []struct {
		at   string
		want int
	}{{"2025-07-23 09:00", 1}, {"2025-07-23 18:00", 1}, {"2025-07-24 09:00", 1}, {"2025-07-31 09:00", 1}, {"2025-10-01 09:00", 1}} {
		w.sweep(t, s.at)
		if got := rmCount(w.messages(t, w.supplierS), overdue); got != s.want {
			t.Errorf("at %s: %d overdue reminders for quarter 1, want %d", s.at, got, s.want)
		}
	}
	if got := w.body(t, w.supplierS, overdue); !strings.Contains(got, "is 84 days overdue") {
		t.Errorf("last reminder: %q", got)
	}
}

func TestNoRemindersOfAnEndedContractsOldReturns(t *testing.T) {
	t.Parallel()
	w := rmSetup(t)
	// June 2026: the 2025 contract ended in December and its last return
	// fell due more than 12 weeks ago; none of its four was submitted.
	w.sweep(t, "2026-06-01 09:00")
	if got := w.messages(t, w.supplierS); len(got) != 0 {
		t.Errorf("supplier's messages: %q, want none", got)
	}
	// Its contract managers still see every one in the digest.
	if got := w.body(t, w.partnerA, "Weekly digest for Org pa"); !strings.Contains(got, "Overdue returns (4):") {
		t.Errorf("digest:\n%s\nwant the four overdue returns", got)
	}
}

func TestReminderDigestReportsAContractThatFallsAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rmSetup(t)
	// RM-2's returns are never verified: Inadequate from quarter 1 on.
	second := w.contract2025(t, w.supplierT, "RM-2")
	w.submitted(t, second, 1, []tally.Quantity{2000})
	digest := "Weekly digest for Org pa"
	rated := func(at string) string {
		t.Helper()
		before := rmCount(w.messages(t, w.partnerA), digest)
		w.sweep(t, at)
		if got := rmCount(w.messages(t, w.partnerA), digest); got != before+1 {
			t.Fatalf("at %s: %d digests, want %d", at, got, before+1)
		}
		body := w.body(t, w.partnerA, digest)
		_, section, _ := strings.Cut(body, "Contracts newly rated Requires improvement or Inadequate")
		section, _, _ = strings.Cut(section, "\n\nThe returns page")
		return section
	}
	if got, want := rated("2025-05-05 09:00"), " (2):\n- RM-1 Contract RM-1, Org ss: Inadequate\n- RM-2 Contract RM-2, Org st: Inadequate"; got != want {
		t.Errorf("first digest's ratings: %q, want %q", got, want)
	}
	// RM-1's first return is submitted late and verified in full: Good.
	id := w.submitted(t, w.contract, 1, []tally.Quantity{2000})
	if _, err := w.store.VerifyReturn(ctx, w.staffOf(w.partnerA), id, 1, []postgres.Verdict{
		{KPIID: w.contract.KPIs[0].ID, Decision: tally.DecisionVerified}}); err != nil {
		t.Fatal(err)
	}
	if got := rated("2025-05-12 09:00"); got != "" {
		t.Errorf("digest after RM-1 recovered reports ratings: %q", got)
	}
	// Quarter 2 is due and nothing was delivered in it: RM-1 falls again
	// and is reported again; RM-2, Inadequate all along, is not.
	if got, want := rated("2025-08-04 09:00"), " (1):\n- RM-1 Contract RM-1, Org ss: Inadequate"; got != want {
		t.Errorf("digest after RM-1 fell again: ratings %q, want %q", got, want)
	}
	if got := rated("2025-08-11 09:00"); got != "" {
		t.Errorf("the next week's digest reports ratings again: %q", got)
	}
}
