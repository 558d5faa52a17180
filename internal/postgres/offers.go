package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// StartOffer returns the supplier's offer on an open tender, creating an
// empty draft the first time. It returns tally.ErrNotFound for a tender the
// supplier cannot see, and a FormErrors when it is not open.
func (s *Store) StartOffer(ctx context.Context, scope tally.Scope, tenderID int64) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.StartOffer(%d)", tenderID)
	if err := scope.Require(tally.Suppliers...); err != nil {
		return 0, err
	}
	var id int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		t, err := tender(ctx, tx, tenderID)
		if err != nil {
			return err
		}
		if t.Status != tally.TenderPublished {
			return tally.FormErrors{"offer": "This tender is not open for offers"}
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO offers (partner_id, tender_id, supplier_id) VALUES ($1, $2, $3)
			ON CONFLICT (partner_id, tender_id, supplier_id) DO UPDATE SET updated_at = offers.updated_at
			RETURNING id`, t.Partner.ID, t.ID, scope.SupplierID).Scan(&id)
		return err
	})
	return id, translate(err)
}

// offerColumns are read by scanOffer.
const offerColumns = `
	f.id, f.tender_id, f.partner_id, f.supplier_id, o.slug, o.name, f.status, coalesce(f.bid_price, 0), f.bid_price IS NOT NULL,
	f.social_value, f.version, f.revision, coalesce(f.submitted_at, 'epoch')`

func scanOffer(r pgx.Row) (tally.Offer, error) {
	var f tally.Offer
	err := r.Scan(&f.ID, &f.TenderID, &f.PartnerID, &f.Supplier.ID, &f.Supplier.Slug, &f.Supplier.Name, &f.Status, &f.BidPrice,
		&f.HasBidPrice, &f.SocialValue, &f.Version, &f.Revision, &f.SubmittedAt)
	f.Supplier.Kind = tally.Supplier
	return f, err
}

// Offer returns an offer in scope with its lines and its tender. Buyers
// reach an offer only once sealed_until has passed; suppliers only their
// own: anything else is tally.ErrNotFound.
func (s *Store) Offer(ctx context.Context, scope tally.Scope, id int64) (_ tally.Offer, _ tally.Tender, err error) {
	defer derrors.Wrap(&err, "Store.Offer(%d)", id)
	var f tally.Offer
	var t tally.Tender
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		if f, err = offer(ctx, tx, id, false); err != nil {
			return err
		}
		if t, err = tender(ctx, tx, f.TenderID); err != nil {
			return err
		}
		f.Outcome, err = outcomeOf(ctx, tx, f.ID)
		return err
	})
	return f, t, translate(err)
}

func offer(ctx context.Context, tx pgx.Tx, id int64, lock bool) (tally.Offer, error) {
	q := `SELECT ` + offerColumns + ` FROM offers f JOIN organisations o ON o.id = f.supplier_id WHERE f.id = $1`
	if lock {
		q += ` FOR UPDATE OF f`
	}
	f, err := scanOffer(tx.QueryRow(ctx, q, id))
	if err != nil {
		return f, err
	}
	rows, err := tx.Query(ctx, `
		SELECT l.tender_measure_id, coalesce(l.quantity, 0), l.quantity IS NULL, l.statement, l.value
		FROM offer_lines l JOIN tender_measures tm ON tm.partner_id = l.partner_id AND tm.id = l.tender_measure_id
		WHERE l.partner_id = $1 AND l.offer_id = $2 ORDER BY tm.position`, f.PartnerID, f.ID)
	if err != nil {
		return f, err
	}
	f.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.OfferLine, error) {
		var l tally.OfferLine
		err := r.Scan(&l.TenderMeasureID, &l.Quantity, &l.NoQuantity, &l.Statement, &l.Value)
		return l, err
	})
	return f, err
}

// offerOutcome is where an offer f on tender t stands for its supplier
// (tally.OfferOutcome), worked out by the database so that lists can
// filter on it. A cancelled tender's offers say so whatever their state;
// only an awarded tender's offers are won or not won; an open tender's
// never are.
const offerOutcome = `
	CASE
		WHEN t.status = 'cancelled' THEN 'cancelled'
		WHEN f.status = 'withdrawn' THEN 'withdrawn'
		WHEN t.status = 'awarded' AND EXISTS (SELECT 1 FROM contracts c
			WHERE c.partner_id = f.partner_id AND c.tender_id = f.tender_id AND c.offer_id = f.id) THEN 'won'
		WHEN t.status = 'awarded' AND f.counted THEN 'not_won'
		WHEN (t.status = 'awarded' OR t.deadline <= now()) AND NOT f.counted THEN 'not_submitted'
		WHEN t.deadline <= now() THEN 'awaiting'
		WHEN f.status = 'submitted' THEN 'submitted'
		WHEN f.counted THEN 'changed'
		ELSE 'draft'
	END`

// outcomeOf reads offer id's outcome for its supplier.
func outcomeOf(ctx context.Context, tx pgx.Tx, id int64) (tally.OfferOutcome, error) {
	var o tally.OfferOutcome
	err := tx.QueryRow(ctx, `SELECT `+offerOutcome+`
		FROM offers f JOIN tenders t ON t.partner_id = f.partner_id AND t.id = f.tender_id WHERE f.id = $1`, id).Scan(&o)
	return o, err
}

// OfferInput is what a supplier entered: the bid price and, for each
// requested measure answered so far, a quantity and a statement.
type OfferInput struct {
	BidPrice    tally.Pence
	HasBidPrice bool
	Lines       []tally.OfferLine // TenderMeasureID, Quantity, Statement
}

// SaveOffer stores a draft of the supplier's offer, computing each line's
// value from the tender's frozen proxies. Saving a submitted offer starts a
// revision: the submission stands until it is resubmitted. version must be
// the one the form was drawn from (else tally.ErrConflict).
func (s *Store) SaveOffer(ctx context.Context, scope tally.Scope, id int64, version int, in OfferInput) (_ tally.Offer, err error) {
	defer derrors.Wrap(&err, "Store.SaveOffer(%d, %d)", id, version)
	if err := scope.Require(tally.Suppliers...); err != nil {
		return tally.Offer{}, err
	}
	var f tally.Offer
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var t tally.Tender
		var err error
		if f, t, err = lockOpenOffer(ctx, tx, id, version); err != nil {
			return err
		}
		sv, err := writeLines(ctx, tx, f, t, in.Lines)
		if err != nil {
			return err
		}
		var bid any
		if in.HasBidPrice {
			bid = int64(in.BidPrice)
		}
		_, err = tx.Exec(ctx, `
			UPDATE offers SET bid_price = $3, social_value = $4, version = version + 1, updated_at = now(),
			       status = 'draft', sealed_until = 'infinity'
			WHERE partner_id = $1 AND id = $2`, f.PartnerID, f.ID, bid, int64(sv))
		if err != nil {
			return err
		}
		f, err = offer(ctx, tx, id, false)
		return err
	})
	return f, translate(err)
}

// lockOffersTender locks the tender of offer id before anything reads its
// deadline, for a change that seals the offer to that deadline. Extending
// a deadline locks the tender first too, so the two take turns: either the
// extension sees the submission and reseals it, or the submission reads
// the new deadline. (Without the lock a submission could read the old
// deadline, the extension skip the not-yet-submitted offer, and the offer
// stay sealed only until the old deadline.) Taking the tender before the
// offer, as the extension does, also keeps the two from deadlocking. A
// tender the supplier may not update (no longer published) is not
// locked, and lockOpenOffer refuses the change.
func lockOffersTender(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, `
		SELECT 1 FROM tenders t JOIN offers f ON f.partner_id = t.partner_id AND f.tender_id = t.id
		WHERE f.id = $1 FOR NO KEY UPDATE OF t`, id)
	return err
}

// lockOpenOffer locks the supplier's offer and checks that its tender is
// still open by the database clock and that the form is not stale.
func lockOpenOffer(ctx context.Context, tx pgx.Tx, id int64, version int) (tally.Offer, tally.Tender, error) {
	f, err := offer(ctx, tx, id, true)
	if err != nil {
		return f, tally.Tender{}, err
	}
	t, err := tender(ctx, tx, f.TenderID)
	if err != nil {
		return f, t, err
	}
	if t.Status != tally.TenderPublished {
		return f, t, tally.FormErrors{"offer": "The deadline for offers on this tender has passed, so the offer cannot be changed"}
	}
	if version != f.Version {
		return f, t, fmt.Errorf("%w: offer %d is at version %d, the form was for %d", tally.ErrConflict, id, f.Version, version)
	}
	return f, t, nil
}

// writeLines replaces the offer's lines, valuing each with the tender's
// frozen proxy, and returns the offer's social value.
func writeLines(ctx context.Context, tx pgx.Tx, f tally.Offer, t tally.Tender, lines []tally.OfferLine) (tally.Pence, error) {
	measures := map[int64]tally.TenderMeasure{}
	for _, m := range t.Measures {
		measures[m.ID] = m
	}
	if _, err := tx.Exec(ctx, `DELETE FROM offer_lines WHERE partner_id = $1 AND offer_id = $2`, f.PartnerID, f.ID); err != nil {
		return 0, err
	}
	var values []tally.ValueLine
	for _, l := range lines {
		m, ok := measures[l.TenderMeasureID]
		if !ok {
			return 0, tally.FormErrors{"offer": "The offer names a measure this tender does not ask for"}
		}
		if l.NoQuantity {
			l.Quantity = 0 // not answered yet: worth nothing
		}
		v, err := tally.LineValue(l.Quantity, m.ValueProxy())
		if err != nil {
			return 0, tally.FormErrors{"quantity-" + fmt.Sprint(m.ID): "This quantity is too large: check it"}
		}
		values = append(values, tally.ValueLine{Quantity: l.Quantity, Proxy: m.ValueProxy()})
		var quantity any = int64(l.Quantity)
		if l.NoQuantity {
			quantity = nil
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO offer_lines (partner_id, offer_id, tender_id, tender_measure_id, supplier_id, quantity, statement, value)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			f.PartnerID, f.ID, f.TenderID, m.ID, f.Supplier.ID, quantity, l.Statement, int64(v)); err != nil {
			return 0, err
		}
	}
	sv, err := tally.OfferValue(values)
	if err != nil {
		return 0, tally.FormErrors{"offer": "The offer's total social value is too large: check the quantities"}
	}
	return sv, nil
}

// SubmitOffer submits the supplier's offer before the deadline (database
// clock): every requested measure answered, a bid price, and a statement
// for every quantity above zero. A repeat of the same submit (a double
// click, a replayed request) returns the first receipt and records nothing.
func (s *Store) SubmitOffer(ctx context.Context, scope tally.Scope, id int64, version int) (_ tally.Receipt, err error) {
	defer derrors.Wrap(&err, "Store.SubmitOffer(%d, %d)", id, version)
	if err := scope.Require(tally.Suppliers...); err != nil {
		return tally.Receipt{}, err
	}
	var rc tally.Receipt
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := lockOffersTender(ctx, tx, id); err != nil {
			return err
		}
		f, t, err := lockOpenOffer(ctx, tx, id, version)
		if err != nil {
			var repeat bool
			if repeat, rc, err = repeatedSubmit(ctx, tx, f, version, err); repeat {
				return nil
			}
			return err
		}
		if errs := tally.OfferProblems(f, t); len(errs) > 0 {
			return errs
		}
		var now time.Time
		if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
			return err
		}
		content := tally.ReceiptContent{Reference: tally.OfferReference(f.ID, f.Revision+1), Tender: t.Reference, TenderID: t.ID,
			SupplierID: f.Supplier.ID, Revision: f.Revision + 1, SubmittedAt: now.UTC(), BidPrice: int64(f.BidPrice),
			SocialValue: int64(f.SocialValue)}
		measures := map[int64]tally.TenderMeasure{}
		for _, m := range t.Measures {
			measures[m.ID] = m
		}
		for _, l := range f.Lines {
			m := measures[l.TenderMeasureID]
			content.Lines = append(content.Lines, tally.ReceiptLine{TenderMeasureID: m.ID, Edition: m.Edition, Code: m.Code,
				Quantity: l.Quantity.String(), Proxy: m.ValueProxy().String(), Statement: l.Statement, Value: int64(l.Value)})
		}
		body, sha, err := content.Seal()
		if err != nil {
			return err
		}
		rc = tally.Receipt{Reference: content.Reference, Revision: content.Revision, SubmittedAt: now, SHA256: sha}
		if _, err := tx.Exec(ctx, `
			INSERT INTO offer_submissions (partner_id, offer_id, tender_id, revision, kind, supplier_id, sealed_until, reference, submitted_at, sha256, content)
			VALUES ($1, $2, $3, $4, 'submit', $5, $6, $7, $8, $9, $10)`,
			f.PartnerID, f.ID, t.ID, rc.Revision, f.Supplier.ID, t.Deadline, rc.Reference, now, rc.SHA256, body); err != nil {
			return err
		}
		var wasCounted bool
		if err := tx.QueryRow(ctx, `
			UPDATE offers o SET status = 'submitted', counted = true, revision = $3, version = version + 1, sealed_until = $4,
			       submitted_at = $5, updated_at = now()
			FROM (SELECT counted FROM offers WHERE partner_id = $1 AND id = $2) before
			WHERE o.partner_id = $1 AND o.id = $2 RETURNING before.counted`,
			f.PartnerID, f.ID, rc.Revision, t.Deadline, now).Scan(&wasCounted); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE offer_lines SET sealed_until = $3 WHERE partner_id = $1 AND offer_id = $2`,
			f.PartnerID, f.ID, t.Deadline); err != nil {
			return err
		}
		if !wasCounted {
			if err := countOffer(ctx, tx, t, +1); err != nil {
				return err
			}
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: f.Supplier.ID, UserID: scope.UserID, Action: "offer.submit",
			Subject: rc.Reference, Detail: map[string]any{"tender": t.Reference, "partner": t.Partner.Name, "sha256": rc.SHA256}})
	})
	return rc, translate(err)
}

