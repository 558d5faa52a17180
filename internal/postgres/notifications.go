package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// Message is an in-app notification as one person sees it: for which
// organisation (a shared service's staff see their partners'), and whether
// that person has read it.
type Message struct {
	OrgID   int64
	ID      int64
	Org     string
	At      time.Time
	Subject string
	Body    string
	Link    string
	Read    bool
}

// Messages lists the newest messages to the organisations in scope (a
// shared service and its partners, a partner, or a supplier) for the
// scope's user, a page at a time, with how many there are and how many of
// them the user has not read.
func (s *Store) Messages(ctx context.Context, scope tally.Scope, limit, offset int) (list []Message, total, unread int, err error) {
	defer derrors.Wrap(&err, "Store.Messages()")
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			SELECT count(*), count(*) FILTER (WHERE r.user_id IS NULL)
			FROM notifications n
			LEFT JOIN notification_reads r ON r.org_id = n.org_id AND r.notification_id = n.id AND r.user_id = $2
			WHERE n.org_id = ANY ($1)`, scope.OrgIDs, scope.UserID).Scan(&total, &unread); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT n.org_id, n.id, o.name, n.at, n.subject, n.body, n.link, r.user_id IS NOT NULL
			FROM notifications n JOIN organisations o ON o.id = n.org_id
			LEFT JOIN notification_reads r ON r.org_id = n.org_id AND r.notification_id = n.id AND r.user_id = $2
			WHERE n.org_id = ANY ($1)
			ORDER BY n.at DESC, n.id DESC LIMIT $3 OFFSET $4`, scope.OrgIDs, scope.UserID, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Message])
		return err
	})
	return list, total, unread, translate(err)
}

// UnreadMessages counts the messages to the organisations in scope that
// the scope's user has not read.
func (s *Store) UnreadMessages(ctx context.Context, scope tally.Scope) (_ int, err error) {
	defer derrors.Wrap(&err, "Store.UnreadMessages()")
	var n int
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT count(*) FROM notifications n
			WHERE n.org_id = ANY ($1) AND NOT EXISTS (
				SELECT 1 FROM notification_reads r
				WHERE r.org_id = n.org_id AND r.notification_id = n.id AND r.user_id = $2)`, scope.OrgIDs, scope.UserID).Scan(&n)
	})
	return n, translate(err)
}

// MarkRead records that the scope's user has read the messages given (as
// shown to them: ids of organisations out of scope are refused by
// row-level security and ignored here).
func (s *Store) MarkRead(ctx context.Context, scope tally.Scope, msgs []Message) (err error) {
	defer derrors.Wrap(&err, "Store.MarkRead()")
	if len(msgs) == 0 {
		return nil
	}
	orgs := make([]int64, 0, len(msgs))
	ids := make([]int64, 0, len(msgs))
	for _, m := range msgs {
		if !m.Read {
			orgs, ids = append(orgs, m.OrgID), append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO notification_reads (org_id, notification_id, user_id)
			SELECT n.org_id, n.id, $3 FROM unnest($1::bigint[], $2::bigint[]) AS m (org_id, id)
			JOIN notifications n ON n.org_id = m.org_id AND n.id = m.id
			WHERE n.org_id = ANY ($4)
			ON CONFLICT DO NOTHING`, orgs, ids, scope.UserID, scope.OrgIDs)
		return err
	})
	return translate(err)
}
