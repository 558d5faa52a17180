package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// UndeliveredEmail is an email the worker gave up on: after its last try,
// or at once when the mail server refused it for good.
type UndeliveredEmail struct {
	ID       int64
	About    string // the organisation whose work it was about
	To       string // "" when the address is not one of the administrator's organisations' people
	ToOrg    string // the organisation the recipient was emailed as one of, when To is ""
	Subject  string
	Queued   time.Time
	GaveUp   time.Time
	Attempts int
	Error    string // the last try's error
}

// River keeps jobs in river_job, which has no row-level security: these
// methods read only email jobs whose args name an organisation in scope,
// and only for administrators.
const undeliveredWhere = `
	j.kind IN ('email', 'invitation') AND j.state IN ('discarded', 'cancelled')
	AND (j.args->>'org')::bigint = ANY ($1)`

// UndeliveredEmails lists the emails about the organisations in scope that
// could not be delivered, newest first, a page at a time, with how many
// there are.
func (s *Store) UndeliveredEmails(ctx context.Context, scope tally.Scope, limit, offset int) (_ []UndeliveredEmail, total int, err error) {
	defer derrors.Wrap(&err, "Store.UndeliveredEmails()")
	if err := scope.Require(tally.Admins...); err != nil {
		return nil, 0, err
	}
	var list []UndeliveredEmail
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM river_job j WHERE`+undeliveredWhere, scope.OrgIDs).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT j.id, coalesce(o.name, ''),
			       CASE WHEN (j.args->>'to_org')::bigint = ANY ($1) THEN j.args->>'to' ELSE '' END, coalesce(r.name, ''),
			       j.args->>'subject', j.created_at, coalesce(j.finalized_at, j.attempted_at, j.created_at),
			       j.attempt, coalesce(j.errors[array_upper(j.errors, 1)]->>'error', '')
			FROM river_job j LEFT JOIN organisations o ON o.id = (j.args->>'org')::bigint
			LEFT JOIN organisations r ON r.id = (j.args->>'to_org')::bigint
			WHERE`+undeliveredWhere+`
			ORDER BY j.finalized_at DESC NULLS LAST, j.id DESC LIMIT $2 OFFSET $3`, scope.OrgIDs, limit, offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[UndeliveredEmail])
		return err
	})
	return list, total, translate(err)
}

// RetryEmail sends an undelivered email about an organisation in scope
// again: it is queued to be tried once more, now. It returns
// tally.ErrNotFound for any other job.
func (s *Store) RetryEmail(ctx context.Context, scope tally.Scope, id int64) (err error) {
	defer derrors.Wrap(&err, "Store.RetryEmail(%d)", id)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		// The audit names the email by its subject: the address may be
		// another organisation's person.
		var subject string
		var org int64
		if err := tx.QueryRow(ctx, `SELECT j.args->>'subject', (j.args->>'org')::bigint FROM river_job j WHERE`+undeliveredWhere+` AND j.id = $2 FOR UPDATE`,
			scope.OrgIDs, id).Scan(&subject, &org); err != nil {
			return err
		}
		if _, err := s.jobs.JobRetryTx(ctx, tx, id); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: org, UserID: scope.UserID, Action: "email.retry",
			Subject: subject, Detail: map[string]any{"job": id}})
	})
	return translate(err)
}