// repeatedSubmit recognises a submit of a form whose submission has just
// been recorded: the offer is submitted, one version on from the form.
func repeatedSubmit(ctx context.Context, tx pgx.Tx, f tally.Offer, version int, cause error) (bool, tally.Receipt, error) {
	if f.ID == 0 || f.Status != tally.OfferSubmitted || f.Version != version+1 {
		return false, tally.Receipt{}, cause
	}
	rc, err := latestReceipt(ctx, tx, f)
	if err != nil {
		return false, rc, err
	}
	return true, rc, nil
}

func latestReceipt(ctx context.Context, tx pgx.Tx, f tally.Offer) (tally.Receipt, error) {
	var rc tally.Receipt
	err := tx.QueryRow(ctx, `
		SELECT reference, revision, submitted_at, sha256 FROM offer_submissions
		WHERE partner_id = $1 AND offer_id = $2 AND kind = 'submit' ORDER BY revision DESC LIMIT 1`, f.PartnerID, f.ID).
		Scan(&rc.Reference, &rc.Revision, &rc.SubmittedAt, &rc.SHA256)
	return rc, err
}

// countOffer moves the tender's count of standing offers. Suppliers may
// change that column and no other (a trigger checks).
func countOffer(ctx context.Context, tx pgx.Tx, t tally.Tender, delta int) error {
	_, err := tx.Exec(ctx, `UPDATE tenders SET submitted_offers = submitted_offers + $3 WHERE partner_id = $1 AND id = $2`,
		t.Partner.ID, t.ID, delta)
	return err
}

