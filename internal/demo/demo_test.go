package demo_test

import (
	"context"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// demoDB is a fresh copy of the loaded demo and a superuser connection to
// it, which sees every row past row-level security.
func demoDB(t *testing.T) (*pgtest.DB, *pgx.Conn) {
	t.Helper()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	conn, err := pgx.Connect(context.Background(), db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return db, conn
}

// Every demo offer was made while its tender was open: after it was
// published and before its deadline, on the offer, every one of its
// submissions and withdrawals alike.
func TestDemoOffersAreMadeWhileTheTenderIsOpen(t *testing.T) {
	t.Parallel()
	_, conn := demoDB(t)
	ctx := context.Background()
	var offers, submissions, bad int
	err := conn.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM offers WHERE submitted_at IS NOT NULL),
		       (SELECT count(*) FROM offer_submissions),
		       (SELECT count(*) FROM offers o JOIN tenders t ON t.partner_id = o.partner_id AND t.id = o.tender_id
		        WHERE o.submitted_at IS NOT NULL AND NOT (o.submitted_at >= t.published_at AND o.submitted_at < t.deadline))
		     + (SELECT count(*) FROM offer_submissions s JOIN tenders t ON t.partner_id = s.partner_id AND t.id = s.tender_id
		        WHERE NOT (s.submitted_at >= t.published_at AND s.submitted_at < t.deadline))
		     + (SELECT count(*) FROM offers o JOIN tenders t ON t.partner_id = o.partner_id AND t.id = o.tender_id
		        WHERE o.created_at < t.published_at)`).Scan(&offers, &submissions, &bad)
	if err != nil {
		t.Fatal(err)
	}
	if offers < 100 || submissions < offers {
		t.Fatalf("the demo has %d submitted offers and %d submissions; is it loaded?", offers, submissions)
	}
	if bad != 0 {
		rows, _ := conn.Query(ctx, `
			SELECT t.reference, t.published_at::text, s.submitted_at::text, t.deadline::text
			FROM offer_submissions s JOIN tenders t ON t.partner_id = s.partner_id AND t.id = s.tender_id
			WHERE NOT (s.submitted_at >= t.published_at AND s.submitted_at < t.deadline) LIMIT 5`)
		examples, _ := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Ref, Published, Submitted, Deadline string }])
		t.Errorf("%d demo offers or submissions are dated outside their tender's open period, for example %+v", bad, examples)
	}
}

// The demo shows what evaluators meet: both scoring methods, offers
// flagged for a check (and lines moderated because of it), and price,
// quality and social value points that share 100.
func TestDemoEvaluationsAreRealistic(t *testing.T) {
	t.Parallel()
	db, conn := demoDB(t)
	ctx := context.Background()
	rows, err := conn.Query(ctx, `
		SELECT DISTINCT t.scoring_method FROM tenders t
		WHERE t.status IN ('published', 'awarded') AND EXISTS (SELECT 1 FROM offers o WHERE o.partner_id = t.partner_id AND o.tender_id = t.id)
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	methods, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(methods) != 2 {
		t.Errorf("scoring methods in use: %v (%v), want relative_percentage and relative_value", methods, err)
	}

	// Every tender closed now, evaluated or not, through the store as its
	// partner's buyer: some offers need a check.
	var flagged, offers int
	var tenders []struct {
		ID, Partner int64
	}
	rows, _ = conn.Query(ctx, `SELECT id, partner_id FROM tenders WHERE status IN ('published', 'awarded') AND deadline < now()`)
	if tenders, err = pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ ID, Partner int64 }]); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.App).WithFiles(db.Files)
	var awaiting bool
	for _, tn := range tenders {
		scope := tally.Scope{PartnerIDs: []int64{tn.Partner}, OrgIDs: []int64{tn.Partner}}
		e, err := store.Evaluation(ctx, scope, tn.ID, tally.OpenedOnPage)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range e.Offers {
			offers++
			if o.Flags.Any() {
				flagged++
				awaiting = awaiting || e.AwardedOfferID == 0
			}
			if !o.Marked {
				continue
			}
			// Social value earns at most its weighting in points; price
			// and quality share the rest.
			if most := tally.Points(int(tally.MaxPoints) - int(e.Tender.Weighting)*10); o.PricePoints+o.QualityPoints > most {
				t.Errorf("%s: %s scores %s price and %s quality points, more than the %s left beside a %s%% social value weighting",
					e.Tender.Reference, o.Supplier.Name, o.PricePoints, o.QualityPoints, most, e.Tender.Weighting)
			}
			if o.Total > tally.MaxPoints {
				t.Errorf("%s: %s totals %s points, more than 100", e.Tender.Reference, o.Supplier.Name, o.Total)
			}
		}
	}
	if flagged == 0 || flagged*10 > offers || !awaiting {
		t.Errorf("%d of %d demo offers are flagged for a check (awaiting evaluation among them: %t); want a few, some still to evaluate",
			flagged, offers, awaiting)
	}
	var moderated int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM line_moderations WHERE reason LIKE '%sanity bound%'`).Scan(&moderated); err != nil {
		t.Fatal(err)
	}
	if moderated == 0 {
		t.Error("no demo line over its sanity bound was moderated")
	}
}
