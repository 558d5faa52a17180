package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// TenderToDo is a buyer's to-do list: some of the tenders in each group,
// soonest first, with the true number in the group.
type TenderToDo struct {
	Drafts        []tally.Tender
	DraftCount    int
	ClosingSoon   []tally.Tender // published, deadline within the week ahead
	ClosingCount  int
	AwaitingAward []tally.Tender // closed: deadline passed, neither awarded nor cancelled
	AwaitingCount int
}

// BuyerToDo is the to-do list of a buyer (or evaluator) across the
// partners in scope, as of now by the database clock: draft tenders,
// tenders whose deadline falls within week, and closed tenders waiting to
// be evaluated and awarded. Each group lists at most limit tenders.
func (s *Store) BuyerToDo(ctx context.Context, scope tally.Scope, week time.Duration, limit int) (_ TenderToDo, err error) {
	defer derrors.Wrap(&err, "Store.BuyerToDo()")
	var td TenderToDo
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		group := func(where string, order string, args []any, list *[]tally.Tender, n *int) error {
			args = append([]any{scope.PartnerIDs, limit}, args...)
			rows, err := tx.Query(ctx, `SELECT `+tenderColumns+`, count(*) OVER ()
				FROM tenders t JOIN organisations o ON o.id = t.partner_id
				WHERE t.partner_id = ANY ($1) AND `+where+` ORDER BY `+order+` LIMIT $2`, args...)
			if err != nil {
				return err
			}
			*list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Tender, error) {
				var t tally.Tender
				err := r.Scan(&t.ID, &t.Partner.ID, &t.Partner.Slug, &t.Partner.Name, &t.Reference, &t.Title, &t.Description, &t.Category,
					&t.EstimatedValue, &t.ContractStart, &t.ContractEnd, &t.Weighting, &t.WeightingReason, &t.QuantitativeShare, &t.Method,
					&t.Deadline, &t.Status, &t.PublishedAt, &t.CancelReason, &t.SubmittedOffers, n)
				t.Partner.Kind = tally.Partner
				return t, err
			})
			return err
		}
		if err := group(`t.status = 'draft'`, `t.updated_at DESC, t.id DESC`, nil, &td.Drafts, &td.DraftCount); err != nil {
			return fmt.Errorf("drafts: %w", err)
		}
		if err := group(`t.status = 'published' AND t.deadline > now() AND t.deadline <= now() + make_interval(secs => $3)`,
			`t.deadline, t.id`, []any{week.Seconds()}, &td.ClosingSoon, &td.ClosingCount); err != nil {
			return fmt.Errorf("closing soon: %w", err)
		}
		if err := group(`t.status = 'published' AND t.deadline <= now()`, `t.deadline, t.id`, nil, &td.AwaitingAward, &td.AwaitingCount); err != nil {
			return fmt.Errorf("awaiting award: %w", err)
		}
		return nil
	})
	return td, translate(err)
}
