package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// tnWorld is one test's database with two partners, three suppliers and a
// measure edition both partners may use. Setup runs as a superuser; the
// product code under test runs as the app role.
type tnWorld struct {
	db        *pgtest.DB
	store     *postgres.Store
	admin     *pgx.Conn // superuser: bypasses RLS, for setup, moving the clock and reading the truth
	partner   int64     // the tenders' partner
	other     int64     // another partner
	suppliers [3]int64
	measures  map[string]int64 // catalogue measure id by code
	buyer     tally.Scope      // the partner's buyer
	outsider  tally.Scope      // the other partner's buyer
}

const tnEdition = `edition,theme,outcome,code,title,unit,proxy_gbp,local,plugin,max_per_million,description
Offer Tests,Jobs,Local work,JOB1,Local people employed,FTE,28000,true,,10,
Offer Tests,Environment,Carbon,ENV1,Carbon saved,tCO2e,12.3456,false,,500,
Offer Tests,Social,Volunteering,VOL1,Volunteering hours,hours,,true,,,record only
Offer Tests,Social,Recovery,COV1,Recovery volunteering,hours,15,true,COVID-19 recovery,,
`

func tnSetup(t *testing.T) *tnWorld {
	t.Helper()
	ctx := context.Background()
	w := &tnWorld{db: pgtest.New(t), measures: map[string]int64{}}
	w.store = postgres.New(w.db.App)
	var err error
	if w.admin, err = pgx.Connect(ctx, w.db.AdminURL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.admin.Close(context.Background()) })
	w.partner = w.adminID(t, `INSERT INTO organisations (kind, slug, name) VALUES ('partner', 'pa', 'Partner A') RETURNING id`)
	w.other = w.adminID(t, `INSERT INTO organisations (kind, slug, name) VALUES ('partner', 'pb', 'Partner B') RETURNING id`)
	for i := range w.suppliers {
		w.suppliers[i] = w.adminID(t, `INSERT INTO organisations (kind, slug, name, postcode, size)
			VALUES ('supplier', $1, $2, 'SK1 1AA', 'small') RETURNING id`, fmt.Sprintf("s%d", i), fmt.Sprintf("Supplier %d", i))
	}
	w.adminExec(t, `INSERT INTO partner_settings (partner_id) VALUES ($1), ($2)`, w.partner, w.other)
	ed, err := measurecsv.Parse(strings.NewReader(tnEdition))
	if err != nil {
		t.Fatal(err)
	}
	edition, err := w.store.ImportEdition(ctx, tally.Scope{}, 0, ed, true)
	if err != nil {
		t.Fatal(err)
	}
	// Partner A uses the edition without its plug-in; partner B with it.
	w.adminExec(t, `INSERT INTO edition_choices (org_id, edition_id, plugins) VALUES ($1, $3, '{}'), ($2, $3, '{COVID-19 recovery}')`,
		w.partner, w.other, edition)
	rows, _ := w.admin.Query(ctx, `SELECT code, id FROM measures WHERE edition_id = $1`, edition)
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			t.Fatal(err)
		}
		w.measures[code] = id
	}
	if rows.Err() != nil || len(w.measures) != 4 {
		t.Fatalf("measures: %v %v", w.measures, rows.Err())
	}
	w.buyer = tally.Scope{PartnerIDs: []int64{w.partner}, OrgIDs: []int64{w.partner}, MeasureOrgIDs: []int64{w.partner}}
	w.outsider = tally.Scope{PartnerIDs: []int64{w.other}, OrgIDs: []int64{w.other}, MeasureOrgIDs: []int64{w.other}}
	return w
}

func (w *tnWorld) supplier(i int) tally.Scope {
	return tally.Scope{OrgIDs: []int64{w.suppliers[i]}, SupplierID: w.suppliers[i]}
}

