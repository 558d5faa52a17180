package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
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
	Outcome     tally.OfferOutcome // where the offer stands: see offerOutcome
}

// SupplierRecord lists a supplier's submissions, each with its outcome
// (the rule the offers list follows), and contracts rated on asOf (as the
// contracts list rates them) within scope: across the partners a buyer may
// see, or all its own for itself.
func (s *Store) SupplierRecord(ctx context.Context, scope tally.Scope, supplierID int64, asOf time.Time) (_ []RecordOffer, _ []ContractRow, err error) {
	defer derrors.Wrap(&err, "Store.SupplierRecord(%d)", supplierID)
	var offers []RecordOffer
	var contracts []ContractRow
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT t.id, t.title, t.reference, p.name, s.submitted_at,
			       coalesce((s.content->>'bid_price_pence')::bigint, 0), coalesce((s.content->>'social_value_pence')::bigint, 0),
			       `+offerOutcome+`
			FROM (SELECT DISTINCT ON (offer_id) * FROM offer_submissions WHERE supplier_id = $1 ORDER BY offer_id, revision DESC) s
			JOIN offers f ON f.partner_id = s.partner_id AND f.id = s.offer_id
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
		// Rated as the contracts list rates them, ended contracts too.
		b := tally.DefaultBands()
		crows, err := tx.Query(ctx, `SELECT `+contractColumns+`, r.expected, r.delivered, r.rating
			FROM contracts c JOIN organisations p ON p.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
			LEFT JOIN LATERAL `+contractRatingSQL+` r ON true
			WHERE c.supplier_id = $5 ORDER BY c.awarded_on DESC LIMIT 500`, asOf, b.Good, b.Approaching, b.RequiresImprovement, supplierID)
		if err != nil {
			return err
		}
		contracts, err = pgx.CollectRows(crows, func(r pgx.CollectableRow) (ContractRow, error) {
			var c ContractRow
			err := r.Scan(&c.ID, &c.Partner.ID, &c.Partner.Slug, &c.Partner.Name, &c.Supplier.ID, &c.Supplier.Slug, &c.Supplier.Name,
				&c.TenderID, &c.Reference, &c.Title, &c.Value, &c.Start, &c.End, &c.AwardedOn, &c.AwardReason, &c.Direct, &c.Committed,
				&c.Expected, &c.Delivered, &c.Rating)
			c.Partner.Kind, c.Supplier.Kind = tally.Partner, tally.Supplier
			return c, err
		})
		return err
	})
	return offers, contracts, translate(err)
}

// MeasureDelivery is one measure's delivery in a year against its
// targets for the same reporting periods: like with like, in the measure's
// unit and in pounds.
type MeasureDelivery struct {
	Edition   string
	Code      string
	Title     string
	Unit      string
	Target    tally.Quantity // phased targets of the periods ending in the year
	Delivered tally.Quantity // verified on those periods' returns
	TargetValue,
	DeliveredValue tally.Pence // the same, each line valued at the KPI's frozen proxy
	Contracts int // contracts with a period of this measure ending in the year
}

// MeasureReport ranks the measures with a proxy value by the verified
// social value they delivered in a year, each beside its targets for the
// same periods: the reporting periods that ended in the year, on every
// contract, whenever it was awarded. Delivered is what the dashboard's
// "social value delivered" adds up.
func (s *Store) MeasureReport(ctx context.Context, scope tally.Scope, partners []int64, fy tally.FinancialYear) (_ []MeasureDelivery, err error) {
	defer derrors.Wrap(&err, "Store.MeasureReport()")
	var list []MeasureDelivery
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH t AS (
				SELECT k.edition, k.code, k.title, k.unit, sum(t.target)::bigint AS target,
				       sum(round(t.target::numeric * k.proxy / 100000))::bigint AS target_value, count(DISTINCT k.contract_id) AS contracts
				FROM kpi_targets t JOIN kpis k ON k.partner_id = t.partner_id AND k.id = t.kpi_id
				WHERE t.partner_id = ANY ($1) AND k.proxy IS NOT NULL AND t.period_end > $2 AND t.period_end <= $3
				GROUP BY 1, 2, 3, 4),
			d AS (
				SELECT k.edition, k.code, k.title, k.unit, sum(l.quantity)::bigint AS delivered,
				       sum(round(l.quantity::numeric * k.proxy / 100000))::bigint AS delivered_value
				FROM return_lines l JOIN returns r ON r.partner_id = l.partner_id AND r.id = l.return_id
				JOIN kpis k ON k.partner_id = l.partner_id AND k.id = l.kpi_id
				WHERE l.partner_id = ANY ($1) AND l.decision = 'verified' AND k.proxy IS NOT NULL
				  AND r.period_end > $2 AND r.period_end <= $3
				GROUP BY 1, 2, 3, 4)
			SELECT t.edition, t.code, t.title, t.unit, t.target, coalesce(d.delivered, 0), t.target_value, coalesce(d.delivered_value, 0), t.contracts
			FROM t LEFT JOIN d ON d.edition = t.edition AND d.code = t.code AND d.title = t.title AND d.unit = t.unit
			ORDER BY 8 DESC, 7 DESC, 2, 1`, partners, fy.Start(), fy.End())
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[MeasureDelivery])
		return err
	})
	return list, translate(err)
}
