package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// Backdate moves a published tender's dates, and its offers' sealing and
// submission times, to the past. It exists for the demo generator and
// tests, which build years of history through the product's own code and
// then set the calendar; the server never calls it, and it must run as the
// owner role (the app role may not rewrite a submission). Submissions move
// to the same distance before the new deadline, and their receipts' digests
// are recomputed over the stored content.
func (s *Store) Backdate(ctx context.Context, scope tally.Scope, tenderID int64, published, deadline time.Time) (err error) {
	defer derrors.Wrap(&err, "Store.Backdate(%d)", tenderID)
	if err := scope.Require(tally.Buyers...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var partnerID int64
		var oldDeadline time.Time
		if err := tx.QueryRow(ctx, `SELECT partner_id, deadline FROM tenders WHERE id = $1 FOR UPDATE`, tenderID).Scan(&partnerID, &oldDeadline); err != nil {
			return err
		}
		shift := deadline.Sub(oldDeadline)
		if _, err := tx.Exec(ctx, `
			UPDATE tenders SET published_at = $3::timestamptz, deadline = $4, created_at = $3::timestamptz - interval '7 days', updated_at = $3::timestamptz
			WHERE partner_id = $1 AND id = $2`, partnerID, tenderID, published, deadline); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.reseal_tender', $1, true)`, fmt.Sprint(tenderID)); err != nil {
			return err
		}
		for _, q := range []string{
			`UPDATE offers SET sealed_until = $3 WHERE partner_id = $1 AND tender_id = $2 AND sealed_until <> 'infinity'`,
			`UPDATE offer_lines SET sealed_until = $3 WHERE partner_id = $1 AND tender_id = $2 AND sealed_until <> 'infinity'`,
			`UPDATE offer_submissions SET sealed_until = $3 WHERE partner_id = $1 AND tender_id = $2 AND sealed_until <> 'infinity'`,
		} {
			if _, err := tx.Exec(ctx, q, partnerID, tenderID, deadline); err != nil {
				return fmt.Errorf("backdate: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.reseal_tender', '', true)`); err != nil {
			return err
		}
		// Submission times, as the supplier (the reseal guard allows only
		// sealed_until to change in the buyer's scope).
		rows, err := tx.Query(ctx, `SELECT DISTINCT supplier_id FROM offer_submissions WHERE partner_id = $1 AND tender_id = $2`, partnerID, tenderID)
		if err != nil {
			return err
		}
		suppliers, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, sup := range suppliers {
			if err := setScope(ctx, tx, tally.Scope{SupplierID: sup}); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `
				UPDATE offers SET submitted_at = submitted_at + make_interval(secs => $3), created_at = created_at + make_interval(secs => $3),
				       updated_at = updated_at + make_interval(secs => $3)
				WHERE partner_id = $1 AND tender_id = $2`, partnerID, tenderID, shift.Seconds()); err != nil {
				return err
			}
			// The receipt's content carries its time; its digest follows.
			if _, err := tx.Exec(ctx, `
				UPDATE offer_submissions SET submitted_at = submitted_at + make_interval(secs => $3),
				       content = jsonb_set(content, '{submitted_at}', to_jsonb(submitted_at + make_interval(secs => $3)))
				WHERE partner_id = $1 AND tender_id = $2 AND kind = 'submit'`, partnerID, tenderID, shift.Seconds()); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `
				UPDATE offer_submissions SET sha256 = encode(sha256(convert_to(content::text, 'UTF8')), 'hex')
				WHERE partner_id = $1 AND tender_id = $2 AND kind = 'submit'`, partnerID, tenderID); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err)
}
