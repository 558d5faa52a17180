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
// measure edition both partners use (A without its plug-in, B with it).
// Setup runs as a superuser; the product code under test runs as the app
// role.
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
	edition, err := w.store.ImportEdition(ctx, tally.Scope{Roles: []tally.Role{tally.RoleAdmin}}, 0, ed, true)
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
	w.buyer = tally.Scope{PartnerIDs: []int64{w.partner}, OrgIDs: []int64{w.partner}, MeasureOrgIDs: []int64{w.partner}, Roles: tally.StaffRoles}
	w.outsider = tally.Scope{PartnerIDs: []int64{w.other}, OrgIDs: []int64{w.other}, MeasureOrgIDs: []int64{w.other}, Roles: tally.StaffRoles}
	return w
}

func (w *tnWorld) supplier(i int) tally.Scope {
	return tally.Scope{OrgIDs: []int64{w.suppliers[i]}, SupplierID: w.suppliers[i], Roles: []tally.Role{tally.RoleSupplier}}
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
		`SELECT count(*) FROM offer_submissions WHERE kind = 'submit' AND $1 > 0`: 1,
	}
	for q, n := range want {
		if got := w.seen(t, w.buyer, q, submittedID); got != n {
			t.Errorf("after the deadline, buyer: %s = %d, want %d", q, got, n)
		}
	}
	// A withdrawn offer is sealed for good: neither the submission it
	// withdrew nor the withdrawal opens to buyers.
	if n := w.seen(t, w.buyer, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1`, withdrawnID); n != 0 {
		t.Errorf("buyer sees %d rows of the withdrawn offer's record, want 0", n)
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

// TestDraftLinesMayWaitForAQuantity: a draft keeps a statement with no
// quantity (stored as NULL, worth nothing), and such an offer cannot be
// submitted until the quantity is there.
func TestDraftLinesMayWaitForAQuantity(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	tn := w.open(t, "STK-NOQ")
	id, version := w.saved(t, 0, tn, "2")
	in := tnAnswer(tn, 0, "2")
	in.Lines[0] = tally.OfferLine{TenderMeasureID: tn.Measures[0].ID, NoQuantity: true, Quantity: 5000, Statement: "Apprentices from the college"}
	f, err := w.store.SaveOffer(ctx, w.supplier(0), id, version, in)
	if err != nil {
		t.Fatalf("save a line with no quantity: %v", err)
	}
	if n := w.truth(t, `SELECT count(*) FROM offer_lines WHERE offer_id = $1 AND tender_measure_id = $2 AND quantity IS NULL
		AND value = 0 AND statement = 'Apprentices from the college'`, id, tn.Measures[0].ID); n != 1 {
		t.Error("the line without a quantity is not stored as NULL, worth nothing, with its statement")
	}
	if n := w.truth(t, `SELECT count(*) FROM offers WHERE id = $1 AND bid_price IS NULL`, id); n != 1 {
		t.Error("the draft without a bid price is not stored without one")
	}
	got, _, err := w.store.Offer(ctx, w.supplier(0), id)
	if err != nil || !got.Lines[0].NoQuantity || got.Lines[0].Statement != "Apprentices from the college" || got.Outcome != tally.OutcomeDraft {
		t.Errorf("read back: %+v, %v", got.Lines, err)
	}
	_, err = w.store.SubmitOffer(ctx, w.supplier(0), id, f.Version)
	var fe tally.FormErrors
	if !errors.As(err, &fe) || fe["bid_price"] == "" || fe[fmt.Sprintf("quantity-%d", tn.Measures[0].ID)] == "" {
		t.Errorf("submit an incomplete offer: %v %v, want messages for the bid and the quantity", err, fe)
	}
	if n := w.truth(t, `SELECT count(*) FROM offer_submissions WHERE offer_id = $1`, id); n != 0 {
		t.Error("an incomplete offer was submitted")
	}
}
