package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// AppendAudit adds an entry to its organisation's log inside the caller's
// transaction, so the entry exists exactly when the change does. The
// database assigns the sequence number, time and hash.
func AppendAudit(ctx context.Context, tx pgx.Tx, e tally.AuditEntry) error {
	detail := e.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit detail: %w", err)
	}
	var user *int64
	if e.UserID != 0 {
		user = &e.UserID
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_log (org_id, user_id, action, subject, detail)
		VALUES ($1, $2, $3, $4, $5)`, e.OrgID, user, e.Action, e.Subject, b)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditLog lists an organisation's entries, newest first, a page at a time.
func (s *Store) AuditLog(ctx context.Context, scope tally.Scope, orgID int64, limit, offset int) ([]tally.AuditEvent, error) {
	var events []tally.AuditEvent
	err := s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT a.seq, a.at, coalesce(u.email, 'system'), a.action, a.subject, a.detail::text, a.hash
			FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
			WHERE a.org_id = $1 AND a.org_id = ANY (tally_org_ids())
			ORDER BY a.seq DESC LIMIT $2 OFFSET $3`, orgID, limit, offset)
		if err != nil {
			return err
		}
		events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.AuditEvent, error) {
			var e tally.AuditEvent
			err := r.Scan(&e.Seq, &e.At, &e.UserEmail, &e.Action, &e.Subject, &e.Detail, &e.Hash)
			return e, err
		})
		return err
	})
	return events, translate(err)
}

// VerifyAuditChain recomputes every hash of an organisation's log. It
// returns the first sequence number whose hash or link does not match, or
// 0 when the chain is intact.
func (s *Store) VerifyAuditChain(ctx context.Context, scope tally.Scope, orgID int64) (int64, error) {
	var broken int64
	err := s.InTx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT coalesce(min(seq), 0) FROM (
				SELECT seq, hash, prev_hash,
				       lag(hash) OVER (ORDER BY seq) AS before,
				       audit_hash(prev_hash, org_id, seq, at, user_id, action, subject, detail) AS want
				FROM audit_log WHERE org_id = $1 AND org_id = ANY (tally_org_ids())
			) c
			WHERE hash <> want OR prev_hash <> coalesce(before, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)`,
			orgID).Scan(&broken)
		return err
	})
	return broken, translate(err)
}
