package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// rmWorld is rtSetup's partners and suppliers, with people: a contract
// manager of partner A who gets the digest and one who turned it off, and
// a person at each supplier. Supplier S has a contract with A running
// through 2025 whose first quarter's return is due on 30 April 2025.
type rmWorld struct {
	*rtWorld
	admin     *pgx.Conn // superuser: reads the truth past row-level security
	contract  tally.Contract
	person    string // supplier S's person
	other     string // supplier T's person
	cm, cmOff string // partner A's contract managers, with the digest on and off
	personID  int64
	cmOffID   int64
}

func rmSetup(t *testing.T) *rmWorld {
	t.Helper()
	ctx := context.Background()
	w := &rmWorld{rtWorld: rtSetup(t)}
	var err error
	if w.admin, err = pgx.Connect(ctx, w.db.AdminURL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.admin.Close(context.Background()) })
	tag := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	person := func(who string, org int64, role tally.Role) (string, int64) {
		email := who + "." + tag + "@rm.example"
		var id int64
		if err := w.admin.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, email, who).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := w.admin.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)`, id, org, role); err != nil {
			t.Fatal(err)
		}
		return email, id
	}
	w.person, w.personID = person("sam", w.supplierS, tally.RoleSupplier)
	w.other, _ = person("tess", w.supplierT, tally.RoleSupplier)
	w.cm, _ = person("cara", w.partnerA, tally.RoleContractManager)
	w.cmOff, w.cmOffID = person("colm", w.partnerA, tally.RoleContractManager)
	if err := w.store.SetEmailChoices(ctx, w.cmOffID, tally.EmailChoices{Reminders: true, Digest: false}); err != nil {
		t.Fatal(err)
	}
	w.contract = w.contract2025(t, w.supplierS, "RM-1")
	return w
}

// contract2025 is a contract between partner A and supplier for 2025, with
// one KPI of 8 people (£100 each) phased over its four quarters.
func (w *rmWorld) contract2025(t *testing.T, supplier int64, ref string) tally.Contract {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, tally.London())
	c := postgres.NewContract{PartnerID: w.partnerA, SupplierID: supplier, Reference: ref, Title: "Contract " + ref, Value: 100_000_00,
		Start: start, End: start.AddDate(1, 0, -1), AwardedOn: start,
		KPIs: []postgres.NewKPI{{Quantity: 8000, Measure: tally.TenderMeasure{
			Edition: "Test", Code: "NT1", Title: "Measure 1", Unit: "people", Proxy: 100 * 10_000, HasProxy: true}}}}
	id, err := w.store.CreateDirectContract(ctx, w.staff(w.partnerA), c)
	if err != nil {
		t.Fatal(err)
	}
	full, err := w.store.Contract(ctx, w.staff(w.partnerA), id)
	if err != nil {
		t.Fatal(err)
	}
	return full
}

// rmAt is a London time: "2025-04-23 09:00".
func rmAt(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, tally.London())
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// sweep runs the reminders at London time at and returns how many were sent.
func (w *rmWorld) sweep(t *testing.T, at string) int {
	t.Helper()
	n, err := w.store.SendReminders(context.Background(), rmAt(t, at))
	if err != nil {
		t.Fatalf("sweep at %s: %v", at, err)
	}
	return n
}

// messages are the subjects of the messages in the app to org, oldest first.
func (w *rmWorld) messages(t *testing.T, org int64) []string {
	t.Helper()
	rows, err := w.admin.Query(context.Background(), `SELECT subject FROM notifications WHERE org_id = $1 ORDER BY id`, org)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return subjects
}

func (w *rmWorld) body(t *testing.T, org int64, subject string) string {
	t.Helper()
	var body string
	if err := w.admin.QueryRow(context.Background(), `SELECT body FROM notifications WHERE org_id = $1 AND subject = $2 ORDER BY id DESC LIMIT 1`,
		org, subject).Scan(&body); err != nil {
		t.Fatalf("message %q: %v", subject, err)
	}
	return body
}

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
	r, err := w.store.VerifyReturn(ctx, w.staffOf(w.partnerA), id, []postgres.Verdict{
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

// staffOf is a contract manager's scope in partner.
func (w *rmWorld) staffOf(partner int64) tally.Scope {
	s := w.staff(partner)
	s.Roles = []tally.Role{tally.RoleContractManager}
	return s
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
	if _, err := w.store.VerifyReturn(ctx, w.staffOf(w.partnerA), id, []postgres.Verdict{
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

func TestDraftOfferIsRemindedBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := tnSetup(t)
	person := "bids@" + strings.ToLower(t.Name()) + ".example"
	uid := w.adminID(t, `INSERT INTO users (email, name) VALUES ($1, 'Bea') RETURNING id`, person)
	w.adminExec(t, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'supplier')`, uid, w.suppliers[0])
	tn := w.open(t, "RM-T1")
	offer, _ := w.saved(t, 0, tn, "2") // a draft
	w.submitted(t, 1, tn, "2")         // submitted: no reminder
	w.moveDeadline(t, tn.ID, `timestamptz '2025-06-12 12:00 Europe/London'`)
	sweep := func(at string) int {
		t.Helper()
		when, err := time.ParseInLocation("2006-01-02 15:04", at, tally.London())
		if err != nil {
			t.Fatal(err)
		}
		n, err := w.store.SendReminders(ctx, when)
		if err != nil {
			t.Fatalf("sweep at %s: %v", at, err)
		}
		return n
	}
	messages := func(org int64) int { return w.truth(t, `SELECT count(*) FROM notifications WHERE org_id = $1`, org) }
	if n := sweep("2025-06-10 11:59"); n != 0 {
		t.Errorf("49 hours before: sent %d, want none", n)
	}
	if n := sweep("2025-06-10 12:00"); n != 1 {
		t.Errorf("48 hours before: sent %d, want 1", n)
	}
	sweep("2025-06-11 09:00")
	sweep("2025-06-12 11:00")
	if got := messages(w.suppliers[0]); got != 1 {
		t.Errorf("supplier with a draft: %d messages, want 1", got)
	}
	if got := messages(w.suppliers[1]); got != 0 {
		t.Errorf("supplier that submitted: %d messages, want none", got)
	}
	var subject, link string
	if err := w.admin.QueryRow(ctx, `SELECT subject, link FROM notifications WHERE org_id = $1`, w.suppliers[0]).Scan(&subject, &link); err != nil {
		t.Fatal(err)
	}
	if want := "Your offer on RM-T1 is not submitted: the deadline is midday on 12 June 2025"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	if want := fmt.Sprintf("/o/s0/offers/%d", offer); link != want {
		t.Errorf("link %q, want %q", link, want)
	}
	// An extended deadline is reminded of again.
	w.moveDeadline(t, tn.ID, `timestamptz '2025-06-19 12:00 Europe/London'`)
	sweep("2025-06-18 09:00")
	sweep("2025-06-18 10:00")
	if got := messages(w.suppliers[0]); got != 2 {
		t.Errorf("after an extension: %d messages, want 2", got)
	}
	if got := emailsTo(t, w.db, person); len(got) != 2 {
		t.Errorf("emails: %q, want 2", got)
	}
}

// The owner's policy that lets tally_remind_drafts read every supplier's
// drafts is no door for the app role, whatever it sets; and the function
// gives back the caller's scope as it was.
func TestAppRoleCannotReadOthersDrafts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := tnSetup(t)
	tn := w.open(t, "RM-T2")
	w.saved(t, 0, tn, "2")
	err := w.store.InTx(ctx, w.buyer, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.remind_drafts', 'on', true)`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM offers`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("the buyer, with app.remind_drafts on, sees %d draft offers", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = w.store.InTx(ctx, w.supplier(1), func(tx pgx.Tx) error {
		var found, seen int
		var partners, remind string
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM tally_remind_drafts('-infinity', 'infinity')`).Scan(&found); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*), current_setting('app.partner_ids'), current_setting('app.remind_drafts')
			FROM offers`).Scan(&seen, &partners, &remind); err != nil {
			return err
		}
		if found != 1 || seen != 0 || partners != "{}" || remind != "" {
			t.Errorf("tally_remind_drafts found %d drafts (want 1); then supplier 1 sees %d offers (want 0), partners %q, remind %q",
				found, seen, partners, remind)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
