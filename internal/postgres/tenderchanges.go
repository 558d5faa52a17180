package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// Changes to a published tender that its bidders are told of: an extended
// deadline and a cancellation.

// ExtendDeadline moves an open tender's deadline later, before it passes,
// and reseals its submitted offers to the new deadline, in one transaction.
// It returns the suppliers with an offer on the tender, to be told (the
// caller sees who they are, never what they offered).
func (s *Store) ExtendDeadline(ctx context.Context, scope tally.Scope, id int64, deadline time.Time, reason string) (_ tally.Tender, _ []int64, err error) {
	defer derrors.Wrap(&err, "Store.ExtendDeadline(%d)", id)
	if err := scope.Require(tally.Buyers...); err != nil {
		return tally.Tender{}, nil, err
	}
	var t tally.Tender
	var suppliers []int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var now time.Time
		var err error
		t, now, err = lockTender(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case t.Status != tally.TenderPublished:
			return tally.FormErrors{"deadline": "Only an open tender's deadline can be extended: this one has " + strings.ToLower(t.Status.Label()) + " already"}
		case !deadline.After(t.Deadline):
			return tally.FormErrors{"deadline": "The new deadline must be later than the current one"}
		case !deadline.After(now):
			return tally.FormErrors{"deadline": "The new deadline must be in the future"}
		}
		old := t.Deadline
		if _, err := tx.Exec(ctx, `UPDATE tenders SET deadline = $3, updated_at = now() WHERE partner_id = $1 AND id = $2`,
			t.Partner.ID, id, deadline); err != nil {
			return err
		}
		// Reseal: this transaction may move sealed_until on this tender's
		// offers, and nothing else (a trigger checks).
		if _, err := tx.Exec(ctx, `SELECT set_config('app.reseal_tender', $1, true)`, fmt.Sprint(id)); err != nil {
			return err
		}
		for _, table := range []string{"offers", "offer_lines", "offer_submissions"} {
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET sealed_until = $3
				WHERE partner_id = $1 AND tender_id = $2 AND sealed_until <> 'infinity'`, t.Partner.ID, id, deadline); err != nil {
				return fmt.Errorf("reseal %s: %w", table, err)
			}
		}
		bidders, err := tenderBidders(ctx, tx, t.Partner.ID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.reseal_tender', '', true)`); err != nil {
			return err
		}
		t.Deadline = deadline
		if err := s.tell(ctx, tx, notify.Bidders(t, bidders, notify.DeadlineExtended(t, deadline, reason))...); err != nil {
			return err
		}
		suppliers = orgIDs(bidders)
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: t.Partner.ID, UserID: scope.UserID, Action: "tender.extend",
			Subject: "tender " + t.Reference, Detail: map[string]any{"id": id, "from": old, "to": deadline, "reason": reason}})
	})
	return t, suppliers, translate(err)
}

// CancelTender cancels a tender that has not been awarded.
func (s *Store) CancelTender(ctx context.Context, scope tally.Scope, id int64, reason string) (err error) {
	defer derrors.Wrap(&err, "Store.CancelTender(%d)", id)
	if err := scope.Require(tally.Buyers...); err != nil {
		return err
	}
	_, err = s.cancelTenderBidders(ctx, scope, id, reason)
	return err
}

// CancelTenderBidders cancels a tender that has not been awarded
// (tally.ErrConflict otherwise) and returns the suppliers with an offer on
// it, draft or submitted, to be told (the caller learns who they are,
// never what they offered).
func (s *Store) CancelTenderBidders(ctx context.Context, scope tally.Scope, id int64, reason string) (_ []int64, err error) {
	defer derrors.Wrap(&err, "Store.CancelTenderBidders(%d)", id)
	if err := scope.Require(tally.Buyers...); err != nil {
		return nil, err
	}
	return s.cancelTenderBidders(ctx, scope, id, reason)
}

// cancelTenderBidders is CancelTenderBidders without the wrap, for callers inside the store.
func (s *Store) cancelTenderBidders(ctx context.Context, scope tally.Scope, id int64, reason string) (_ []int64, err error) {
	var suppliers []int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		t, _, err := lockTender(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Status == tally.TenderCancelled || t.Status == tally.TenderAwarded {
			return fmt.Errorf("%w: tender %d is %s", tally.ErrConflict, id, t.Status)
		}
		if _, err := tx.Exec(ctx, `
			UPDATE tenders SET status = 'cancelled', cancelled_at = now(), cancel_reason = $3, updated_at = now()
			WHERE partner_id = $1 AND id = $2`, t.Partner.ID, id, reason); err != nil {
			return err
		}
		// Offers stay sealed from buyers; app.reseal_tender lets this
		// transaction read who made them (migration 000004), as
		// ExtendDeadline does, and nothing of their content is read.
		if _, err := tx.Exec(ctx, `SELECT set_config('app.reseal_tender', $1, true)`, fmt.Sprint(id)); err != nil {
			return err
		}
		bidders, err := tenderBidders(ctx, tx, t.Partner.ID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.reseal_tender', '', true)`); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, notify.Bidders(t, bidders, notify.TenderCancelled(t, reason))...); err != nil {
			return err
		}
		suppliers = orgIDs(bidders)
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: t.Partner.ID, UserID: scope.UserID, Action: "tender.cancel",
			Subject: "tender " + t.Reference, Detail: map[string]any{"id": id, "reason": reason, "bidders_told": len(suppliers)}})
	})
	return suppliers, translate(err)
}

// tenderBidders is the suppliers with an offer on a tender, draft or
// submitted, by id. Offers are sealed from buyers: the caller has set
// app.reseal_tender, and only who made them is read.
func tenderBidders(ctx context.Context, tx pgx.Tx, partnerID, tenderID int64) ([]tally.Org, error) {
	rows, err := tx.Query(ctx, `
		SELECT o.id, o.slug, o.name FROM organisations o
		WHERE o.id IN (SELECT supplier_id FROM offers WHERE partner_id = $1 AND tender_id = $2) ORDER BY o.id`, partnerID, tenderID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Org, error) {
		var o tally.Org
		err := r.Scan(&o.ID, &o.Slug, &o.Name)
		return o, err
	})
}

func orgIDs(orgs []tally.Org) []int64 {
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	return ids
}
