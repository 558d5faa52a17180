package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// rtWorld is two partners (A with the default bands, B with its own), two
// suppliers and contracts between them, used through the app's role.
type rtWorld struct {
	db                   *pgtest.DB
	store                *postgres.Store
	partnerA, partnerB   int64
	supplierS, supplierT int64
}

func rtSetup(t *testing.T) *rtWorld {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	w := &rtWorld{db: db, store: postgres.New(db.App).WithFiles(db.Files)}
	ids := map[string]*int64{"pa": &w.partnerA, "pb": &w.partnerB, "ss": &w.supplierS, "st": &w.supplierT}
	for slug, kind := range map[string]string{"pa": "partner", "pb": "partner", "ss": "supplier", "st": "supplier"} {
		if err := db.Owner.QueryRow(ctx, `
			INSERT INTO organisations (kind, slug, name, postcode, size)
			VALUES ($1, $2, $3, CASE WHEN $1 = 'supplier' THEN 'SK1 1AA' END, CASE WHEN $1 = 'supplier' THEN 'small' END) RETURNING id`,
			kind, "rt"+slug, "Org "+slug).Scan(ids[slug]); err != nil {
			t.Fatal(err)
		}
	}
	owner := postgres.New(db.Owner)
	for _, p := range []int64{w.partnerA, w.partnerB} {
		err := owner.InTx(ctx, w.staff(p), func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO partner_settings (partner_id) VALUES ($1)`, p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *rtWorld) staff(partners ...int64) tally.Scope {
	return tally.Scope{PartnerIDs: partners, OrgIDs: partners, Roles: tally.StaffRoles}
}

func (w *rtWorld) supplier(id int64) tally.Scope {
	return tally.Scope{OrgIDs: []int64{id}, SupplierID: id, Roles: []tally.Role{tally.RoleSupplier}}
}

// rtStart is the first day of the month 13 months ago, so that a contract
// starting then has four quarters ended and a fifth running.
func rtStart() time.Time {
	now := time.Now().In(tally.London())
	return time.Date(now.Year(), now.Month()-13, 1, 0, 0, 0, 0, tally.London())
}

// contract makes a two-year contract starting rtStart with one KPI per
// quantity (whole units, each worth £100), phased over eight quarters.
func (w *rtWorld) contract(t *testing.T, partner, supplier int64, ref string, units ...int64) tally.Contract {
	t.Helper()
	ctx := context.Background()
	c := postgres.NewContract{PartnerID: partner, SupplierID: supplier, Reference: ref, Title: "Contract " + ref, Value: 100_000_00,
		Start: rtStart(), End: rtStart().AddDate(2, 0, -1), AwardedOn: rtStart()}
	for i, u := range units {
		c.KPIs = append(c.KPIs, postgres.NewKPI{Quantity: tally.Quantity(u * 1000), Measure: tally.TenderMeasure{
			Edition: "Test", Code: fmt.Sprintf("NT%d", i+1), Title: fmt.Sprintf("Measure %d", i+1), Unit: "people",
			Proxy: 100 * 10_000, HasProxy: true}})
	}
	id, err := w.store.CreateDirectContract(ctx, w.staff(partner), c)
	if err != nil {
		t.Fatal(err)
	}
	full, err := w.store.Contract(ctx, w.staff(partner), id)
	if err != nil {
		t.Fatal(err)
	}
	return full
}

func rtFile(content string) postgres.EvidenceFile {
	return postgres.EvidenceBytes("evidence.pdf", "application/pdf", []byte("%PDF-1.4\n"+content+"\n%%EOF\n"))
}

// draft starts a return for a period as the supplier, enters the quantities
// (in KPI order), attests and attaches the files. It returns the
// return's id and version.
func (w *rtWorld) draft(t *testing.T, c tally.Contract, period int, quantities []tally.Quantity, files ...postgres.EvidenceFile) (int64, int) {
	t.Helper()
	ctx := context.Background()
	sup := w.supplier(c.Supplier.ID)
	id, err := w.store.StartReturn(ctx, sup, c.ID, period)
	if err != nil {
		t.Fatalf("start return: %v", err)
	}
	in := postgres.ReturnInput{Narrative: "Delivered.", AttestContract: true, AttestPeriod: true, Quantities: map[int64]tally.Quantity{}}
	for i, q := range quantities {
		in.Quantities[c.KPIs[i].ID] = q
	}
	if err := w.store.SaveReturn(ctx, sup, id, 1, in); err != nil {
		t.Fatalf("save return: %v", err)
	}
	version := 2
	for _, f := range files {
		if err := w.store.AddEvidence(ctx, sup, id, version, f); err != nil {
			t.Fatalf("add evidence: %v", err)
		}
		version++
	}
	return id, version
}

func (w *rtWorld) submitted(t *testing.T, c tally.Contract, period int, quantities []tally.Quantity, files ...postgres.EvidenceFile) int64 {
	t.Helper()
	id, version := w.draft(t, c, period, quantities, files...)
	if _, err := w.store.SubmitReturn(context.Background(), w.supplier(c.Supplier.ID), id, version); err != nil {
		t.Fatalf("submit return: %v", err)
	}
	return id
}

// status is the contract's delivery as of asOf, seen by its partner.
func (w *rtWorld) status(t *testing.T, c tally.Contract, asOf time.Time) tally.ContractStatus {
	t.Helper()
	list, err := w.store.ContractStatuses(context.Background(), w.staff(c.Partner.ID), c.ID, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("ContractStatuses(%d) gave %d contracts, want 1", c.ID, len(list))
	}
	return list[0]
}

// rtUnits is whole units as quantities.
func rtUnits(units ...int64) []tally.Quantity {
	out := make([]tally.Quantity, len(units))
	for i, u := range units {
		out[i] = tally.Quantity(u * 1000)
	}
	return out
}

func rtDelivered(st tally.ContractStatus) []tally.Quantity {
	var out []tally.Quantity
	for _, k := range st.KPIs {
		out = append(out, k.Delivered)
	}
	return out
}

func TestRtOnlyVerifiedLinesCountAsDelivered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	c := w.contract(t, w.partnerA, w.supplierS, "RT-1", 80, 80, 80)
	later := time.Now().AddDate(5, 0, 0) // every quarter expected
	check := func(step string, wantUnits ...int64) {
		t.Helper()
		st := w.status(t, c, later)
		var want []tally.Quantity
		var pence tally.Pence
		for _, u := range wantUnits {
			want = append(want, tally.Quantity(u*1000))
			pence += tally.Pence(u * 100_00)
		}
		if got := rtDelivered(st); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: delivered per KPI %v, want %v", step, got, want)
		}
		if st.Delivered != pence {
			t.Errorf("%s: delivered value %v, want %v", step, st.Delivered, pence)
		}
		if st.Expected != 3*80*100_00 {
			t.Errorf("%s: expected value %v, want £24,000", step, st.Expected)
		}
	}
	check("nothing reported", 0, 0, 0)

	// A draft counts for nothing.
	w.draft(t, c, 2, rtUnits(50, 50, 50))
	check("a draft", 0, 0, 0)

	// Nor does a submitted return awaiting verification.
	id := w.submitted(t, c, 1, rtUnits(10, 7, 5))
	check("submitted, pending", 0, 0, 0)

	staff := w.staff(w.partnerA)
	r, err := w.store.VerifyReturn(ctx, staff, id, 1, []postgres.Verdict{
		{KPIID: c.KPIs[0].ID, Decision: tally.DecisionVerified},
		{KPIID: c.KPIs[1].ID, Decision: tally.DecisionQueried, Note: "Which sites?"},
		{KPIID: c.KPIs[2].ID, Decision: tally.DecisionRejected, Note: "Another contract's figures."},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != tally.ReturnQueried {
		t.Errorf("status after a query: %s, want queried", r.Status)
	}
	check("one verified, one queried, one rejected", 10, 0, 0)

	// The supplier answers with a new figure and resubmits: pending again.
	sup := w.supplier(w.supplierS)
	if err := w.store.SaveReturn(ctx, sup, id, r.Version, postgres.ReturnInput{Narrative: "Delivered.", AttestContract: true, AttestPeriod: true,
		Quantities: map[int64]tally.Quantity{c.KPIs[1].ID: 6000, c.KPIs[2].ID: 99_000},
		Answers:    map[int64]string{c.KPIs[1].ID: "Stockport and Hyde."}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.SubmitReturn(ctx, sup, id, r.Version+1); err != nil {
		t.Fatal(err)
	}
	check("answered and resubmitted", 10, 0, 0)

	// The queried line went back to pending: the decisions moved on.
	if r, err = w.store.Return(ctx, staff, id); err != nil {
		t.Fatal(err)
	}
	r, err = w.store.VerifyReturn(ctx, staff, id, r.DecisionsVersion, []postgres.Verdict{{KPIID: c.KPIs[1].ID, Decision: tally.DecisionVerified}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != tally.ReturnComplete {
		t.Errorf("status with every line decided: %s, want complete", r.Status)
	}
	// The rejected line stayed rejected: the supplier could not change it
	// while answering the query.
	check("the answered line verified", 10, 6, 0)
	if r.Lines[2].Quantity != 5000 || r.Lines[2].Decision != tally.DecisionRejected {
		t.Errorf("rejected line: %v %s, want 5 rejected", r.Lines[2].Quantity, r.Lines[2].Decision)
	}

	// A decision cannot be changed once the return is complete.
	if _, err := w.store.VerifyReturn(ctx, staff, id, 1, []postgres.Verdict{{KPIID: c.KPIs[2].ID, Decision: tally.DecisionVerified}}); !errors.Is(err, tally.ErrInvalid) {
		t.Errorf("verify a complete return: %v, want a form error", err)
	}
	check("after a refused change", 10, 6, 0)

	// Another partner's staff see nothing of it.
	list, err := w.store.ContractStatuses(ctx, w.staff(w.partnerB), c.ID, later)
	if err != nil || len(list) != 0 {
		t.Errorf("partner B sees %d statuses (%v), want none", len(list), err)
	}
}

func TestRtRatingsUseThePartnersBands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	// Partner B rates Good only at 96% or more.
	err := postgres.New(w.db.Owner).InTx(ctx, w.staff(w.partnerB), func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE partner_settings SET band_good = 96, band_approaching = 90, band_requires_improvement = 80 WHERE partner_id = $1`, w.partnerB)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a := w.contract(t, w.partnerA, w.supplierS, "RT-A", 80) // 10 a quarter
	b := w.contract(t, w.partnerB, w.supplierS, "RT-B", 80)
	for _, c := range []tally.Contract{a, b} {
		// 9.5 of 10: exactly 95%.
		id := w.submitted(t, c, 1, []tally.Quantity{9500})
		if _, err := w.store.VerifyReturn(ctx, w.staff(c.Partner.ID), id, 1, []postgres.Verdict{{KPIID: c.KPIs[0].ID, Decision: tally.DecisionVerified}}); err != nil {
			t.Fatal(err)
		}
	}
	firstDue := a.KPIs[0].Targets[0].Period.Due
	tests := []struct {
		c    tally.Contract
		asOf time.Time
		want tally.Rating
	}{
		{a, firstDue.AddDate(0, 0, -1), tally.RatingNotYetDue}, // nothing due yet
		{a, firstDue, tally.RatingGood},                        // 95% of the first quarter
		{b, firstDue, tally.RatingApproaching},                 // 95% is short of B's 96%
		{a, a.KPIs[0].Targets[1].Period.Due, tally.RatingInadequate},
	}
	for _, tt := range tests {
		st := w.status(t, tt.c, tt.asOf)
		if st.Rating != tt.want || st.KPIs[0].Rating != tt.want {
			t.Errorf("%s as of %s: contract %s, KPI %s; want %s", tt.c.Reference, tt.asOf.Format(time.DateOnly), st.Rating, st.KPIs[0].Rating, tt.want)
		}
	}
	if st := w.status(t, a, firstDue); st.Delivered != 950_00 || st.Expected != 1000_00 || st.AtRisk() != 50_00 {
		t.Errorf("value: delivered %v, expected %v, at risk %v; want £950, £1,000, £50", st.Delivered, st.Expected, st.AtRisk())
	}
}

func TestRtDuplicateEvidenceIsFlagged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	ca := w.contract(t, w.partnerA, w.supplierS, "RT-CA", 80)
	cb := w.contract(t, w.partnerB, w.supplierS, "RT-CB", 80)
	cc := w.contract(t, w.partnerB, w.supplierT, "RT-CC", 80)
	same := rtFile("timesheets for the quarter")
	other := rtFile("something else")

	// The file is on a draft of A: a draft does not count.
	ra, va := w.draft(t, ca, 1, rtUnits(10), same)
	rb := w.submitted(t, cb, 1, rtUnits(10), same, other)
	both := w.staff(w.partnerA, w.partnerB)
	elsewhere := func(scope tally.Scope, id int64) [][]tally.EvidenceCopy {
		t.Helper()
		r, err := w.store.Return(ctx, scope, id)
		if err != nil {
			t.Fatal(err)
		}
		var out [][]tally.EvidenceCopy
		for _, e := range r.Evidence {
			out = append(out, e.Elsewhere)
		}
		return out
	}
	if got := elsewhere(both, rb); len(got) != 2 || len(got[0]) != 0 || len(got[1]) != 0 {
		t.Errorf("with the copy on a draft: %v, want no flags", got)
	}

	// Submitted on A too: B's copy is flagged, pointing at A's return.
	if _, err := w.store.SubmitReturn(ctx, w.supplier(w.supplierS), ra, va); err != nil {
		t.Fatal(err)
	}
	got := elsewhere(both, rb)
	if len(got[0]) != 1 || got[0][0].ReturnID != ra || got[0][0].ContractID != ca.ID || got[0][0].PartnerID != w.partnerA || !got[0][0].Visible {
		t.Errorf("seen by staff of both partners: %+v, want return %d of contract %d, visible", got[0], ra, ca.ID)
	}
	if len(got[1]) != 0 {
		t.Errorf("a different file is flagged: %+v", got[1])
	}
	// Partner B's staff learn where, but may not open it.
	got = elsewhere(w.staff(w.partnerB), rb)
	if len(got[0]) != 1 || got[0][0].ReturnID != ra || got[0][0].Visible {
		t.Errorf("seen by partner B's staff: %+v, want return %d, not visible", got[0], ra)
	}
	// And A's copy points back at B's.
	got = elsewhere(w.staff(w.partnerA), ra)
	if len(got[0]) != 1 || got[0][0].ReturnID != rb || got[0][0].Visible {
		t.Errorf("seen by partner A's staff: %+v, want return %d, not visible", got[0], rb)
	}

	// Another supplier, on another contract, submitting the same bytes.
	rc := w.submitted(t, cc, 1, rtUnits(10), same)
	if got := elsewhere(w.staff(w.partnerB), rc); len(got[0]) != 2 {
		t.Errorf("third copy: %+v, want two others", got[0])
	}

	// Looking across partners must not widen the caller's scope for the
	// rest of the transaction.
	err := w.store.InTx(ctx, w.staff(w.partnerB), func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM evidence_elsewhere($1, $2)`, same.SHA256, rb).Scan(&n); err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("evidence_elsewhere found %d, want 2", n)
		}
		var returns, evidence int
		var setting string
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM returns), (SELECT count(*) FROM evidence), current_setting('app.partner_ids')`).
			Scan(&returns, &evidence, &setting); err != nil {
			return err
		}
		if returns != 2 || evidence != 3 || setting != fmt.Sprintf("{%d}", w.partnerB) {
			t.Errorf("after evidence_elsewhere: %d returns, %d files, partner_ids %q; want partner B's 2 and 3, {%d}", returns, evidence, setting, w.partnerB)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRtEvidenceStaysInScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	c := w.contract(t, w.partnerA, w.supplierS, "RT-E", 80)
	id, version := w.draft(t, c, 1, rtUnits(10))

	// Twenty files, and no more.
	for i := range postgres.MaxEvidenceFiles {
		if err := w.store.AddEvidence(ctx, w.supplier(w.supplierS), id, version, rtFile(fmt.Sprint("file ", i))); err != nil {
			t.Fatalf("file %d: %v", i+1, err)
		}
		version++
	}
	err := w.store.AddEvidence(ctx, w.supplier(w.supplierS), id, version, rtFile("one too many"))
	var fe tally.FormErrors
	if !errors.As(err, &fe) || fe["file"] == "" {
		t.Errorf("21st file: %v, want a message on the file field", err)
	}
	r, err := w.store.Return(ctx, w.staff(w.partnerA), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Evidence) != postgres.MaxEvidenceFiles {
		t.Fatalf("%d files stored, want %d", len(r.Evidence), postgres.MaxEvidenceFiles)
	}
	// A stale version is a conflict, not a second upload.
	if err := w.store.RemoveEvidence(ctx, w.supplier(w.supplierS), id, version-1, r.Evidence[0].ID); !errors.Is(err, tally.ErrConflict) {
		t.Errorf("stale version: %v, want a conflict", err)
	}

	file := r.Evidence[0]
	if f, body, err := w.store.OpenEvidence(ctx, w.supplier(w.supplierS), id, file.ID); err != nil || f.SHA256 != file.SHA256 {
		t.Errorf("the supplier's own file: %v", err)
	} else {
		body.Close()
	}
	if _, body, err := w.store.OpenEvidence(ctx, w.staff(w.partnerA), id, file.ID); err != nil {
		t.Errorf("the partner's staff: %v", err)
	} else {
		body.Close()
	}
	for name, scope := range map[string]tally.Scope{
		"another partner":  w.staff(w.partnerB),
		"another supplier": w.supplier(w.supplierT),
		"nobody":           {},
	} {
		if _, _, err := w.store.OpenEvidence(ctx, scope, id, file.ID); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("%s downloading: %v, want not found", name, err)
		}
		if _, err := w.store.Return(ctx, scope, id); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("%s opening the return: %v, want not found", name, err)
		}
		if err := w.store.AddEvidence(ctx, scope, id, version, rtFile("intruder")); !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("%s adding a file: %v, want not found", name, err)
		}
	}
	// A file is fetched only through its own return.
	other, _ := w.draft(t, c, 2, nil)
	if _, _, err := w.store.OpenEvidence(ctx, w.staff(w.partnerA), other, file.ID); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("a file through another return: %v, want not found", err)
	}

	// Submitted, the return and its files are fixed.
	if _, err := w.store.SubmitReturn(ctx, w.supplier(w.supplierS), id, version); err != nil {
		t.Fatal(err)
	}
	if err := w.store.RemoveEvidence(ctx, w.supplier(w.supplierS), id, version+1, file.ID); !errors.As(err, &fe) {
		t.Errorf("removing a submitted file: %v, want a form error", err)
	}
}