// WithdrawOffer withdraws the supplier's offer before the deadline: its
// submission no longer stands.
func (s *Store) WithdrawOffer(ctx context.Context, scope tally.Scope, id int64, version int) (err error) {
	defer derrors.Wrap(&err, "Store.WithdrawOffer(%d, %d)", id, version)
	if err := scope.Require(tally.Suppliers...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := lockOffersTender(ctx, tx, id); err != nil {
			return err
		}
		f, t, err := lockOpenOffer(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if f.Revision == 0 {
			return tally.FormErrors{"offer": "This offer has not been submitted, so there is nothing to withdraw"}
		}
		var counted bool
		if err := tx.QueryRow(ctx, `SELECT counted FROM offers WHERE partner_id = $1 AND id = $2`, f.PartnerID, f.ID).Scan(&counted); err != nil {
			return err
		}
		if !counted {
			return tally.FormErrors{"offer": "This offer has been withdrawn already"}
		}
		ref := tally.OfferReference(f.ID, f.Revision+1)
		if _, err := tx.Exec(ctx, `
			INSERT INTO offer_submissions (partner_id, offer_id, tender_id, revision, kind, supplier_id, sealed_until, reference, sha256, content)
			VALUES ($1, $2, $3, $4, 'withdraw', $5, $6, $7, '', '{"withdrawn": true}')`,
			f.PartnerID, f.ID, t.ID, f.Revision+1, f.Supplier.ID, t.Deadline, ref); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE offers SET status = 'withdrawn', counted = false, revision = revision + 1, version = version + 1,
			       sealed_until = 'infinity', updated_at = now()
			WHERE partner_id = $1 AND id = $2`, f.PartnerID, f.ID); err != nil {
			return err
		}
		// A withdrawn offer is never opened: its earlier submissions are
		// sealed for good (a later resubmission is sealed to the deadline).
		if _, err := tx.Exec(ctx, `UPDATE offer_submissions SET sealed_until = 'infinity' WHERE partner_id = $1 AND offer_id = $2`, f.PartnerID, f.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE offer_lines SET sealed_until = 'infinity' WHERE partner_id = $1 AND offer_id = $2`, f.PartnerID, f.ID); err != nil {
			return err
		}
		if err := countOffer(ctx, tx, t, -1); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: f.Supplier.ID, UserID: scope.UserID, Action: "offer.withdraw",
			Subject: ref, Detail: map[string]any{"tender": t.Reference}})
	})
	return translate(err)
}

