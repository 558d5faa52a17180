package postgres_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

func TestReminderDueInSevenDaysIsSentOnce(t *testing.T) {
	t.Parallel()
	w := rmSetup(t)
	for _, at := range []string{"2025-04-22 12:00", "2025-04-23 06:59"} {
		if n := w.sweep(t, at); n != 0 {
			t.Errorf("sweep at %s sent %d, want none (8 days ahead; before 7am)", at, n)
		}
	}
	if n := w.sweep(t, "2025-04-23 07:00"); n != 1 {
		t.Errorf("sweep 7 days before sent %d, want 1", n)
	}
	for _, at := range []string{"2025-04-23 07:00", "2025-04-23 18:00", "2025-04-24 09:00", "2025-04-29 09:00"} {
		if n := w.sweep(t, at); n != 0 {
			t.Errorf("sweep at %s sent %d, want none: the return was reminded of already", at, n)
		}
	}
	want := []string{"Your return for RM-1, quarter 1, is due in 7 days"}
	if got := w.messages(t, w.supplierS); !slices.Equal(got, want) {
		t.Errorf("supplier's messages: %q, want %q", got, want)
	}
	if got := w.body(t, w.supplierS, want[0]); !strings.Contains(got, "is due in 7 days, on 30 April 2025") {
		t.Errorf("body: %q", got)
	}
	if got := emailsTo(t, w.db, w.person); !slices.Equal(got, want) {
		t.Errorf("emails to the supplier's person: %q, want %q", got, want)
	}
	if got := w.messages(t, w.partnerA); len(got) != 0 {
		t.Errorf("partner's messages: %q, want none (nothing for a digest)", got)
	}
}

func TestNoReturnReminderAfterSubmission(t *testing.T) {
	t.Parallel()
	w := rmSetup(t)
	w.sweep(t, "2025-04-23 09:00")
	w.submitted(t, w.contract, 1, []tally.Quantity{2000})
	for _, at := range []string{"2025-04-24 09:00", "2025-04-30 09:00", "2025-05-01 09:00", "2025-05-08 09:00", "2025-06-01 09:00"} {
		w.sweep(t, at)
	}
	want := []string{"Your return for RM-1, quarter 1, is due in 7 days"}
	if got := w.messages(t, w.supplierS); !slices.Equal(got, want) {
		t.Errorf("supplier's messages: %q, want only the reminder before it submitted", got)
	}
}

func TestOverdueReturnIsRemindedWeekly(t *testing.T) {
	t.Parallel()
	w := rmSetup(t)
	steps := []struct {
		at   string
		sent []string // supplier S's new messages
	}{
		{"2025-04-30 09:00", []string{"Your return for RM-1, quarter 1, is due today"}},
		{"2025-04-30 17:00", nil},
		{"2025-05-01 09:00", []string{"Your return for RM-1, quarter 1, is overdue"}}, // week 1
		{"2025-05-01 20:00", nil},
		{"2025-05-07 09:00", nil}, // 7 days overdue: still week 1
		{"2025-05-08 09:00", []string{"Your return for RM-1, quarter 1, is overdue"}}, // week 2
		{"2025-05-14 23:00", nil},
		{"2025-05-15 07:30", []string{"Your return for RM-1, quarter 1, is overdue"}}, // week 3
	}
	seen := 0
	for _, s := range steps {
		w.sweep(t, s.at)
		got := w.messages(t, w.supplierS)[seen:]
		if !slices.Equal(got, s.sent) {
			t.Errorf("at %s: new messages %q, want %q", s.at, got, s.sent)
		}
		seen += len(got)
	}
	if got := w.body(t, w.supplierS, "Your return for RM-1, quarter 1, is overdue"); !strings.Contains(got, "was due on 30 April 2025 and is 15 days overdue") {
		t.Errorf("third reminder: %q", got)
	}
	if got := emailsTo(t, w.db, w.person); len(got) != 4 {
		t.Errorf("emails to the supplier's person: %q, want 4", got)
	}
}

