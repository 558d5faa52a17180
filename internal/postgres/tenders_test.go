package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

func TestExtendDeadlineResealsAndNamesSuppliers(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-EXT")
	other := w.open(t, "T-OTHER")
	submittedID, _ := w.submitted(t, 0, tn, "1")
	w.saved(t, 1, tn, "1") // a draft: its supplier is told too
	w.submitted(t, 2, other, "1")

	newDeadline := tn.Deadline.Add(24 * time.Hour)
	got, suppliers, err := w.store.ExtendDeadline(ctx, w.buyer, tn.ID, newDeadline, "Clarification issued")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Deadline.Equal(newDeadline) {
		t.Errorf("deadline %v, want %v", got.Deadline, newDeadline)
	}
	if len(suppliers) != 2 || !(suppliers[0] == w.suppliers[0] || suppliers[1] == w.suppliers[0]) ||
		!(suppliers[0] == w.suppliers[1] || suppliers[1] == w.suppliers[1]) {
		t.Errorf("suppliers to tell %v, want %v and %v", suppliers, w.suppliers[0], w.suppliers[1])
	}
	for _, table := range []string{"offers", "offer_lines", "offer_submissions"} {
		if n := w.truth(t, `SELECT count(*) FROM `+table+` WHERE tender_id = $1 AND sealed_until <> 'infinity' AND sealed_until <> $2`,
			tn.ID, newDeadline); n != 0 {
			t.Errorf("%d rows of %s not resealed to the new deadline", n, table)
		}
		if n := w.truth(t, `SELECT count(*) FROM `+table+` WHERE tender_id = $1 AND sealed_until = $2`, tn.ID, newDeadline); n == 0 {
			t.Errorf("no row of %s sealed to the new deadline", table)
		}
		// Another tender's offers are untouched.
		if n := w.truth(t, `SELECT count(*) FROM `+table+` WHERE tender_id = $1 AND sealed_until = $2`, other.ID, other.Deadline); n == 0 {
			t.Errorf("%s of another tender were resealed", table)
		}
	}
	if n := w.truth(t, `SELECT count(*) FROM offers WHERE id = $1 AND sealed_until = 'infinity'`, w.truth(t,
		`SELECT id FROM offers WHERE tender_id = $1 AND supplier_id = $2`, tn.ID, w.suppliers[1])); n != 1 {
		t.Error("the draft is no longer sealed for ever")
	}
	if n := w.truth(t, `SELECT count(*) FROM audit_log WHERE action = 'tender.extend' AND detail->>'reason' = 'Clarification issued'`); n != 1 {
		t.Errorf("%d extensions audited, want 1", n)
	}

	// The old deadline passes: still sealed. (Move the calendar so that the
	// old deadline is a minute ago and the new one a day less a minute away.)
	w.adminExec(t, `UPDATE tenders SET deadline = now() + interval '1 day' - interval '1 minute' WHERE id = $1`, tn.ID)
	w.adminExec(t, `UPDATE offers SET sealed_until = t.deadline FROM tenders t WHERE t.id = offers.tender_id AND offers.tender_id = $1 AND sealed_until <> 'infinity'`, tn.ID)
	w.adminExec(t, `UPDATE offer_lines SET sealed_until = t.deadline FROM tenders t WHERE t.id = offer_lines.tender_id AND offer_lines.tender_id = $1 AND sealed_until <> 'infinity'`, tn.ID)
	w.adminExec(t, `UPDATE offer_submissions SET sealed_until = t.deadline FROM tenders t WHERE t.id = offer_submissions.tender_id AND offer_submissions.tender_id = $1 AND sealed_until <> 'infinity'`, tn.ID)
	for _, table := range []string{"offers", "offer_lines", "offer_submissions"} {
		if n := w.seen(t, w.buyer, `SELECT count(*) FROM `+table+` WHERE tender_id = $1`, tn.ID); n != 0 {
			t.Errorf("past the old deadline the buyer sees %d rows of %s", n, table)
		}
	}
	// The new deadline passes: open.
	w.moveDeadline(t, tn.ID, "now()")
	if n := w.seen(t, w.buyer, `SELECT count(*) FROM offers WHERE tender_id = $1`, tn.ID); n != 1 {
		t.Errorf("past the new deadline the buyer sees %d offers, want 1", n)
	}
	if list, err := w.store.TenderSubmissions(ctx, w.buyer, tn.ID); err != nil || len(list) != 1 || list[0].OfferID != submittedID {
		t.Errorf("submissions past the new deadline: %+v, %v", list, err)
	}
}