// OfferReceipt returns the latest submission's receipt of an offer in scope.
func (s *Store) OfferReceipt(ctx context.Context, scope tally.Scope, id int64) (_ tally.Receipt, err error) {
	defer derrors.Wrap(&err, "Store.OfferReceipt(%d)", id)
	var rc tally.Receipt
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		f, err := offer(ctx, tx, id, false)
		if err != nil {
			return err
		}
		rc, err = latestReceipt(ctx, tx, f)
		return err
	})
	return rc, translate(err)
}

// OfferSummary is one offer in a list.
type OfferSummary struct {
	Offer  tally.Offer // with its Outcome
	Tender tally.Tender
	Stands bool // a submission stands (it counts if the deadline passes now)
}

// OfferFilter narrows and orders a supplier's list of offers.
type OfferFilter struct {
	Outcome tally.OfferOutcome // "" for any
	Query   string             // words in the tender's reference or title
	Sort    string             // a key of OfferSorts; "" for the most recently changed first
	Limit   int
	Offset  int
}

// OfferSorts are the orders a supplier's list of offers can take, by key.
var OfferSorts = map[string]string{
	"updated":  "f.updated_at DESC, f.id DESC",
	"deadline": "t.deadline ASC, f.id DESC",
	"council":  "o.name ASC, t.deadline DESC, f.id DESC",
	"tender":   "t.title ASC, f.id DESC",
	"value":    "f.social_value DESC, f.id DESC",
}

