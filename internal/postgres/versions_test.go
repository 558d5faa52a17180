package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// A draft saved from a version someone else has replaced is refused and
// writes nothing; saved from the current version it saves, and the
// version moves on.
func TestSaveTenderChecksTheVersion(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	ctx := context.Background()
	id := w.draft(t, "T-VER", "JOB1")
	tn, err := w.store.Tender(ctx, w.buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	first, second := tn, tn
	first.Title = "Saved first"
	if _, err := w.store.SaveTender(ctx, w.buyer, first, []postgres.MeasureChoice{{MeasureID: w.measures["JOB1"]}}); err != nil {
		t.Fatal(err)
	}
	second.Title = "Saved second"
	_, err = w.store.SaveTender(ctx, w.buyer, second, []postgres.MeasureChoice{{MeasureID: w.measures["ENV1"]}})
	if !errors.Is(err, tally.ErrConflict) {
		t.Fatalf("a stale save: %v, want ErrConflict", err)
	}
	now, err := w.store.Tender(ctx, w.buyer, id)
	if err != nil {
		t.Fatal(err)
	}
	if now.Title != "Saved first" || len(now.Measures) != 1 || now.Measures[0].Code != "JOB1" || now.Version <= tn.Version {
		t.Errorf("after a stale save: %q, %v, version %d (was %d)", now.Title, now.Measures, now.Version, tn.Version)
	}
	second.Version = now.Version
	if _, err := w.store.SaveTender(ctx, w.buyer, second, []postgres.MeasureChoice{{MeasureID: w.measures["ENV1"]}}); err != nil {
		t.Fatalf("saved from the current version: %v", err)
	}
}

// The triggers of migration 000025: any change to an editable record, or
// to the child rows its form edits, moves its version on, whichever code
// (or an older binary) wrote it; bookkeeping other people's actions move
// does not; a statement that bumps the version itself moves it by one.
func TestVersionsMoveWithEveryChange(t *testing.T) {
	t.Parallel()
	w := tnSetup(t)
	id := w.draft(t, "T-TRIG", "JOB1", "ENV1")
	version := func(q string, args ...any) int { t.Helper(); return w.truth(t, q, args...) }
	tender := func() int { return version(`SELECT version FROM tenders WHERE id = $1`, id) }

	v := tender()
	w.adminExec(t, `UPDATE tenders SET title = 'Changed by hand' WHERE id = $1`, id)
	if got := tender(); got != v+1 {
		t.Errorf("a tender's title changed without a bump: version %d → %d, want %d", v, got, v+1)
	}
	v = tender()
	w.adminExec(t, `UPDATE tenders SET updated_at = now(), submitted_offers = submitted_offers WHERE id = $1`, id)
	if got := tender(); got != v {
		t.Errorf("bookkeeping moved the version %d → %d", v, got)
	}
	w.adminExec(t, `UPDATE tenders SET title = 'Again', version = version + 1 WHERE id = $1`, id)
	if got := tender(); got != v+1 {
		t.Errorf("an explicit bump moved the version %d → %d, want %d", v, got, v+1)
	}
	v = tender()
	w.adminExec(t, `UPDATE tender_measures SET target = 5000 WHERE tender_id = $1`, id)
	if got := tender(); got <= v {
		t.Errorf("a draft's measure target changed and its version stayed %d", got)
	}
	v = tender()
	w.adminExec(t, `DELETE FROM tender_measures WHERE tender_id = $1 AND code = 'ENV1'`, id)
	if got := tender(); got <= v {
		t.Errorf("a draft's measure removed and its version stayed %d", got)
	}

	// Offers: a reseal (a deadline moved) is not the supplier's change.
	tn := w.open(t, "T-TRIG-O")
	offer, ov := w.saved(t, 0, tn, "1")
	w.adminExec(t, `UPDATE offers SET sealed_until = now() + interval '1 day' WHERE id = $1`, offer)
	if got := version(`SELECT version FROM offers WHERE id = $1`, offer); got != ov {
		t.Errorf("a reseal moved the offer's version %d → %d", ov, got)
	}
	w.adminExec(t, `UPDATE offers SET bid_price = 1234 WHERE id = $1`, offer)
	if got := version(`SELECT version FROM offers WHERE id = $1`, offer); got != ov+1 {
		t.Errorf("a bid changed by hand: version %d → %d, want %d", ov, got, ov+1)
	}

	// Partner settings and local measures.
	ps := version(`SELECT version FROM partner_settings WHERE partner_id = $1`, w.partner)
	w.adminExec(t, `UPDATE partner_settings SET max_measures = 9 WHERE partner_id = $1`, w.partner)
	if got := version(`SELECT version FROM partner_settings WHERE partner_id = $1`, w.partner); got != ps+1 {
		t.Errorf("settings changed: version %d → %d", ps, got)
	}
	lm := w.adminID(t, `INSERT INTO local_measures (org_id, theme, outcome, code, title, unit) VALUES ($1, 'T', 'O', 'L1', 'Local', 'hours') RETURNING id`, w.partner)
	w.adminExec(t, `UPDATE local_measures SET retired_at = now() WHERE id = $1`, lm)
	if got := version(`SELECT version FROM local_measures WHERE id = $1`, lm); got != 2 {
		t.Errorf("a local measure retired: version %d, want 2", got)
	}

	// A KPI's targets, and a return line's decision.
	start := time.Now().AddDate(-1, 0, 0).Truncate(24 * time.Hour)
	contract, err := w.store.CreateDirectContract(context.Background(), w.buyer, postgres.NewContract{PartnerID: w.partner, SupplierID: w.suppliers[0],
		Reference: "C-TRIG", Title: "Triggers", Value: 1_000_000, Start: start, End: start.AddDate(2, 0, -1), AwardedOn: start,
		KPIs: []postgres.NewKPI{{Measure: tn.Measures[0], Quantity: 8000}}})
	if err != nil {
		t.Fatal(err)
	}
	kpi := int64(w.truth(t, `SELECT id FROM kpis WHERE contract_id = $1`, contract))
	kv := version(`SELECT version FROM kpis WHERE id = $1`, kpi)
	w.adminExec(t, `UPDATE kpi_targets SET target = target + 1 WHERE kpi_id = $1 AND period = 1`, kpi)
	w.adminExec(t, `UPDATE kpi_targets SET target = target - 1 WHERE kpi_id = $1 AND period = 2`, kpi)
	if got := version(`SELECT version FROM kpis WHERE id = $1`, kpi); got != kv+2 {
		t.Errorf("targets moved between periods (the sum unchanged): KPI version %d → %d, want %d", kv, got, kv+2)
	}
	ret, err := w.store.StartReturn(context.Background(), w.supplier(0), contract, 1)
	if err != nil {
		t.Fatal(err)
	}
	w.adminExec(t, `UPDATE returns SET status = 'submitted', attest_contract = true, attest_period = true WHERE id = $1`, ret)
	rv := version(`SELECT version FROM returns WHERE id = $1`, ret)
	dv := version(`SELECT decisions_version FROM returns WHERE id = $1`, ret)
	w.adminExec(t, `UPDATE return_lines SET decision = 'verified' WHERE return_id = $1`, ret)
	if got := version(`SELECT decisions_version FROM returns WHERE id = $1`, ret); got != dv+1 {
		t.Errorf("a decision: decisions version %d → %d, want %d", dv, got, dv+1)
	}
	if got := version(`SELECT version FROM returns WHERE id = $1`, ret); got != rv {
		t.Errorf("a decision moved the supplier's version %d → %d", rv, got)
	}
}
