package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// RecordOffer is one of a supplier's standing submissions, as the viewer's
// scope may see it (a buyer sees them only after the deadline).
type RecordOffer struct {
	TenderID    int64
	Tender      string
	Reference   string
	Partner     string
	SubmittedAt time.Time
	BidPrice    tally.Pence
	SocialValue tally.Pence
	Won         bool
}

// SupplierRecord lists a supplier's submissions and contracts within
// scope: across the partners a buyer may see, or all its own for itself.
func (s *Store) SupplierRecord(ctx context.Context, scope tally.Scope, supplierID int64) ([]RecordOffer, []tally.Contract, error) {
	var offers []RecordOffer
	var contracts []tally.Contract
	err := s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT t.id, t.title, t.reference, p.name, s.submitted_at,
			       coalesce((s.content->>'bid_price_pence')::bigint, 0), coalesce((s.content->>'social_value_pence')::bigint, 0),
			       EXISTS (SELECT 1 FROM contracts c WHERE c.partner_id = s.partner_id AND c.offer_id = s.offer_id)
			FROM (SELECT DISTINCT ON (offer_id) * FROM offer_submissions WHERE supplier_id = $1 ORDER BY offer_id, revision DESC) s
			JOIN tenders t ON t.partner_id = s.partner_id AND t.id = s.tender_id
			JOIN organisations p ON p.id = s.partner_id
			WHERE s.kind = 'submit'
			ORDER BY s.submitted_at DESC LIMIT 500`, supplierID)
		if err != nil {
			return err
		}
		if offers, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RecordOffer]); err != nil {
			return err
		}
		crows, err := tx.Query(ctx, `SELECT `+contractColumns+`
			FROM contracts c JOIN organisations p ON p.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
			WHERE c.supplier_id = $1 ORDER BY c.awarded_on DESC LIMIT 500`, supplierID)
		if err != nil {
			return err
		}
		contracts, err = pgx.CollectRows(crows, func(r pgx.CollectableRow) (tally.Contract, error) { return scanContract(r) })
		return err
	})
	return offers, contracts, translate(err)
}

// MeasureDelivery is one measure's committed and verified delivered
// social value in a year.
type MeasureDelivery struct {
	Edition   string
	Code      string
	Title     string
	Unit      string
	Committed tally.Pence // on contracts awarded in the year
	Delivered tally.Pence // verified on returns for periods ending in the year
	Quantity  tally.Quantity
	Contracts int
}

// MeasureReport ranks measures by the verified social value they
// delivered in a year, with what was committed on them.
func (s *Store) MeasureReport(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear) ([]MeasureDelivery, error) {
	var list []MeasureDelivery
	err := s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH d AS (
				SELECT k.edition, k.code, k.title, k.unit, sum(round(l.quantity::numeric * k.proxy / 100000))::bigint AS delivered,
				       sum(l.quantity)::bigint AS quantity, count(DISTINCT k.contract_id) AS contracts
				FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
				JOIN kpis k ON k.partner_id = l.partner_id AND k.id = l.kpi_id
				WHERE l.partner_id = ANY ($1) AND l.decision = 'verified' AND k.proxy IS NOT NULL
				  AND r.period_end > $2 AND r.period_end <= $3
				GROUP BY 1, 2, 3, 4),
			c AS (
				SELECT k.edition, k.code, k.title, k.unit, sum(`+committedSQL+`)::bigint AS committed
				FROM kpis k JOIN contracts ct ON ct.partner_id = k.partner_id AND ct.id = k.contract_id
				WHERE k.partner_id = ANY ($1) AND ct.awarded_on >= $2 AND ct.awarded_on < $3
				GROUP BY 1, 2, 3, 4)
			SELECT coalesce(d.edition, c.edition), coalesce(d.code, c.code), coalesce(d.title, c.title), coalesce(d.unit, c.unit),
			       coalesce(c.committed, 0), coalesce(d.delivered, 0), coalesce(d.quantity, 0), coalesce(d.contracts, 0)
			FROM d FULL JOIN c ON c.edition = d.edition AND c.code = d.code AND c.title = d.title AND c.unit = d.unit
			ORDER BY 6 DESC, 5 DESC, 2`, partners, fy.Start(), fy.End())
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[MeasureDelivery])
		return err
	})
	return list, translate(err)
}
