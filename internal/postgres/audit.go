package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
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
func (s *Store) AuditLog(ctx context.Context, scope tally.Scope, orgID int64, limit, offset int) (_ []tally.AuditEvent, err error) {
	defer derrors.Wrap(&err, "Store.AuditLog(%d)", orgID)
	var events []tally.AuditEvent
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
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
func (s *Store) VerifyAuditChain(ctx context.Context, scope tally.Scope, orgID int64) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.VerifyAuditChain(%d)", orgID)
	return s.verifyAuditChain(ctx, scope, orgID)
}

// verifyAuditChain is VerifyAuditChain without the wrap, for callers inside the store.
func (s *Store) verifyAuditChain(ctx context.Context, scope tally.Scope, orgID int64) (_ int64, err error) {
	var broken int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
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

// AuditFilter narrows an audit trail. Zero values do not filter.
type AuditFilter struct {
	OrgIDs []int64   // the organisations whose logs to read (within the scope's)
	UserID int64     // who acted
	Action string    // an action ("tender.publish") or a family ("tender.")
	From   time.Time // entries at or after
	Before time.Time // entries before
	Limit  int
	Offset int
}

// AuditRow is an audit entry with the names a person reads: the
// organisation, who acted and their roles there, and the title of the
// tender or contract the entry is about when it names one.
type AuditRow struct {
	OrgID     int64
	Org       string
	Seq       int64
	At        time.Time
	UserID    int64
	UserName  string // "" for the system
	UserEmail string
	Roles     []string // the actor's roles in the organisation (or its shared service) now
	Action    string
	Subject   string
	Detail    string // JSON
	Title     string // of the tender or contract named in Subject, if found
	Member    string // the name of the person a "user N" subject names
}

// AuditTrail lists the audit entries of the organisations in f.OrgIDs
// (kept within the scope's), newest first, a page at a time, with the
// number of entries that match.
func (s *Store) AuditTrail(ctx context.Context, scope tally.Scope, f AuditFilter) (_ []AuditRow, _ int, err error) {
	defer derrors.Wrap(&err, "Store.AuditTrail()")
	var list []AuditRow
	var total int
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		where := `a.org_id = ANY ($1) AND a.org_id = ANY (tally_org_ids())`
		args := []any{f.OrgIDs}
		add := func(cond string, v any) {
			args = append(args, v)
			where += " AND " + strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)))
		}
		if f.UserID != 0 {
			add(`a.user_id = ?`, f.UserID)
		}
		switch {
		case strings.HasSuffix(f.Action, "."):
			add(`a.action LIKE ?`, f.Action+"%")
		case f.Action != "":
			add(`a.action = ?`, f.Action)
		}
		if !f.From.IsZero() {
			add(`a.at >= ?`, f.From)
		}
		if !f.Before.IsZero() {
			add(`a.at < ?`, f.Before)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log a WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		args = append(args, f.Limit, f.Offset)
		rows, err := tx.Query(ctx, `
			SELECT a.org_id, o.name, a.seq, a.at, coalesce(a.user_id, 0), coalesce(u.name, ''), coalesce(u.email, ''),
			       '{}'::text[], a.action, a.subject, a.detail::text,
			       coalesce(t.title, c.title, ''), coalesce(m.name, '')
			FROM (SELECT * FROM audit_log a WHERE `+where+`
			      ORDER BY a.at DESC, a.org_id, a.seq DESC LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args))+`) a
			JOIN organisations o ON o.id = a.org_id
			LEFT JOIN users u ON u.id = a.user_id
			LEFT JOIN LATERAL (
				SELECT tt.title FROM tenders tt
				WHERE a.subject LIKE 'tender %' AND tt.partner_id = a.org_id
				  AND lower(tt.reference) = lower(split_part(a.subject, ' ', 2))) t ON true
			LEFT JOIN LATERAL (
				SELECT cc.title FROM contracts cc
				WHERE a.subject LIKE 'contract %' AND (cc.partner_id = a.org_id OR cc.supplier_id = a.org_id)
				  AND lower(cc.reference) = lower(split_part(a.subject, ' ', 2)) LIMIT 1) c ON true
			LEFT JOIN LATERAL (
				SELECT mu.name FROM users mu
				WHERE mu.id = CASE WHEN a.subject ~ '^user [0-9]{1,18}$' THEN substr(a.subject, 6)::bigint END) m ON true
			ORDER BY a.at DESC, a.org_id, a.seq DESC`, args...)
		if err != nil {
			return err
		}
		if list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[AuditRow]); err != nil {
			return err
		}
		return actorRoles(ctx, tx, list)
	})
	return list, total, translate(err)
}

// actorRoles fills in each row's Roles: who acted, and their roles now in
// the row's organisation or its shared service. A shared service's people
// act in its partners, outside a partner's scope, so the memberships of
// the rows' organisations and their shared services are read for this
// alone.
func actorRoles(ctx context.Context, tx pgx.Tx, list []AuditRow) error {
	if len(list) == 0 {
		return nil
	}
	users, orgs := make([]int64, len(list)), make([]int64, len(list))
	for i, r := range list {
		users[i], orgs[i] = r.UserID, r.OrgID
	}
	return withMembersOf(ctx, tx, orgs, func() error {
		rows, err := tx.Query(ctx, `
			SELECT coalesce((
				SELECT array_agg(DISTINCT ms.role ORDER BY ms.role) FROM memberships ms JOIN organisations o ON o.id = k.org
				WHERE ms.user_id = k.usr AND (ms.org_id = o.id OR ms.org_id = o.shared_service_id)), '{}')
			FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS k (usr, org, i) ORDER BY k.i`, users, orgs)
		if err != nil {
			return err
		}
		roles, err := pgx.CollectRows(rows, pgx.RowTo[[]string])
		if err != nil {
			return err
		}
		for i := range list {
			list[i].Roles = roles[i]
		}
		return nil
	})
}

// AuditPerson is someone who can appear in an audit trail, for its filter.
type AuditPerson struct {
	ID    int64
	Name  string
	Email string
}

// AuditPeople lists the members of the organisations given that are in
// scope, and of their shared service, by name: the people whose actions an
// audit trail shows. An organisation outside the scope adds nobody.
func (s *Store) AuditPeople(ctx context.Context, scope tally.Scope, orgIDs []int64) (_ []AuditPerson, err error) {
	defer derrors.Wrap(&err, "Store.AuditPeople()")
	orgs := slices.DeleteFunc(slices.Clone(orgIDs), func(id int64) bool { return !slices.Contains(scope.OrgIDs, id) })
	var people []AuditPerson
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		return withMembersOf(ctx, tx, orgs, func() error {
			rows, err := tx.Query(ctx, `
				SELECT DISTINCT u.id, u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE m.org_id = ANY ($1) OR m.org_id IN (SELECT shared_service_id FROM organisations WHERE id = ANY ($1))
				ORDER BY u.name, u.email`, orgs)
			if err != nil {
				return err
			}
			people, err = pgx.CollectRows(rows, pgx.RowToStructByPos[AuditPerson])
			return err
		})
	})
	return people, translate(err)
}

// VerifyAuditChains checks the hash chain of each organisation given (see
// VerifyAuditChain) and returns, per organisation, the first broken
// sequence number; intact chains are left out.
func (s *Store) VerifyAuditChains(ctx context.Context, scope tally.Scope, orgIDs []int64) (_ map[int64]int64, err error) {
	defer derrors.Wrap(&err, "Store.VerifyAuditChains()")
	broken := map[int64]int64{}
	for _, id := range orgIDs {
		seq, err := s.verifyAuditChain(ctx, scope, id)
		if err != nil {
			return nil, err
		}
		if seq != 0 {
			broken[id] = seq
		}
	}
	return broken, nil
}