func TestExtendDeadlineRules(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-RULES")
	draft := w.draft(t, "T-DRAFT", "JOB1")
	cases := []struct {
		name     string
		id       int64
		deadline time.Time
		scope    tally.Scope
		field    string
		notFound bool
	}{
		{"earlier", tn.ID, tn.Deadline.Add(-time.Minute), w.buyer, "deadline", false},
		{"the same", tn.ID, tn.Deadline, w.buyer, "deadline", false},
		{"a draft", draft, time.Now().Add(48 * time.Hour), w.buyer, "deadline", false},
		{"another partner's buyer", tn.ID, tn.Deadline.Add(time.Hour), w.outsider, "", true},
		{"a supplier", tn.ID, tn.Deadline.Add(time.Hour), w.supplier(0), "", true},
	}
	for _, c := range cases {
		_, _, err := w.store.ExtendDeadline(ctx, c.scope, c.id, c.deadline, "why")
		var fe tally.FormErrors
		switch {
		case c.notFound && !errors.Is(err, tally.ErrNotFound):
			t.Errorf("%s: %v, want ErrNotFound", c.name, err)
		case !c.notFound && (!errors.As(err, &fe) || fe[c.field] == ""):
			t.Errorf("%s: %v, want a message on %q", c.name, err, c.field)
		}
	}
	// Once the deadline has passed, it cannot be extended.
	w.moveDeadline(t, tn.ID, "now() - interval '1 minute'")
	_, _, err := w.store.ExtendDeadline(ctx, w.buyer, tn.ID, time.Now().Add(time.Hour), "too late")
	var fe tally.FormErrors
	if !errors.As(err, &fe) || !strings.Contains(fe["deadline"], "closed") {
		t.Errorf("extending a closed tender: %v", err)
	}
	if n := w.truth(t, `SELECT count(*) FROM tenders WHERE id = $1 AND deadline < now()`, tn.ID); n != 1 {
		t.Error("a refused extension moved the deadline")
	}
}

