package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// Evaluation loads a closed (or awarded) tender's standing submissions
// with the evaluators' moderations, marks and points, and scores them. A
// tender still open, or out of scope, is tally.ErrNotFound: its offers are
// sealed.
//
// Opening offers is recorded in the tender's audit log as the scope's
// person, in the same transaction: an export every time (a copy leaves
// Tally), the page once per person, tender and London day (it is reopened
// after every mark saved).
func (s *Store) Evaluation(ctx context.Context, scope tally.Scope, tenderID int64, via tally.Opening) (_ tally.Evaluation, err error) {
	defer derrors.Wrap(&err, "Store.Evaluation(%d, %s)", tenderID, via)
	var e tally.Evaluation
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		if e, err = evaluation(ctx, tx, tenderID); err != nil {
			return err
		}
		return auditOpening(ctx, tx, scope, e, via)
	})
	return e, translate(err)
}

// auditOpening records that the scope's person opened e's offers via.
func auditOpening(ctx context.Context, tx pgx.Tx, scope tally.Scope, e tally.Evaluation, via tally.Opening) error {
	t := e.Tender
	if via == tally.OpenedOnPage {
		var seen bool
		err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM audit_log WHERE org_id = $1 AND user_id IS NOT DISTINCT FROM nullif($2::bigint, 0)
			   AND at >= date_trunc('day', now() AT TIME ZONE 'Europe/London') AT TIME ZONE 'Europe/London'
			   AND action = 'offers.open' AND subject = $3 AND detail->>'via' = $4)`,
			t.Partner.ID, scope.UserID, "tender "+t.Reference, via).Scan(&seen)
		if err != nil || seen {
			return err
		}
	}
	return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: t.Partner.ID, UserID: scope.UserID, Action: "offers.open",
		Subject: "tender " + t.Reference, Detail: map[string]any{"via": via, "offers": len(e.Offers)}})
}

func evaluation(ctx context.Context, tx pgx.Tx, tenderID int64) (tally.Evaluation, error) {
	t, err := tender(ctx, tx, tenderID)
	if err != nil {
		return tally.Evaluation{}, err
	}
	if t.Status != tally.TenderClosed && t.Status != tally.TenderAwarded {
		return tally.Evaluation{}, tally.ErrNotFound
	}
	e := tally.Evaluation{Tender: t}
	measures := map[int64]tally.TenderMeasure{}
	for _, m := range t.Measures {
		measures[m.ID] = m
	}
	rows, err := tx.Query(ctx, `
		SELECT s.offer_id, o.id, o.slug, o.name, s.reference, s.submitted_at, s.content,
		       e.mark, e.price_points, e.quality_points
		FROM (SELECT DISTINCT ON (offer_id) * FROM offer_submissions
		      WHERE partner_id = $1 AND tender_id = $2 ORDER BY offer_id, revision DESC) s
		JOIN organisations o ON o.id = s.supplier_id
		LEFT JOIN offer_evaluations e ON e.partner_id = s.partner_id AND e.offer_id = s.offer_id
		WHERE s.kind = 'submit'
		ORDER BY o.name`, t.Partner.ID, t.ID)
	if err != nil {
		return e, err
	}
	for rows.Next() {
		var o tally.EvalOffer
		var content []byte
		var mark *int
		var price, quality *int64
		if err := rows.Scan(&o.OfferID, &o.Supplier.ID, &o.Supplier.Slug, &o.Supplier.Name, &o.Reference, &o.SubmittedAt, &content,
			&mark, &price, &quality); err != nil {
			return e, err
		}
		if mark != nil {
			o.Mark, o.Marked = *mark, true
		}
		if price != nil {
			o.PricePoints, o.PriceRecorded = tally.Points(*price), true
		}
		if quality != nil {
			o.QualityPoints, o.QualityRecorded = tally.Points(*quality), true
		}
		var sub tally.ReceiptContent
		if err := json.Unmarshal(content, &sub); err != nil {
			return e, fmt.Errorf("submission %s: %w", o.Reference, err)
		}
		o.BidPrice = tally.Pence(sub.BidPrice)
		for _, l := range sub.Lines {
			q, err := tally.ParseQuantity(l.Quantity)
			if err != nil {
				return e, fmt.Errorf("submission %s: %w", o.Reference, err)
			}
			o.Lines = append(o.Lines, tally.EvalLine{Measure: measures[l.TenderMeasureID], Statement: l.Statement, Submitted: q, Accepted: q})
		}
		e.Offers = append(e.Offers, o)
	}
	if err := rows.Err(); err != nil {
		return e, err
	}
	mods, err := tx.Query(ctx, `
		SELECT offer_id, tender_measure_id, accepted, reason FROM line_moderations WHERE partner_id = $1 AND tender_id = $2`,
		t.Partner.ID, t.ID)
	if err != nil {
		return e, err
	}
	for mods.Next() {
		var offerID, tmID int64
		var accepted tally.Quantity
		var reason string
		if err := mods.Scan(&offerID, &tmID, &accepted, &reason); err != nil {
			return e, err
		}
		for i := range e.Offers {
			for j := range e.Offers[i].Lines {
				l := &e.Offers[i].Lines[j]
				if e.Offers[i].OfferID == offerID && l.Measure.ID == tmID {
					l.Accepted, l.Moderated, l.Reason = accepted, true, reason
				}
			}
		}
	}
	if err := mods.Err(); err != nil {
		return e, err
	}
	err = tx.QueryRow(ctx, `SELECT coalesce(offer_id, 0), award_reason FROM contracts WHERE partner_id = $1 AND tender_id = $2`,
		t.Partner.ID, t.ID).Scan(&e.AwardedOfferID, &e.AwardReason)
	if err != nil && err != pgx.ErrNoRows {
		return e, err
	}
	return e, tally.Evaluate(&e)
}

// openForEvaluation locks a tender that is closed and not yet awarded. A
// supplier's scope, or one without the tender's partner, never reaches it
// (tally.ErrNotFound), whatever row-level security would let it read.
func openForEvaluation(ctx context.Context, tx pgx.Tx, scope tally.Scope, tenderID int64) (tally.Tender, error) {
	t, _, err := lockTender(ctx, tx, tenderID)
	if err != nil {
		return t, err
	}
	if scope.SupplierID != 0 || !scope.HasPartner(t.Partner.ID) {
		return t, tally.ErrNotFound
	}
	switch t.Status {
	case tally.TenderClosed:
		return t, nil
	case tally.TenderAwarded:
		return t, tally.FormErrors{"award": "This tender has been awarded: its evaluation can no longer change"}
	}
	return t, tally.ErrNotFound
}

// Moderate sets the accepted quantity of one line of an offer, with a
// reason (not blank). It may only reduce the submitted quantity; accepting
// the submitted quantity again removes the moderation.
func (s *Store) Moderate(ctx context.Context, scope tally.Scope, tenderID, offerID, tenderMeasureID int64, accepted tally.Quantity, reason string) (err error) {
	defer derrors.Wrap(&err, "Store.Moderate(%d, %d, %d)", tenderID, offerID, tenderMeasureID)
	if err := scope.Require(tally.Evaluators...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		t, err := openForEvaluation(ctx, tx, scope, tenderID)
		if err != nil {
			return err
		}
		e, err := evaluation(ctx, tx, tenderID)
		if err != nil {
			return err
		}
		line, ok := findLine(e, offerID, tenderMeasureID)
		if !ok {
			return tally.ErrNotFound
		}
		field := fmt.Sprintf("accepted-%d-%d", offerID, tenderMeasureID)
		switch {
		case accepted > line.Submitted:
			return tally.FormErrors{field: fmt.Sprintf("Moderation can only reduce a quantity: enter %s or less", line.Submitted)}
		case accepted == line.Submitted:
			_, err = tx.Exec(ctx, `DELETE FROM line_moderations WHERE partner_id = $1 AND offer_id = $2 AND tender_measure_id = $3`,
				t.Partner.ID, offerID, tenderMeasureID)
		case strings.TrimSpace(reason) == "":
			return tally.FormErrors{"reason-" + field[len("accepted-"):]: "Give a reason for reducing the quantity"}
		default:
			_, err = tx.Exec(ctx, `
				INSERT INTO line_moderations (partner_id, offer_id, tender_id, tender_measure_id, accepted, reason, moderated_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (partner_id, offer_id, tender_measure_id) DO UPDATE
				SET accepted = excluded.accepted, reason = excluded.reason, moderated_by = excluded.moderated_by, moderated_at = now()`,
				t.Partner.ID, offerID, tenderID, tenderMeasureID, int64(accepted), reason, nullID(scope.UserID))
		}
		if err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: t.Partner.ID, UserID: scope.UserID, Action: "evaluation.moderate",
			Subject: "tender " + t.Reference, Detail: map[string]any{"offer": offerID, "measure": line.Measure.Code,
				"submitted": line.Submitted.String(), "accepted": accepted.String(), "reason": reason}})
	})
	return translate(err)
}

func findLine(e tally.Evaluation, offerID, tenderMeasureID int64) (tally.EvalLine, bool) {
	for _, o := range e.Offers {
		if o.OfferID != offerID {
			continue
		}
		for _, l := range o.Lines {
			if l.Measure.ID == tenderMeasureID {
				return l, true
			}
		}
	}
	return tally.EvalLine{}, false
}

// Marks is the evaluators' and buyer's input on one offer.
type Marks struct {
	OfferID       int64
	Mark          int
	Marked        bool
	PricePoints   tally.Points
	QualityPoints tally.Points
	// NoPricePoints and NoQualityPoints leave the points not recorded
	// (a blank box), rather than 0.
	NoPricePoints   bool
	NoQualityPoints bool
}

// SaveMarks records qualitative marks and the wider evaluation's points.
func (s *Store) SaveMarks(ctx context.Context, scope tally.Scope, tenderID int64, marks []Marks) (err error) {
	defer derrors.Wrap(&err, "Store.SaveMarks(%d)", tenderID)
	if err := scope.Require(tally.Evaluators...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		t, err := openForEvaluation(ctx, tx, scope, tenderID)
		if err != nil {
			return err
		}
		e, err := evaluation(ctx, tx, tenderID)
		if err != nil {
			return err
		}
		standing := map[int64]bool{}
		for _, o := range e.Offers {
			standing[o.OfferID] = true
		}
		for _, m := range marks {
			if !standing[m.OfferID] {
				return tally.ErrNotFound
			}
			var mark, price, quality any = nil, int64(m.PricePoints), int64(m.QualityPoints)
			if m.Marked {
				mark = m.Mark
			}
			if m.NoPricePoints {
				price = nil
			}
			if m.NoQualityPoints {
				quality = nil
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO offer_evaluations (partner_id, offer_id, tender_id, mark, price_points, quality_points, updated_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (partner_id, offer_id) DO UPDATE SET mark = excluded.mark, price_points = excluded.price_points,
				       quality_points = excluded.quality_points, updated_by = excluded.updated_by, updated_at = now()`,
				t.Partner.ID, m.OfferID, tenderID, mark, price, quality, nullID(scope.UserID)); err != nil {
				return err
			}
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: t.Partner.ID, UserID: scope.UserID, Action: "evaluation.score",
			Subject: "tender " + t.Reference, Detail: map[string]any{"offers": len(marks)}})
	})
	return translate(err)
}