func TestQueryAwaitingAnAnswerIsRemindedWeekly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rmSetup(t)
	id := w.submitted(t, w.contract, 1, []tally.Quantity{2000})
	r, err := w.store.VerifyReturn(ctx, w.staffOf(w.partnerA), id, 1, []postgres.Verdict{
		{KPIID: w.contract.KPIs[0].ID, Decision: tally.DecisionQueried, Note: "Which sites?"}})
	if err != nil {
		t.Fatal(err)
	}
	var asked time.Time
	if err := w.admin.QueryRow(ctx, `SELECT max(decided_at) FROM return_lines WHERE return_id = $1`, id).Scan(&asked); err != nil {
		t.Fatal(err)
	}
	day := func(days int) string {
		return asked.In(tally.London()).AddDate(0, 0, days).Format("2006-01-02") + " 09:00"
	}
	reminders := func() int {
		n := 0
		for _, s := range w.messages(t, w.supplierS) {
			if s == "Your answer is needed: return for RM-1, quarter 1" {
				n++
			}
		}
		return n
	}
	for _, s := range []struct {
		at   string
		want int
	}{{day(6), 0}, {day(7), 1}, {day(7), 1}, {day(13), 1}, {day(14), 2}} {
		w.sweep(t, s.at)
		if got := reminders(); got != s.want {
			t.Errorf("at %s: %d reminders of the question, want %d", s.at, got, s.want)
		}
	}
	// Answered and resubmitted: no more.
	sup := w.supplier(w.supplierS)
	if err := w.store.SaveReturn(ctx, sup, id, r.Version, postgres.ReturnInput{Narrative: "Delivered.", AttestContract: true, AttestPeriod: true,
		Quantities: map[int64]tally.Quantity{w.contract.KPIs[0].ID: 2000}, Answers: map[int64]string{w.contract.KPIs[0].ID: "Hyde."}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.SubmitReturn(ctx, sup, id, r.Version+1); err != nil {
		t.Fatal(err)
	}
	w.sweep(t, day(21))
	if got := reminders(); got != 2 {
		t.Errorf("after resubmission: %d reminders of the question, want still 2", got)
	}
}

func TestWeeklyDigestRespectsTheOptOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rmSetup(t)
	second := w.contract2025(t, w.supplierT, "RM-2")
	w.submitted(t, second, 1, []tally.Quantity{2000})
	// Monday 5 May 2025: RM-1's first return is overdue, RM-2's is waiting
	// to be checked, and both are rated Inadequate (nothing verified).
	w.sweep(t, "2025-05-05 09:00")
	digest := "Weekly digest for Org pa"
	digests := func() []string {
		return slices.DeleteFunc(w.messages(t, w.partnerA), func(s string) bool { return s != digest })
	}
	if got := digests(); !slices.Equal(got, []string{digest}) {
		t.Fatalf("partner's messages: %q, want the digest", got)
	}
	want := "This week at Org pa:\n\n" +
		"Returns to check (1):\n- RM-2 Contract RM-2, quarter 1, from Org st\n\n" +
		"Overdue returns (1):\n- RM-1 Contract RM-1, quarter 1, from Org ss: due 30 April 2025\n\n" +
		"Contracts newly rated Requires improvement or Inadequate (2):\n- RM-1 Contract RM-1, Org ss: Inadequate\n- RM-2 Contract RM-2, Org st: Inadequate\n\n" +
		"The returns page in Tally lists every return to check and every overdue return."
	if got := w.body(t, w.partnerA, digest); got != want {
		t.Errorf("digest:\n%s\nwant:\n%s", got, want)
	}
	// Both were emailed that RM-2's return was submitted: the digest's
	// setting turns off the digest alone.
	submitted := "Return submitted: RM-2, quarter 1"
	if got := emailsTo(t, w.db, w.cm); !slices.Equal(got, []string{submitted, digest}) {
		t.Errorf("emails to the contract manager with the digest on: %q", got)
	}
	if got := emailsTo(t, w.db, w.cmOff); !slices.Equal(got, []string{submitted}) {
		t.Errorf("emails to the contract manager who turned the digest off: %q, want only %q", got, submitted)
	}
	// Once a week; the next week's leaves out the contract it reported as
	// Inadequate already.
	w.sweep(t, "2025-05-09 09:00")
	w.sweep(t, "2025-05-12 09:00")
	if got := digests(); len(got) != 2 {
		t.Fatalf("partner's digests after two weeks: %q, want two", got)
	}
	if got := w.body(t, w.partnerA, digest); strings.Contains(got, "newly rated") {
		t.Errorf("second digest reports the rating again:\n%s", got)
	}
	// Turned back on, the next digest is emailed.
	if err := w.store.SetEmailChoices(ctx, w.cmOffID, tally.EmailChoices{Reminders: true, Digest: true}); err != nil {
		t.Fatal(err)
	}
	w.sweep(t, "2025-05-19 09:00")
	if got := emailsTo(t, w.db, w.cmOff); !slices.Equal(got, []string{submitted, digest}) {
		t.Errorf("emails after turning the digest on: %q, want one digest", got)
	}
}