func TestPublishFreezesProxyValues(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	id := w.draft(t, "T-FREEZE", "JOB1", "VOL1")
	// Before publication the tender follows the catalogue: publishing copies
	// the value it has then.
	w.adminExec(t, `UPDATE measures SET proxy = 300000000, title = 'Local people employed (revised)' WHERE id = $1`, w.measures["JOB1"])
	if err := w.store.PublishTender(ctx, w.buyer, id); err != nil {
		t.Fatal(err)
	}
	tn, err := w.store.Tender(ctx, w.buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	job := tn.Measures[0]
	if job.Code != "JOB1" || job.Proxy != 300_000_000 || job.Title != "Local people employed (revised)" {
		t.Fatalf("published measure %+v, want the catalogue's current £30,000", job)
	}
	if rec := tn.Measures[1]; rec.HasProxy {
		t.Errorf("record-only measure published with a proxy: %+v", rec)
	}

	// After publication no catalogue edit reaches the tender or its offers.
	w.adminExec(t, `UPDATE measures SET proxy = 1, title = 'Changed again' WHERE id = $1`, w.measures["JOB1"])
	w.adminExec(t, `UPDATE measures SET proxy = 50000 WHERE id = $1`, w.measures["VOL1"])
	again, err := w.store.Tender(ctx, w.buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	if again.Measures[0].Proxy != 300_000_000 || again.Measures[0].Title != "Local people employed (revised)" || again.Measures[1].HasProxy {
		t.Errorf("published measures changed with the catalogue: %+v", again.Measures)
	}
	if n := w.truth(t, `SELECT count(*) FROM tender_measures WHERE tender_id = $1 AND published AND proxy = 300000000`, id); n != 1 {
		t.Error("the frozen row changed")
	}
	offerID, _ := w.saved(t, 0, again, "2")
	f, _, err := w.store.Offer(ctx, w.supplier(0), offerID)
	if err != nil {
		t.Fatal(err)
	}
	if f.SocialValue != 6_000_000 || f.Lines[0].Value != 6_000_000 || f.Lines[1].Value != 0 {
		t.Errorf("offer valued at %v (lines %+v), want 2 × £30,000 = £60,000.00 and £0 for the record-only line", f.SocialValue, f.Lines)
	}
	// Suppliers see the frozen measures of a published tender only.
	draft := w.draft(t, "T-UNPUBLISHED", "JOB1")
	if _, err := w.store.Tender(ctx, w.supplier(0), draft); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("supplier reads a draft tender: %v", err)
	}
	if n := w.seen(t, w.supplier(0), `SELECT count(*) FROM tender_measures WHERE tender_id = $1`, draft); n != 0 {
		t.Errorf("supplier sees %d measures of a draft", n)
	}
}

func TestSupplierMayOnlyCountOffersOnATender(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-GUARD")
	draft := w.draft(t, "T-GUARD-DRAFT", "JOB1")
	sup := w.supplier(0)
	for _, set := range []string{
		"title = 'Mine now'", "deadline = deadline + interval '1 day'", "status = 'cancelled'", "estimated_value = 1",
		"weighting = 0, weighting_reason = 'x'", "partner_id = partner_id", "cancel_reason = 'x'", "updated_at = now()",
		"published_at = now()", "reference = 'X'", "submitted_offers = submitted_offers + 1, title = 'x'",
		"submitted_offers = submitted_offers + 2", "submitted_offers = 100",
	} {
		err := w.store.InTx(ctx, sup, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE tenders SET `+set+` WHERE id = $1`, tn.ID)
			return err
		})
		// Even a change of nothing is refused: the count must move by one.
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("supplier SET %s: %v, want insufficient privilege", set, err)
		}
	}
	// The count alone may move, and only on a published tender.
	var counted, onDraft int64
	err := w.store.InTx(ctx, sup, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tenders SET submitted_offers = submitted_offers + 1 WHERE id = $1`, tn.ID)
		counted = tag.RowsAffected()
		if err != nil {
			return err
		}
		tag, err = tx.Exec(ctx, `UPDATE tenders SET submitted_offers = submitted_offers + 1 WHERE id = $1`, draft)
		onDraft = tag.RowsAffected()
		return err
	})
	if err != nil || counted != 1 || onDraft != 0 {
		t.Errorf("count: %v, %d on the open tender (want 1), %d on the draft (want 0)", err, counted, onDraft)
	}
	if n := w.truth(t, `SELECT count(*) FROM tenders WHERE id = $1 AND title = 'Tender T-GUARD' AND status = 'published' AND estimated_value = 10000000`, tn.ID); n != 1 {
		t.Error("the tender changed")
	}

	// A buyer resealing may move sealed_until and nothing else.
	offerID, _ := w.submitted(t, 0, tn, "1")
	for _, q := range []string{
		`UPDATE offers SET bid_price = 1 WHERE id = $1`,
		`UPDATE offers SET social_value = 0, sealed_until = now() WHERE id = $1`,
		`UPDATE offer_lines SET quantity = 0 WHERE offer_id = $1`,
	} {
		err := w.store.InTx(ctx, w.buyer, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT set_config('app.reseal_tender', $1, true)`, fmt.Sprint(tn.ID)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, q, offerID)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("buyer resealing ran %s: %v, want insufficient privilege", q, err)
		}
	}
	// Without the reseal setting a buyer can change no offer.
	err = w.store.InTx(ctx, w.buyer, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE offers SET sealed_until = now() WHERE id = $1`, offerID)
		if err == nil && tag.RowsAffected() != 0 {
			err = fmt.Errorf("unsealed %d offers", tag.RowsAffected())
		}
		return err
	})
	if err != nil {
		t.Error(err)
	}
}