// SupplierOffers lists a page of the supplier's own offers with the count
// of all that match. Each tender's Partner is the council that runs it.
func (s *Store) SupplierOffers(ctx context.Context, scope tally.Scope, f OfferFilter) (_ []OfferSummary, _ tally.Count, err error) {
	defer derrors.Wrap(&err, "Store.SupplierOffers()")
	var list []OfferSummary
	var total tally.Count
	order, ok := OfferSorts[f.Sort]
	if !ok {
		order = OfferSorts["updated"]
	}
	// The outcome is worked out once, in the sub-query, and filtered on
	// outside it.
	where := `WHERE f.supplier_id = $1`
	args := []any{scope.SupplierID}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(q))+"%")
		where += fmt.Sprintf(` AND (lower(t.title) LIKE $%d OR lower(t.reference) LIKE $%[1]d)`, len(args))
	}
	from := `FROM (SELECT f.*, ` + offerOutcome + ` AS outcome
			FROM offers f JOIN tenders t ON t.partner_id = f.partner_id AND t.id = f.tender_id ` + where + `) f
		JOIN organisations o ON o.id = f.partner_id
		JOIN organisations so ON so.id = f.supplier_id
		JOIN tenders t ON t.partner_id = f.partner_id AND t.id = f.tender_id`
	if f.Outcome != "" {
		args = append(args, string(f.Outcome))
		from += fmt.Sprintf(` WHERE f.outcome = $%d`, len(args))
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) `+from, args...).Scan(&total.N); err != nil {
			return err
		}
		limit := f.Limit
		if limit <= 0 {
			limit = 50
		}
		// tenderColumns name the tender's council "o".
		rows, err := tx.Query(ctx, `SELECT f.id, f.tender_id, f.partner_id, f.supplier_id, so.slug, so.name, f.status,
				coalesce(f.bid_price, 0), f.bid_price IS NOT NULL, f.social_value, f.version, f.revision,
				coalesce(f.submitted_at, 'epoch'), f.counted, f.outcome, `+tenderColumns+` `+from+`
			ORDER BY `+order+fmt.Sprintf(` LIMIT %d OFFSET %d`, limit, max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (OfferSummary, error) {
			var o OfferSummary
			var f tally.Offer
			var t tally.Tender
			err := r.Scan(&f.ID, &f.TenderID, &f.PartnerID, &f.Supplier.ID, &f.Supplier.Slug, &f.Supplier.Name, &f.Status, &f.BidPrice,
				&f.HasBidPrice, &f.SocialValue, &f.Version, &f.Revision, &f.SubmittedAt, &o.Stands, &f.Outcome,
				&t.ID, &t.Partner.ID, &t.Partner.Slug, &t.Partner.Name, &t.Reference, &t.Title, &t.Description, &t.Category,
				&t.EstimatedValue, &t.ContractStart, &t.ContractEnd, &t.Weighting, &t.WeightingReason, &t.QuantitativeShare, &t.Method,
				&t.Deadline, &t.Status, &t.PublishedAt, &t.CancelReason, &t.SubmittedOffers)
			f.Supplier.Kind, t.Partner.Kind = tally.Supplier, tally.Partner
			o.Offer, o.Tender = f, t
			return o, err
		})
		return err
	})
	return list, total, translate(err)
}

// SubmittedOffer is the standing submission of one supplier on a tender,
// as buyers see it after the deadline.
type SubmittedOffer struct {
	OfferID     int64
	Supplier    tally.Org
	Reference   string
	SubmittedAt time.Time
	BidPrice    tally.Pence
	SocialValue tally.Pence
}

// TenderSubmissions lists the standing submissions on a tender. Under the
// buyer's scope the database returns none before the deadline.
func (s *Store) TenderSubmissions(ctx context.Context, scope tally.Scope, tenderID int64) (_ []SubmittedOffer, err error) {
	defer derrors.Wrap(&err, "Store.TenderSubmissions(%d)", tenderID)
	var list []SubmittedOffer
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT DISTINCT ON (s.offer_id) s.offer_id, o.id, o.slug, o.name, s.kind, s.reference, s.submitted_at,
			       coalesce((s.content->>'bid_price_pence')::bigint, 0), coalesce((s.content->>'social_value_pence')::bigint, 0)
			FROM offer_submissions s JOIN organisations o ON o.id = s.supplier_id
			WHERE s.tender_id = $1
			ORDER BY s.offer_id, s.revision DESC`, tenderID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var o SubmittedOffer
			var kind string
			if err := rows.Scan(&o.OfferID, &o.Supplier.ID, &o.Supplier.Slug, &o.Supplier.Name, &kind, &o.Reference, &o.SubmittedAt,
				&o.BidPrice, &o.SocialValue); err != nil {
				return err
			}
			if kind == "submit" {
				list = append(list, o)
			}
		}
		return rows.Err()
	})
	return list, translate(err)
}

