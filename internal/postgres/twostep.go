package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// 2-step verification (issue 18). A person's authenticator key is stored
// sealed by the caller (the store never sees it in the clear); recovery
// codes as digests. Both tables are the person's, not an organisation's;
// each organisation's rule on who must use it is a tenant row.

// TwoStep is a person's 2-step verification as stored.
type TwoStep struct {
	Secret   []byte // sealed key
	LastStep int64  // the last time step whose code was used
	Recovery int    // recovery codes not yet used
}

// TwoStep returns userID's key and recovery codes left, or
// tally.ErrNotFound when 2-step verification is off.
func (s *Store) TwoStep(ctx context.Context, userID int64) (_ TwoStep, err error) {
	defer derrors.Wrap(&err, "Store.TwoStep(%d)", userID)
	var t TwoStep
	err = s.pool.QueryRow(ctx, `
		SELECT secret, last_step,
		       (SELECT count(*) FROM recovery_codes c WHERE c.user_id = t.user_id AND c.used_at IS NULL)::int
		FROM user_totp t WHERE user_id = $1`, userID).Scan(&t.Secret, &t.LastStep, &t.Recovery)
	return t, translate(err)
}

// TwoStepRequired reports whether a rule of a council or shared service
// where userID holds a role directly asks 2-step verification of them
// (supplier organisations have no staff, so no rule). An organisation
// without a rule asks it of administrators. It reads in a scope of that
// user and their own organisations.
func (s *Store) TwoStepRequired(ctx context.Context, userID int64) (_ bool, err error) {
	defer derrors.Wrap(&err, "Store.TwoStepRequired(%d)", userID)
	var required bool
	err = s.InTx(ctx, tally.Scope{UserID: userID}, func(tx pgx.Tx) error {
		// The person's own organisations (their memberships are in reach
		// by user id) come into scope for their rules.
		if _, err := tx.Exec(ctx, `
			SELECT set_config('app.org_ids', coalesce((SELECT array_agg(DISTINCT org_id) FROM memberships WHERE user_id = $1), '{}')::text, true)`,
			userID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT coalesce(r.who, 'administrators'), array_agg(m.role)
			FROM memberships m JOIN organisations o ON o.id = m.org_id AND o.kind <> 'supplier'
			LEFT JOIN second_factor_rules r ON r.org_id = m.org_id
			WHERE m.user_id = $1 GROUP BY m.org_id, r.who`, userID)
		if err != nil {
			return err
		}
		var rule tally.TwoStepRule
		var roles []tally.Role
		_, err = pgx.ForEachRow(rows, []any{&rule, &roles}, func() error {
			required = required || rule.Requires(roles)
			return nil
		})
		return err
	})
	if err != nil {
		return false, translate(err)
	}
	return required, nil
}

// EnableTwoStep turns 2-step verification on for userID with a sealed key
// that a code of time step has proved, and gives them the recovery codes
// with digests (replacing any). When it is on already it is
// tally.ErrConflict and nothing changes.
func (s *Store) EnableTwoStep(ctx context.Context, userID int64, sealed []byte, step int64, digests [][]byte) (err error) {
	defer derrors.Wrap(&err, "Store.EnableTwoStep(%d)", userID)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO user_totp (user_id, secret, last_step) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING`,
			userID, sealed, step)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: 2-step verification is on already", tally.ErrConflict)
		}
		return replaceRecoveryCodes(ctx, tx, userID, digests)
	})
	return translate(err)
}

// UseTwoStepCode records that the code of time step was used by userID.
// A step no later than the last used is tally.ErrConflict: a code works
// once, even when two requests bring it at the same moment.
func (s *Store) UseTwoStepCode(ctx context.Context, userID, step int64) (err error) {
	defer derrors.Wrap(&err, "Store.UseTwoStepCode(%d)", userID)
	tag, err := s.pool.Exec(ctx, `
		UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2`, userID, step)
	if err == nil && tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: code already used", tally.ErrConflict)
	}
	return translate(err)
}