// Award awards a closed tender to one standing offer, in one transaction:
// the contract (value = bid price), one KPI per committed line at its
// accepted quantity and frozen proxy, phased quarterly, and the tender's
// status. It refuses (tally.FormErrors) what tally.Evaluation.AwardChecks
// refuses: an offer not standing on this tender, unmarked offers, another
// than the top total without a reason, an award date in the future or after
// the contract start. The contract is awarded on awardedOn's Europe/London
// date. It returns the contract id
// and the evaluation it was made from.
func (s *Store) Award(ctx context.Context, scope tally.Scope, tenderID, offerID int64, reason string, awardedOn time.Time) (_ int64, _ tally.Evaluation, err error) {
	defer derrors.Wrap(&err, "Store.Award(%d, %d)", tenderID, offerID)
	if err := scope.Require(tally.Buyers...); err != nil {
		return 0, tally.Evaluation{}, err
	}
	var contractID int64
	var e tally.Evaluation
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		t, err := openForEvaluation(ctx, tx, scope, tenderID)
		if err != nil {
			return err
		}
		if e, err = evaluation(ctx, tx, tenderID); err != nil {
			return err
		}
		if errs := e.AwardChecks(offerID, reason, awardedOn, time.Now()); errs != nil {
			return errs
		}
		winner, _ := e.Offer(offerID)
		ref, err := contractReference(ctx, tx, t.Partner.ID, t.Reference)
		if err != nil {
			return err
		}
		c := NewContract{PartnerID: t.Partner.ID, SupplierID: winner.Supplier.ID, TenderID: t.ID, OfferID: offerID,
			Reference: ref, Title: t.Title, Value: winner.BidPrice, Start: t.ContractStart, End: t.ContractEnd,
			AwardedOn: awardedOn.In(tally.London()), AwardReason: reason}
		for _, l := range winner.Lines {
			if l.Accepted > 0 {
				c.KPIs = append(c.KPIs, NewKPI{Measure: l.Measure, Quantity: l.Accepted})
			}
		}
		if contractID, err = insertContract(ctx, tx, scope, c); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tenders SET status = 'awarded', updated_at = now() WHERE partner_id = $1 AND id = $2`,
			t.Partner.ID, t.ID); err != nil {
			return err
		}
		e.AwardedOfferID, e.AwardReason = offerID, reason
		if err := s.tell(ctx, tx, notify.Outcomes(e)...); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: t.Partner.ID, UserID: scope.UserID, Action: "tender.award",
			Subject: "tender " + t.Reference, Detail: map[string]any{"offer": offerID, "supplier": winner.Supplier.Name,
				"contract": contractID, "value": winner.BidPrice.Pounds(), "reason": reason, "kpis": len(c.KPIs)}})
	})
	return contractID, e, translate(err)
}

// contractReference is the reference for a tender's contract: the tender's
// own, or REF-2, REF-3… when another of the partner's contracts (a direct
// one registered under the same reference) already has it, so that the
// tender can still be awarded.
func contractReference(ctx context.Context, tx pgx.Tx, partnerID int64, ref string) (string, error) {
	for i := 1; ; i++ {
		candidate := ref
		if i > 1 {
			suffix := fmt.Sprintf("-%d", i)
			r := []rune(ref)
			candidate = string(r[:min(len(r), 50-len(suffix))]) + suffix
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contracts WHERE partner_id = $1 AND lower(reference) = lower($2))`,
			partnerID, candidate).Scan(&taken); err != nil {
			return "", err
		}
		if !taken {
			return candidate, nil
		}
	}
}