func (w *tnWorld) adminExec(t *testing.T, q string, args ...any) pgconn.CommandTag {
	t.Helper()
	tag, err := w.admin.Exec(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return tag
}

func (w *tnWorld) adminID(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := w.admin.QueryRow(context.Background(), q, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

// draft saves a draft tender asking for the measures with codes, due in an
// hour.
func (w *tnWorld) draft(t *testing.T, ref string, codes ...string) int64 {
	t.Helper()
	deadline := time.Now().Add(time.Hour).Truncate(time.Second)
	start := deadline.AddDate(0, 1, 0).Truncate(24 * time.Hour)
	tn := tally.Tender{Partner: tally.Org{ID: w.partner}, Reference: ref, Title: "Tender " + ref, Category: "services",
		EstimatedValue: 10_000_000, ContractStart: start, ContractEnd: start.AddDate(2, 0, -1), Weighting: 200,
		QuantitativeShare: 50, Method: tally.RelativeValue, Deadline: deadline}
	var choices []postgres.MeasureChoice
	for _, c := range codes {
		choices = append(choices, postgres.MeasureChoice{MeasureID: w.measures[c]})
	}
	id, err := w.store.SaveTender(context.Background(), w.buyer, tn, choices)
	if err != nil {
		t.Fatalf("save tender %s: %v", ref, err)
	}
	return id
}

// open saves and publishes a tender asking for JOB1, ENV1 and VOL1.
func (w *tnWorld) open(t *testing.T, ref string) tally.Tender {
	t.Helper()
	ctx := context.Background()
	id := w.draft(t, ref, "JOB1", "ENV1", "VOL1")
	if err := w.store.PublishTender(ctx, w.buyer, id); err != nil {
		t.Fatalf("publish %s: %v", ref, err)
	}
	tn, err := w.store.Tender(ctx, w.buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// tnAnswer answers every measure of tn with quantity q and a statement.
func tnAnswer(tn tally.Tender, bid tally.Pence, q string) postgres.OfferInput {
	in := postgres.OfferInput{BidPrice: bid, HasBidPrice: bid > 0}
	quantity, err := tally.ParseQuantity(q)
	if err != nil {
		panic(err)
	}
	for _, m := range tn.Measures {
		in.Lines = append(in.Lines, tally.OfferLine{TenderMeasureID: m.ID, Quantity: quantity, Statement: "We will deliver " + m.Code})
	}
	return in
}

// saved starts supplier i's offer on tn and saves it: its id and version.
func (w *tnWorld) saved(t *testing.T, i int, tn tally.Tender, q string) (int64, int) {
	t.Helper()
	ctx := context.Background()
	id, err := w.store.StartOffer(ctx, w.supplier(i), tn.ID)
	if err != nil {
		t.Fatalf("start offer: %v", err)
	}
	f, _, err := w.store.Offer(ctx, w.supplier(i), id)
	if err != nil {
		t.Fatal(err)
	}
	f, err = w.store.SaveOffer(ctx, w.supplier(i), id, f.Version, tnAnswer(tn, 9_000_000, q))
	if err != nil {
		t.Fatalf("save offer: %v", err)
	}
	return id, f.Version
}

// submitted saves and submits supplier i's offer on tn.
func (w *tnWorld) submitted(t *testing.T, i int, tn tally.Tender, q string) (int64, tally.Receipt) {
	t.Helper()
	id, version := w.saved(t, i, tn, q)
	rc, err := w.store.SubmitOffer(context.Background(), w.supplier(i), id, version)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return id, rc
}

// moveDeadline sets a tender's deadline to the SQL expression at (relative
// to now(), such as "now() - interval '1 minute'") and seals its submitted
// offers to the same moment, as ExtendDeadline would: no test sleeps.
func (w *tnWorld) moveDeadline(t *testing.T, tenderID int64, at string) {
	t.Helper()
	ctx := context.Background()
	tx, err := w.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var when time.Time
	if err := tx.QueryRow(ctx, `SELECT `+at).Scan(&when); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE tenders SET deadline = $2 WHERE id = $1`, tenderID, when); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"offers", "offer_lines", "offer_submissions"} {
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET sealed_until = $2 WHERE tender_id = $1 AND sealed_until <> 'infinity'`, tenderID, when); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// seen counts what scope sees with q (a SELECT count(*)).
func (w *tnWorld) seen(t *testing.T, scope tally.Scope, q string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	var n int
	err := w.store.InTx(ctx, scope, func(tx pgx.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&n) })
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// truth counts rows as the superuser, past RLS.
func (w *tnWorld) truth(t *testing.T, q string, args ...any) int {
	t.Helper()
	return int(w.adminID(t, q, args...))
}

func TestConcurrentSubmitsRecordOneSubmission(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-CONC")
	id, version := w.saved(t, 0, tn, "2")

	const n = 50
	receipts := make([]tally.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			receipts[i], errs[i] = w.store.SubmitOffer(ctx, w.supplier(0), id, version)
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("submit %d: %v", i, errs[i])
		}
		if receipts[i] != receipts[0] {
			t.Errorf("submit %d: receipt %+v, want the first %+v", i, receipts[i], receipts[0])
		}
	}
	if got := w.truth(t, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1`, id); got != 1 {
		t.Errorf("%d submissions recorded, want 1", got)
	}
	if got := w.truth(t, `SELECT submitted_offers FROM tenders WHERE id = $1`, tn.ID); got != 1 {
		t.Errorf("tender counts %d offers, want 1", got)
	}
	if got := w.truth(t, `SELECT count(*) FROM audit_log WHERE action = 'offer.submit'`); got != 1 {
		t.Errorf("%d submissions audited, want 1", got)
	}
	if receipts[0].Reference == "" || len(receipts[0].SHA256) != 64 {
		t.Errorf("receipt %+v: want a reference and a SHA-256", receipts[0])
	}
	if n := w.truth(t, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1 AND reference = $2 AND sha256 = $3`,
		id, receipts[0].Reference, receipts[0].SHA256); n != 1 {
		t.Errorf("the stored submission does not match the receipt %+v", receipts[0])
	}
}

func TestOffersAreSealedUntilTheDeadline(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-SEAL")
	submittedID, _ := w.submitted(t, 0, tn, "2")
	draftID, _ := w.saved(t, 1, tn, "3")
	withdrawnID, _ := w.submitted(t, 2, tn, "4")
	f, _, err := w.store.Offer(ctx, w.supplier(2), withdrawnID)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.WithdrawOffer(ctx, w.supplier(2), withdrawnID, f.Version); err != nil {
		t.Fatal(err)
	}
	tables := []string{"offers", "offer_lines", "offer_submissions"}

	// Before the deadline: the buyer sees the count, never the content.
	for _, table := range tables {
		if n := w.seen(t, w.buyer, `SELECT count(*) FROM `+table); n != 0 {
			t.Errorf("before the deadline the buyer sees %d rows of %s, want 0", n, table)
		}
	}
	if n := w.seen(t, w.buyer, `SELECT submitted_offers FROM tenders WHERE id = $1`, tn.ID); n != 1 {
		t.Errorf("the buyer sees a count of %d offers, want 1", n)
	}
	if _, _, err := w.store.Offer(ctx, w.buyer, submittedID); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("buyer reads a sealed offer: %v, want ErrNotFound", err)
	}
	if list, err := w.store.TenderSubmissions(ctx, w.buyer, tn.ID); err != nil || len(list) != 0 {
		t.Errorf("buyer lists %d submissions before the deadline (%v), want 0", len(list), err)
	}

	// Each supplier sees its own offer only, before and after.
	check := func(when string) {
		for i, own := range []int64{submittedID, draftID, withdrawnID} {
			if n := w.seen(t, w.supplier(i), `SELECT count(*) FROM offers`); n != 1 {
				t.Errorf("%s: supplier %d sees %d offers, want its own 1", when, i, n)
			}
			if n := w.seen(t, w.supplier(i), `SELECT count(*) FROM offer_lines WHERE offer_id <> $1`, own); n != 0 {
				t.Errorf("%s: supplier %d sees %d lines of others' offers", when, i, n)
			}
			if n := w.seen(t, w.supplier(i), `SELECT count(*) FROM offer_submissions WHERE offer_id <> $1`, own); n != 0 {
				t.Errorf("%s: supplier %d sees %d submissions of others", when, i, n)
			}
			for _, id := range []int64{submittedID, draftID, withdrawnID} {
				if id == own {
					continue
				}
				if _, _, err := w.store.Offer(ctx, w.supplier(i), id); !errors.Is(err, tally.ErrNotFound) {
					t.Errorf("%s: supplier %d reads offer %d: %v, want ErrNotFound", when, i, id, err)
				}
			}
		}
		for _, table := range tables {
			if n := w.seen(t, w.outsider, `SELECT count(*) FROM `+table); n != 0 {
				t.Errorf("%s: another partner's buyer sees %d rows of %s", when, n, table)
			}
		}
	}
	check("before the deadline")

	// A second before the deadline: still sealed.
	w.moveDeadline(t, tn.ID, "now() + interval '1 second'")
	if n := w.seen(t, w.buyer, `SELECT count(*) FROM offers`); n != 0 {
		t.Errorf("a second before the deadline the buyer sees %d offers", n)
	}

	// After it: the submitted offer, and nothing of the draft or the
	// withdrawn offer.
	w.moveDeadline(t, tn.ID, "now() - interval '1 second'")
	if got, err := w.store.Tender(ctx, w.buyer, tn.ID); err != nil || got.Status != tally.TenderClosed {
		t.Errorf("tender status %q (%v), want closed", got.Status, err)
	}
	want := map[string]int{
		`SELECT count(*) FROM offers WHERE $1 > 0`:                                1,
		`SELECT count(*) FROM offers WHERE id = $1`:                               1,
		`SELECT count(*) FROM offer_lines WHERE offer_id = $1`:                    len(tn.Measures),
		`SELECT count(*) FROM offer_submissions WHERE offer_id = $1`:              1,
		`SELECT count(*) FROM offer_lines WHERE offer_id <> $1`:                   0,
		`SELECT count(*) FROM offer_submissions WHERE kind = 'submit' AND $1 > 0`: 2,
	}
	for q, n := range want {
		if got := w.seen(t, w.buyer, q, submittedID); got != n {
			t.Errorf("after the deadline, buyer: %s = %d, want %d", q, got, n)
		}
	}
	// The withdrawal is on the record (the submission it withdrew stays in
	// the record too, for the bidder counts); the working copy is not.
	if n := w.seen(t, w.buyer, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1 AND kind = 'withdraw'`, withdrawnID); n != 1 {
		t.Errorf("buyer sees %d withdrawals, want 1", n)
	}
	if f, _, err := w.store.Offer(ctx, w.buyer, submittedID); err != nil || f.Supplier.ID != w.suppliers[0] {
		t.Errorf("buyer reads the submitted offer after the deadline: %v", err)
	}
	for _, id := range []int64{draftID, withdrawnID} {
		if _, _, err := w.store.Offer(ctx, w.buyer, id); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("buyer reads unsubmitted offer %d after the deadline: %v, want ErrNotFound", id, err)
		}
	}
	list, err := w.store.TenderSubmissions(ctx, w.buyer, tn.ID)
	if err != nil || len(list) != 1 || list[0].OfferID != submittedID || list[0].SocialValue != 5_600_000+2_469 {
		t.Errorf("buyer's submissions after the deadline: %+v, %v; want supplier 0's at £56,024.69", list, err)
	}
	check("after the deadline")
}

func TestExtendDeadlineResealsAndNamesSuppliers(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-EXT")
	other := w.open(t, "T-OTHER")
	submittedID, _ := w.submitted(t, 0, tn, "1")
	w.saved(t, 1, tn, "1") // a draft: its supplier is told too
	otherID, _ := w.submitted(t, 2, other, "1")

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
	_ = otherID

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

func TestLateOffersAreRefused(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-LATE")
	draftID, draftVersion := w.saved(t, 0, tn, "2")
	revisedID, _ := w.submitted(t, 1, tn, "1")
	f, _, err := w.store.Offer(ctx, w.supplier(1), revisedID)
	if err != nil {
		t.Fatal(err)
	}
	revised, err := w.store.SaveOffer(ctx, w.supplier(1), revisedID, f.Version, tnAnswer(tn, 9_000_000, "9"))
	if err != nil {
		t.Fatal(err)
	}
	w.moveDeadline(t, tn.ID, "now() - interval '1 second'")
	before := w.truth(t, `SELECT count(*) FROM audit_log`)

	late := func(what string, err error) {
		t.Helper()
		var fe tally.FormErrors
		if !errors.As(err, &fe) || !strings.Contains(fe["offer"], "deadline") {
			t.Errorf("%s after the deadline: %v, want a message about the deadline", what, err)
		}
	}
	_, err = w.store.SubmitOffer(ctx, w.supplier(0), draftID, draftVersion)
	late("submit", err)
	_, err = w.store.SubmitOffer(ctx, w.supplier(1), revisedID, revised.Version)
	late("resubmit", err)
	_, err = w.store.SaveOffer(ctx, w.supplier(0), draftID, draftVersion, tnAnswer(tn, 9_000_000, "5"))
	late("save", err)
	late("withdraw", w.store.WithdrawOffer(ctx, w.supplier(1), revisedID, revised.Version))
	if _, err := w.store.StartOffer(ctx, w.supplier(2), tn.ID); err == nil {
		t.Error("a new offer was started after the deadline")
	}

	if n := w.truth(t, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1`, draftID); n != 0 {
		t.Errorf("a late submit recorded %d submissions", n)
	}
	if n := w.truth(t, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1`, revisedID); n != 1 {
		t.Errorf("the revised offer has %d submissions, want its first 1", n)
	}
	if n := w.truth(t, `SELECT submitted_offers FROM tenders WHERE id = $1`, tn.ID); n != 1 {
		t.Errorf("tender counts %d offers, want 1", n)
	}
	if n := w.truth(t, `SELECT count(*) FROM offer_lines WHERE offer_id = $1 AND quantity = 2000`, draftID); n != len(tn.Measures) {
		t.Errorf("a late save changed the draft's lines")
	}
	if n := w.truth(t, `SELECT count(*) FROM offers WHERE tender_id = $1`, tn.ID); n != 2 {
		t.Errorf("%d offers, want 2", n)
	}
	if n := w.truth(t, `SELECT count(*) FROM audit_log`); n != before {
		t.Errorf("refused actions wrote %d audit entries", n-before)
	}
	// The buyer evaluates the first submission, not the unsent revision.
	list, err := w.store.TenderSubmissions(ctx, w.buyer, tn.ID)
	if err != nil || len(list) != 1 || list[0].OfferID != revisedID || list[0].SocialValue != 2_800_000+1_235 {
		t.Errorf("buyer's submissions: %+v, %v; want the first submission at £28,012.35", list, err)
	}
}

func TestWrongSupplierCannotTouchAnOffer(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-OWN")
	id, version := w.saved(t, 0, tn, "2")
	intruder := w.supplier(1)
	if _, _, err := w.store.Offer(ctx, intruder, id); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("read: %v", err)
	}
	if _, err := w.store.SaveOffer(ctx, intruder, id, version, tnAnswer(tn, 100, "0")); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("save: %v", err)
	}
	if _, err := w.store.SubmitOffer(ctx, intruder, id, version); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("submit: %v", err)
	}
	if err := w.store.WithdrawOffer(ctx, intruder, id, version); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("withdraw: %v", err)
	}
	if _, err := w.store.OfferReceipt(ctx, intruder, id); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("receipt: %v", err)
	}
	// Raw SQL in the intruder's scope changes nothing either.
	err := w.store.InTx(ctx, intruder, func(tx pgx.Tx) error {
		for _, q := range []string{`UPDATE offers SET bid_price = 1 WHERE id = $1`, `DELETE FROM offer_lines WHERE offer_id = $1`,
			`UPDATE offer_lines SET quantity = 0 WHERE offer_id = $1`} {
			tag, err := tx.Exec(ctx, q, id)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 0 {
				return fmt.Errorf("%s touched %d rows", q, tag.RowsAffected())
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if n := w.truth(t, `SELECT count(*) FROM offers WHERE id = $1 AND version = $2 AND bid_price = 9000000`, id, version); n != 1 {
		t.Error("the offer changed")
	}
	if n := w.truth(t, `SELECT count(*) FROM offer_lines WHERE offer_id = $1 AND quantity = 2000`, id); n != len(tn.Measures) {
		t.Error("the offer's lines changed")
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
	} {
		err := w.store.InTx(ctx, sup, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE tenders SET `+set+` WHERE id = $1`, tn.ID)
			return err
		})
		var pgErr *pgconn.PgError
		if set == "partner_id = partner_id" {
			// Changes nothing, so the guard lets it through; it must not move anything.
			if err != nil {
				t.Errorf("%s: %v", set, err)
			}
			continue
		}
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

func TestRevisionsAndWithdrawalsCountOnce(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "T-REV")
	sup := w.supplier(0)
	id, first := w.submitted(t, 0, tn, "1")
	step := func(what string, wantCount, wantSubmissions int, wantStatus tally.OfferStatus) tally.Offer {
		t.Helper()
		if n := w.truth(t, `SELECT submitted_offers FROM tenders WHERE id = $1`, tn.ID); n != wantCount {
			t.Errorf("%s: tender counts %d offers, want %d", what, n, wantCount)
		}
		if n := w.truth(t, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1`, id); n != wantSubmissions {
			t.Errorf("%s: %d submissions recorded, want %d", what, n, wantSubmissions)
		}
		f, _, err := w.store.Offer(ctx, sup, id)
		if err != nil {
			t.Fatal(err)
		}
		if f.Status != wantStatus {
			t.Errorf("%s: status %s, want %s", what, f.Status, wantStatus)
		}
		return f
	}
	f := step("submitted", 1, 1, tally.OfferSubmitted)
	// Revising starts a draft; the submission stands until resubmitted.
	f, err := w.store.SaveOffer(ctx, sup, id, f.Version, tnAnswer(tn, 9_000_000, "3"))
	if err != nil {
		t.Fatal(err)
	}
	f = step("revised", 1, 1, tally.OfferDraft)
	second, err := w.store.SubmitOffer(ctx, sup, id, f.Version)
	if err != nil {
		t.Fatal(err)
	}
	if second.Reference == first.Reference || second.SHA256 == first.SHA256 || second.Revision != 2 {
		t.Errorf("resubmission receipt %+v, want a new one after %+v", second, first)
	}
	f = step("resubmitted", 1, 2, tally.OfferSubmitted)
	if _, err := w.store.SubmitOffer(ctx, sup, id, f.Version-2); !errors.Is(err, tally.ErrConflict) {
		t.Errorf("a stale form's submit: %v, want ErrConflict", err)
	}
	if err := w.store.WithdrawOffer(ctx, sup, id, f.Version); err != nil {
		t.Fatal(err)
	}
	f = step("withdrawn", 0, 3, tally.OfferWithdrawn)
	var fe tally.FormErrors
	if err := w.store.WithdrawOffer(ctx, sup, id, f.Version); !errors.As(err, &fe) {
		t.Errorf("withdrawing twice: %v, want a message", err)
	}
	f, err = w.store.SaveOffer(ctx, sup, id, f.Version, tnAnswer(tn, 8_000_000, "4"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.SubmitOffer(ctx, sup, id, f.Version); err != nil {
		t.Fatal(err)
	}
	step("submitted again", 1, 4, tally.OfferSubmitted)

	w.moveDeadline(t, tn.ID, "now() - interval '1 second'")
	list, err := w.store.TenderSubmissions(ctx, w.buyer, tn.ID)
	if err != nil || len(list) != 1 || list[0].BidPrice != 8_000_000 || list[0].SocialValue != 4*2_800_000+4_938 {
		t.Errorf("buyer's submissions: %+v, %v; want the last one only", list, err)
	}
	// The working copy the buyer can open is the standing submission's.
	if n := w.seen(t, w.buyer, `SELECT count(*) FROM offers WHERE id = $1 AND bid_price = 8000000 AND revision = 4`, id); n != 1 {
		t.Error("the buyer cannot open the standing offer")
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
	edition, err := w.store.ImportEdition(ctx, tally.Scope{}, 0, licensed, false)
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
