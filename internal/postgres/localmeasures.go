package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// LocalMeasures lists the local measures in reach of scope (an
// organisation's own and its shared service's), retired ones last.
func (s *Store) LocalMeasures(ctx context.Context, scope tally.Scope) (_ []LocalMeasure, err error) {
	defer derrors.Wrap(&err, "Store.LocalMeasures()")
	var ms []LocalMeasure
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT l.org_id, o.name, l.id, l.theme, l.outcome, l.code, l.title, l.unit, coalesce(l.proxy, 0), l.proxy IS NOT NULL,
			       l.local, coalesce(l.max_per_million, 0), l.max_per_million IS NOT NULL, l.description, l.retired_at IS NOT NULL, l.version
			FROM local_measures l JOIN organisations o ON o.id = l.org_id
			WHERE l.org_id = ANY (tally_measure_org_ids())
			ORDER BY l.retired_at IS NOT NULL, o.name, l.code`)
		if err != nil {
			return err
		}
		ms, err = pgx.CollectRows(rows, scanLocalMeasure)
		return err
	})
	return ms, translate(err)
}

// LocalMeasure is a local measure with its owner.
type LocalMeasure struct {
	OrgID   int64
	OrgName string
	tally.Measure
	Version int // moves on with every change; an edit names the one its form was drawn from
}

func scanLocalMeasure(r pgx.CollectableRow) (LocalMeasure, error) {
	var m LocalMeasure
	err := r.Scan(&m.OrgID, &m.OrgName, &m.ID, &m.Theme, &m.Outcome, &m.Code, &m.Title, &m.Unit, &m.Proxy, &m.HasProxy,
		&m.Local, &m.MaxPerMillion, &m.HasMax, &m.Description, &m.Retired, &m.Version)
	return m, err
}

// LocalMeasureByID returns a local measure in reach, or tally.ErrNotFound.
func (s *Store) LocalMeasureByID(ctx context.Context, scope tally.Scope, id int64) (_ LocalMeasure, err error) {
	defer derrors.Wrap(&err, "Store.LocalMeasureByID(%d)", id)
	var m LocalMeasure
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT l.org_id, o.name, l.id, l.theme, l.outcome, l.code, l.title, l.unit, coalesce(l.proxy, 0), l.proxy IS NOT NULL,
			       l.local, coalesce(l.max_per_million, 0), l.max_per_million IS NOT NULL, l.description, l.retired_at IS NOT NULL, l.version
			FROM local_measures l JOIN organisations o ON o.id = l.org_id
			WHERE l.id = $1 AND l.org_id = ANY (tally_measure_org_ids())`, id)
		if err != nil {
			return err
		}
		m, err = pgx.CollectExactlyOneRow(rows, scanLocalMeasure)
		return err
	})
	return m, translate(err)
}

// SaveLocalMeasure creates (m.ID == 0) or updates one of orgID's local
// measures and audits it. An update names the version its form was drawn
// from: when the measure has moved on since, it is tally.ErrConflict and
// nothing is written. A code the organisation already uses is a
// FormErrors on "code".
func (s *Store) SaveLocalMeasure(ctx context.Context, scope tally.Scope, orgID int64, m tally.Measure, version int) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.SaveLocalMeasure(%d, %d, %d)", orgID, m.ID, version)
	if err := scope.Require(tally.Admins...); err != nil {
		return 0, err
	}
	id := m.ID
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		if id == 0 {
			err = tx.QueryRow(ctx, `
				INSERT INTO local_measures (org_id, theme, outcome, code, title, unit, proxy, local, max_per_million, description)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
				orgID, m.Theme, m.Outcome, m.Code, m.Title, m.Unit, proxyOrNil(m), m.Local, maxOrNil(m), m.Description).Scan(&id)
		} else {
			var tag pgconn.CommandTag
			var current int
			if err := tx.QueryRow(ctx, `SELECT version FROM local_measures WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, id).Scan(&current); err != nil {
				return err
			}
			if current != version {
				return fmt.Errorf("%w: local measure %d is at version %d, the form was for %d", tally.ErrConflict, id, current, version)
			}
			tag, err = tx.Exec(ctx, `
				UPDATE local_measures SET theme = $3, outcome = $4, code = $5, title = $6, unit = $7, proxy = $8, local = $9,
				       max_per_million = $10, description = $11, version = version + 1
				WHERE org_id = $1 AND id = $2 AND version = $12`,
				orgID, id, m.Theme, m.Outcome, m.Code, m.Title, m.Unit, proxyOrNil(m), m.Local, maxOrNil(m), m.Description, version)
			if err == nil && tag.RowsAffected() == 0 {
				return fmt.Errorf("%w: local measure %d changed", tally.ErrConflict, id)
			}
		}
		if conflictOn(err, "local_measures_code_idx") {
			return tally.FormErrors{"code": "Your organisation already has a local measure with this code: choose another"}
		}
		if err != nil {
			return err
		}
		// The dashboard's commitments by theme read the measure's theme:
		// recompute the months of the contracts that committed to it.
		if _, err := tx.Exec(ctx, `
			SELECT tally_refresh_commitments(array_agg(partner_id), array_agg(contract_id))
			FROM (SELECT DISTINCT k.partner_id, k.contract_id FROM kpis k
			      JOIN tender_measures tm ON tm.partner_id = k.partner_id AND tm.id = k.tender_measure_id
			      WHERE tm.local_measure_id = $1) k`, id); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "measures.local.save",
			Subject: m.Code, Detail: map[string]any{"id": id, "title": m.Title, "proxy": proxyText(m)}})
	})
	return id, translate(err)
}

func proxyText(m tally.Measure) string {
	if !m.HasProxy {
		return "record only"
	}
	return m.Proxy.String()
}

// RetireLocalMeasure stops a local measure being offered for new tenders.
// Tenders that use it keep their frozen copy.
func (s *Store) RetireLocalMeasure(ctx context.Context, scope tally.Scope, orgID, id int64) (err error) {
	defer derrors.Wrap(&err, "Store.RetireLocalMeasure(%d, %d)", orgID, id)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var code string
		err := tx.QueryRow(ctx, `
			UPDATE local_measures SET retired_at = coalesce(retired_at, now())
			WHERE org_id = $1 AND id = $2 RETURNING code`, orgID, id).Scan(&code)
		if err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "measures.local.retire",
			Subject: code, Detail: map[string]any{"id": id}})
	})
	if err != nil {
		return translate(err)
	}
	return nil
}