func TestRtSubmissionNeedsBothAttestations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	c := w.contract(t, w.partnerA, w.supplierS, "RT-S", 80)
	sup := w.supplier(w.supplierS)
	id, err := w.store.StartReturn(ctx, sup, c.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	version := 1
	for _, tt := range []struct {
		contract, period bool
		want             []string
	}{
		{false, false, []string{"attest_contract", "attest_period"}},
		{true, false, []string{"attest_period"}},
		{false, true, []string{"attest_contract"}},
	} {
		if err := w.store.SaveReturn(ctx, sup, id, version, postgres.ReturnInput{AttestContract: tt.contract, AttestPeriod: tt.period}); err != nil {
			t.Fatal(err)
		}
		version++
		_, err := w.store.SubmitReturn(ctx, sup, id, version)
		var fe tally.FormErrors
		if !errors.As(err, &fe) || len(fe) != len(tt.want) {
			t.Errorf("attested %t/%t: %v, want messages for %v", tt.contract, tt.period, fe, tt.want)
		}
		for _, f := range tt.want {
			if fe[f] == "" {
				t.Errorf("attested %t/%t: no message for %s", tt.contract, tt.period, f)
			}
		}
	}
	r, err := w.store.Return(ctx, sup, id)
	if err != nil || r.Status != tally.ReturnDraft {
		t.Errorf("after refused submissions: %s, %v; want a draft", r.Status, err)
	}
	// A period that has not ended cannot be reported on.
	if _, err := w.store.StartReturn(ctx, sup, c.ID, 6); !errors.Is(err, tally.ErrInvalid) {
		t.Errorf("start a future period: %v, want a form error", err)
	}
	if _, err := w.store.StartReturn(ctx, sup, c.ID, 99); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("start a period that does not exist: %v, want not found", err)
	}
	// Another supplier cannot start one on this contract.
	if _, err := w.store.StartReturn(ctx, w.supplier(w.supplierT), c.ID, 2); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("another supplier starting a return: %v, want not found", err)
	}
}