// RecoveryCodeDigests are the digests of userID's recovery codes not yet
// used, for the caller to compare a typed code with in constant time.
func (s *Store) RecoveryCodeDigests(ctx context.Context, userID int64) (_ [][]byte, err error) {
	defer derrors.Wrap(&err, "Store.RecoveryCodeDigests(%d)", userID)
	rows, err := s.pool.Query(ctx, `SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[[]byte])
}

// UseRecoveryCode uses userID's recovery code with digest, once. A used
// or unknown code is tally.ErrNotFound.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, digest []byte) (err error) {
	defer derrors.Wrap(&err, "Store.UseRecoveryCode(%d)", userID)
	tag, err := s.pool.Exec(ctx, `
		UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, digest)
	if err == nil && tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: recovery code", tally.ErrNotFound)
	}
	return translate(err)
}

// ReplaceRecoveryCodes gives userID new recovery codes (their digests);
// the old ones stop working.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID int64, digests [][]byte) (err error) {
	defer derrors.Wrap(&err, "Store.ReplaceRecoveryCodes(%d)", userID)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return replaceRecoveryCodes(ctx, tx, userID, digests) })
	return translate(err)
}

func replaceRecoveryCodes(ctx context.Context, tx pgx.Tx, userID int64, digests [][]byte) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])`, userID, digests)
	return err
}

// TurnOffTwoStep removes userID's key and recovery codes.
func (s *Store) TurnOffTwoStep(ctx context.Context, userID int64) (err error) {
	defer derrors.Wrap(&err, "Store.TurnOffTwoStep(%d)", userID)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return removeTwoStep(ctx, tx, userID) })
	return translate(err)
}

func removeTwoStep(ctx context.Context, tx pgx.Tx, userID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID)
	return err
}

// ResetTwoStep is an administrator of orgID removing the 2-step
// verification of userID, a member there: their key and recovery codes go,
// every session of theirs ends (and their emailed sign-in links), and the
// organisation's audit log records it. A person who is not a member is
// tally.ErrNotFound.
func (s *Store) ResetTwoStep(ctx context.Context, scope tally.Scope, orgID, userID int64) (err error) {
	defer derrors.Wrap(&err, "Store.ResetTwoStep(%d, %d)", orgID, userID)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var member bool
		err := tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = $1 AND m.user_id = $2 AND m.org_id = ANY (tally_org_ids()))`,
			orgID, userID).Scan(&member)
		if err != nil {
			return err
		}
		if !member {
			return fmt.Errorf("%w: user %d in organisation %d", tally.ErrNotFound, userID, orgID)
		}
		if err := removeTwoStep(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, userID); err != nil {
			return err
		}
		if err := endSignInLinks(ctx, tx, userID); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.two_step_reset",
			Subject: fmt.Sprintf("user %d", userID)})
	})
	return translate(err)
}

// TwoStepRule is orgID's rule on who must use 2-step verification: the
// rule saved, or tally.TwoStepAdministrators when none is.
func (s *Store) TwoStepRule(ctx context.Context, scope tally.Scope, orgID int64) (_ tally.TwoStepRule, err error) {
	defer derrors.Wrap(&err, "Store.TwoStepRule(%d)", orgID)
	rule := tally.TwoStepAdministrators
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT who FROM second_factor_rules WHERE org_id = $1 AND org_id = ANY (tally_org_ids())`, orgID).Scan(&rule)
		if err == pgx.ErrNoRows {
			return nil
		}
		return err
	})
	return rule, translate(err)
}

// SetTwoStepRule sets who in orgID must use 2-step verification, for an
// administrator there, and audits it.
func (s *Store) SetTwoStepRule(ctx context.Context, scope tally.Scope, orgID int64, rule tally.TwoStepRule) (err error) {
	defer derrors.Wrap(&err, "Store.SetTwoStepRule(%d)", orgID)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO second_factor_rules (org_id, who) VALUES ($1, $2)
			ON CONFLICT (org_id) DO UPDATE SET who = excluded.who, updated_at = now()`, orgID, rule); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "settings.two_step",
			Detail: map[string]any{"who": string(rule)}})
	})
	return translate(err)
}