// SupplierOfferOn returns the id of the supplier's offer on a tender, or
// tally.ErrNotFound.
func (s *Store) SupplierOfferOn(ctx context.Context, scope tally.Scope, tenderID int64) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.SupplierOfferOn(%d)", tenderID)
	var id int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM offers WHERE tender_id = $1 AND supplier_id = $2`, tenderID, scope.SupplierID).Scan(&id)
	})
	return id, translate(err)
}

// MeasureDescriptions returns what each measure a tender asks for means,
// by tender measure id: the catalogue's description. A council's local
// measure is described only to its own staff, so a supplier gets "" for
// it (row-level security hides the local measure).
func (s *Store) MeasureDescriptions(ctx context.Context, scope tally.Scope, tenderID int64) (_ map[int64]string, err error) {
	defer derrors.Wrap(&err, "Store.MeasureDescriptions(%d)", tenderID)
	out := map[int64]string{}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT tm.id, coalesce(nullif(m.description, ''), lm.description, '')
			FROM tender_measures tm
			LEFT JOIN measures m ON m.id = tm.measure_id
			LEFT JOIN local_measures lm ON lm.id = tm.local_measure_id
			WHERE tm.tender_id = $1`, tenderID)
		if err != nil {
			return err
		}
		var id int64
		var d string
		_, err = pgx.ForEachRow(rows, []any{&id, &d}, func() error {
			out[id] = d
			return nil
		})
		return err
	})
	return out, translate(err)
}