func TestRemindersRespectTheOptOut(t *testing.T) {
	t.Parallel()
	w := rmSetup(t)
	if err := w.store.SetEmailChoices(context.Background(), w.personID, tally.EmailChoices{}); err != nil {
		t.Fatal(err)
	}
	w.sweep(t, "2025-04-23 09:00")
	if got := w.messages(t, w.supplierS); len(got) != 1 {
		t.Errorf("supplier's messages: %q, want the reminder in the app", got)
	}
	if got := emailsTo(t, w.db, w.person); len(got) != 0 {
		t.Errorf("emails to a person who turned reminders off: %q, want none", got)
	}
}

// Turning reminders off stops the reminders alone: a question raised about
// the supplier's return (a message about its work) is still emailed, and
// the later reminder of it is not.
func TestStatutoryMessagesIgnoreTheOptOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rmSetup(t)
	if err := w.store.SetEmailChoices(ctx, w.personID, tally.EmailChoices{Reminders: false, Digest: true}); err != nil {
		t.Fatal(err)
	}
	id := w.submitted(t, w.contract, 1, []tally.Quantity{2000})
	if _, err := w.store.VerifyReturn(ctx, w.staffOf(w.partnerA), id, 1, []postgres.Verdict{
		{KPIID: w.contract.KPIs[0].ID, Decision: tally.DecisionQueried, Note: "Which sites?"}}); err != nil {
		t.Fatal(err)
	}
	question := "Question about your return for RM-1, quarter 1"
	if got := emailsTo(t, w.db, w.person); !slices.Equal(got, []string{question}) {
		t.Errorf("emails to a person with reminders off: %q, want the question", got)
	}
	w.sweep(t, time.Now().In(tally.London()).AddDate(0, 0, 8).Format("2006-01-02")+" 09:00")
	if got := w.messages(t, w.supplierS); !slices.Contains(got, "Your answer is needed: return for RM-1, quarter 1") {
		t.Errorf("supplier's messages: %q, want the reminder in the app", got)
	}
	if got := emailsTo(t, w.db, w.person); !slices.Equal(got, []string{question}) {
		t.Errorf("emails after the sweep: %q, want still only the question", got)
	}
}

// Two nodes (two pools), each running several sweeps at once at the same
// moment, send each reminder once.
func TestConcurrentSweepsSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rmSetup(t)
	w.contract2025(t, w.supplierT, "RM-2")
	other, err := postgres.Open(ctx, w.db.AppURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	nodes := []*postgres.Store{w.store, postgres.New(other)}
	at := rmAt(t, "2025-05-05 09:00")
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := range 8 {
		wg.Go(func() {
			n, err := nodes[i%2].SendReminders(ctx, at)
			if err != nil {
				t.Errorf("sweep %d: %v", i, err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	// RM-1 and RM-2 overdue (week 1), and partner A's digest.
	if total != 3 {
		t.Errorf("sent %d in all, want 3", total)
	}
	for org, want := range map[int64]int{w.supplierS: 1, w.supplierT: 1, w.partnerA: 1, w.partnerB: 0} {
		if got := w.messages(t, org); len(got) != want {
			t.Errorf("org %d: messages %q, want %d", org, got, want)
		}
	}
	for _, addr := range []string{w.person, w.other, w.cm} {
		if got := emailsTo(t, w.db, addr); len(got) != 1 {
			t.Errorf("emails to %s: %q, want 1", addr, got)
		}
	}
}