// TestSubmitRacingAnExtension: a submission and an extension that overlap
// end with the offer sealed to the new deadline, whichever reads the
// deadline first. The submission is held just before it records itself (a
// superuser holds its receipt's key), the extension runs, then the
// submission is let go.
func TestSubmitRacingAnExtension(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tn := w.open(t, "T-RACE")
	id, version := w.saved(t, 0, tn, "1")

	blocker, err := pgx.Connect(ctx, w.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(context.Background())
	watcher, err := pgx.Connect(ctx, w.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(context.Background())
	hold, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The held row is another offer's (a foreign key check on this offer
	// would lock it) with the reference this submission will take.
	elsewhere := w.open(t, "T-RACE-2")
	otherID, _ := w.saved(t, 1, elsewhere, "1")
	if _, err := hold.Exec(ctx, `
		INSERT INTO offer_submissions (partner_id, offer_id, tender_id, revision, supplier_id, sealed_until, reference, sha256, content)
		VALUES ($1, $2, $3, 1, $4, 'infinity', $5, '', '{}')`, w.partner, otherID, elsewhere.ID, w.suppliers[1], fmt.Sprintf("OFR-%06d-1", id)); err != nil {
		t.Fatal(err)
	}
	waiting := func() int {
		var n int
		if err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	submitted := make(chan error, 1)
	go func() {
		_, err := w.store.SubmitOffer(ctx, w.supplier(0), id, version)
		submitted <- err
	}()
	for waiting() < 1 { // the submission waits on the held key
		if ctx.Err() != nil {
			t.Fatal("the submission never waited")
		}
	}
	newDeadline := tn.Deadline.Add(time.Hour)
	extended := make(chan error, 1)
	go func() {
		_, _, err := w.store.ExtendDeadline(ctx, w.buyer, tn.ID, newDeadline, "race")
		extended <- err
	}()
	// Either the extension finishes now, or it waits for the submission.
	var extendErr error
	done := false
	for !done && waiting() < 2 {
		select {
		case extendErr = <-extended:
			done = true
		default:
		}
		if ctx.Err() != nil {
			t.Fatal("the extension neither finished nor waited")
		}
	}
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-submitted; err != nil {
		t.Fatalf("submit: %v", err)
	}
	if !done {
		extendErr = <-extended
	}
	if extendErr != nil {
		t.Fatalf("extend: %v", extendErr)
	}
	for _, table := range []string{"offers", "offer_lines", "offer_submissions"} {
		if n := w.truth(t, `SELECT count(*) FROM `+table+` WHERE tender_id = $1 AND sealed_until <> $2`, tn.ID, newDeadline); n != 0 {
			t.Errorf("%d rows of %s are sealed to another time than the new deadline", n, table)
		}
	}
}

func TestTendersUseOnlyTheMeasuresTheirPartnerChose(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	licensed, err := measurecsv.Parse(strings.NewReader(`edition,theme,outcome,code,title,unit,proxy_gbp
Licensed 2024,Jobs,Work,NT1,Licensed measure,FTE,40000
`))
	if err != nil {
		t.Fatal(err)
	}
	edition, err := w.store.ImportEdition(ctx, tally.Scope{Roles: []tally.Role{tally.RoleAdmin}}, 0, licensed, false)
	if err != nil {
		t.Fatal(err)
	}
	w.adminExec(t, `INSERT INTO edition_choices (org_id, edition_id) VALUES ($1, $2)`, w.other, edition)
	nt1 := w.adminID(t, `SELECT id FROM measures WHERE edition_id = $1`, edition)

	deadline := time.Now().Add(time.Hour)
	start := deadline.AddDate(0, 1, 0).Truncate(24 * time.Hour)
	tender := func(partner int64, ref string) tally.Tender {
		return tally.Tender{Partner: tally.Org{ID: partner}, Reference: ref, Title: ref, Category: "works", EstimatedValue: 10_000_000,
			ContractStart: start, ContractEnd: start.AddDate(1, 0, 0), Weighting: 200, QuantitativeShare: 50,
			Method: tally.RelativeValue, Deadline: deadline}
	}
	refused := []struct {
		name    string
		measure int64
	}{
		{"an edition the partner has not chosen", nt1},
		{"a plug-in the partner has not chosen", w.measures["COV1"]},
		{"no such measure", 1 << 40},
	}
	for _, c := range refused {
		_, err := w.store.SaveTender(ctx, w.buyer, tender(w.partner, "T-"+c.name[:6]), []postgres.MeasureChoice{{MeasureID: w.measures["JOB1"]}, {MeasureID: c.measure}})
		var fe tally.FormErrors
		if !errors.As(err, &fe) || fe["measures"] == "" {
			t.Errorf("%s: %v, want a message on measures", c.name, err)
		}
	}
	if n := w.truth(t, `SELECT count(*) FROM tenders`); n != 0 {
		t.Errorf("refused tenders wrote %d rows", n)
	}
	// The partner that chose them may use them.
	outsider := w.outsider
	if _, err := w.store.SaveTender(ctx, outsider, tender(w.other, "T-B"), []postgres.MeasureChoice{{MeasureID: nt1}, {MeasureID: w.measures["COV1"]}}); err != nil {
		t.Errorf("partner B's tender: %v", err)
	}
}
