package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// AccountStatus is what an organisation's administrator sees of a
// member's account.
type AccountStatus struct {
	Disabled     bool
	DisabledAt   time.Time
	DisabledBy   string    // the name of who disabled it
	LastSignIn   time.Time // zero: never
	Sessions     int       // open sessions
	RolesOutside int       // roles in organisations outside the caller's scope
}

// Messages for an account change the caller may not make. The store
// checks the rules again inside the change's transaction.
const (
	msgDisableSelf     = "You cannot disable your own account"
	msgRolesOutside    = "This person also has roles in an organisation you do not manage, so you cannot change whether their account is disabled"
	msgNotDisabled     = "This account is not disabled"
	msgAlreadyDisabled = "This account is disabled already"
)

// AccountStatus reads the account of userID, a member of orgID, in the
// caller's scope; tally.ErrNotFound when they are not a member there.
func (s *Store) AccountStatus(ctx context.Context, scope tally.Scope, orgID, userID int64) (_ AccountStatus, err error) {
	defer derrors.Wrap(&err, "Store.AccountStatus(%d, %d)", orgID, userID)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return AccountStatus{}, err
	}
	var a AccountStatus
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var disabledAt, lastSignIn *time.Time
		err := tx.QueryRow(ctx, `
			SELECT u.disabled_at, coalesce(b.name, ''), u.last_sign_in_at,
			       (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expiry > now()),
			       tally_roles_outside(u.id)
			FROM users u LEFT JOIN users b ON b.id = u.disabled_by
			WHERE u.id = $2 AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = $1 AND m.user_id = u.id)`, orgID, userID).
			Scan(&disabledAt, &a.DisabledBy, &lastSignIn, &a.Sessions, &a.RolesOutside)
		if disabledAt != nil {
			a.Disabled, a.DisabledAt = true, *disabledAt
		}
		if lastSignIn != nil {
			a.LastSignIn = *lastSignIn
		}
		return err
	})
	return a, translate(err)
}

// lifecycleCheck locks the account of userID, a member of orgID, for a
// change by the caller, and refuses it when the person holds roles outside
// the caller's scope. It returns whether the account is disabled and its
// email address.
func lifecycleCheck(ctx context.Context, tx pgx.Tx, orgID, userID int64) (disabled bool, email string, err error) {
	err = tx.QueryRow(ctx, `
		SELECT u.disabled_at IS NOT NULL, u.email FROM users u
		WHERE u.id = $2 AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = $1 AND m.user_id = u.id)
		FOR UPDATE OF u`, orgID, userID).Scan(&disabled, &email)
	if err != nil {
		return false, "", err
	}
	var outside int
	if err := tx.QueryRow(ctx, `SELECT tally_roles_outside($1)`, userID).Scan(&outside); err != nil {
		return false, "", err
	}
	if outside > 0 {
		return false, "", tally.FormErrors{"account": msgRolesOutside}
	}
	return disabled, email, nil
}

// endSessions ends every session of userID at once: their session rows
// go, and the epoch moves on so that a session saved again by a request
// in flight ends on its next request. Unused sign-in links stop working.
// It returns how many sessions were open.
func endSessions(ctx context.Context, tx pgx.Tx, userID int64) (int, error) {
	if _, err := tx.Exec(ctx, `UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, userID); err != nil {
		return 0, err
	}
	var open int
	err := tx.QueryRow(ctx, `
		WITH gone AS (DELETE FROM sessions WHERE user_id = $1 RETURNING expiry)
		SELECT count(*) FILTER (WHERE expiry > now()) FROM gone`, userID).Scan(&open)
	if err != nil {
		return 0, err
	}
	return open, endSignInLinks(ctx, tx, userID)
}

// DisableAccount disables the account of userID, a member of orgID: it
// cannot sign in by any route, every session of it ends at once, and the
// pending invitations in the caller's scope to its address, or sent by
// it, are revoked. The caller may not disable their own account, nor one
// with roles in an organisation outside their scope (a tally.FormErrors
// says so).
func (s *Store) DisableAccount(ctx context.Context, scope tally.Scope, orgID, userID int64) (err error) {
	defer derrors.Wrap(&err, "Store.DisableAccount(%d, %d)", orgID, userID)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return err
	}
	if userID == scope.UserID {
		return tally.FormErrors{"account": msgDisableSelf}
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		disabled, email, err := lifecycleCheck(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if disabled {
			return tally.FormErrors{"account": msgAlreadyDisabled}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled_at = now(), disabled_by = $2 WHERE id = $1`, userID, scope.UserID); err != nil {
			return err
		}
		sessions, err := endSessions(ctx, tx, userID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE invitations SET revoked_at = now()
			WHERE org_id = ANY (tally_org_ids()) AND (email = $1 OR invited_by = $2)
			  AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`, email, userID)
		if err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.disable",
			Subject: fmt.Sprintf("user %d", userID), Detail: map[string]any{"sessions": sessions, "invitations": tag.RowsAffected()}})
	})
	return translate(err)
}

// EnableAccount enables a disabled account of userID, a member of orgID,
// under the same rule as DisableAccount. Its sessions ended when it was
// disabled: the person signs in again.
func (s *Store) EnableAccount(ctx context.Context, scope tally.Scope, orgID, userID int64) (err error) {
	defer derrors.Wrap(&err, "Store.EnableAccount(%d, %d)", orgID, userID)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		disabled, _, err := lifecycleCheck(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if !disabled {
			return tally.FormErrors{"account": msgNotDisabled}
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled_at = NULL, disabled_by = NULL WHERE id = $1`, userID); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.enable",
			Subject: fmt.Sprintf("user %d", userID)})
	})
	return translate(err)
}

// SignOutMember ends every session of userID, a member of orgID, at the
// request of the organisation's administrator. The person can sign in
// again.
func (s *Store) SignOutMember(ctx context.Context, scope tally.Scope, orgID, userID int64) (_ int, err error) {
	defer derrors.Wrap(&err, "Store.SignOutMember(%d, %d)", orgID, userID)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return 0, err
	}
	var n int
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2)`, orgID, userID).Scan(&ok)
		if err != nil {
			return err
		}
		if !ok {
			return tally.ErrNotFound
		}
		if n, err = endSessions(ctx, tx, userID); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.sign_out",
			Subject: fmt.Sprintf("user %d", userID), Detail: map[string]any{"sessions": n}})
	})
	return n, translate(err)
}

// ClaimSession marks the saved session token as userID's, begun now in
// the browser userAgent names, and records the sign-in on the account.
func (s *Store) ClaimSession(ctx context.Context, token string, userID int64, userAgent string) (err error) {
	defer derrors.Wrap(&err, "Store.ClaimSession(%d)", userID)
	return translate(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE sessions SET user_id = $2, user_agent = $3, signed_in_at = now() WHERE token = $1`, token, userID, userAgent)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("session not saved before it was claimed")
		}
		_, err = tx.Exec(ctx, `UPDATE users SET last_sign_in_at = now() WHERE id = $1`, userID)
		return err
	}))
}

// Session is one open session of a person, named by the sha256 digest of
// its token (hex), never the token itself.
type Session struct {
	ID        string
	UserAgent string
	SignedIn  time.Time
	Seen      time.Time
}

// sessionID is how a session's token is named in SQL: its sha256 digest
// in hex.
const sessionID = `encode(sha256(convert_to(token, 'UTF8')), 'hex')`

// Sessions lists the open sessions of userID, the most recently active
// first.
func (s *Store) Sessions(ctx context.Context, userID int64) (_ []Session, err error) {
	defer derrors.Wrap(&err, "Store.Sessions(%d)", userID)
	rows, err := s.pool.Query(ctx, `
		SELECT `+sessionID+`, user_agent, coalesce(signed_in_at, seen_at), seen_at FROM sessions
		WHERE user_id = $1 AND expiry > now() ORDER BY seen_at DESC, token`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Session, error) {
		var x Session
		err := r.Scan(&x.ID, &x.UserAgent, &x.SignedIn, &x.Seen)
		return x, err
	})
}

// EndSession ends one session of userID, named by its ID;
// tally.ErrNotFound when there is no such open session.
func (s *Store) EndSession(ctx context.Context, userID int64, id string) (err error) {
	defer derrors.Wrap(&err, "Store.EndSession(%d)", userID)
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND `+sessionID+` = $2`, userID, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return tally.ErrNotFound
	}
	return nil
}

// SessionClaim is whose a saved session is, and where and when it began.
type SessionClaim struct {
	UserID    int64
	UserAgent string
	SignedIn  time.Time
}

// SessionClaimOf reads the claim on the session token; tally.ErrNotFound
// when it is not saved or claimed.
func (s *Store) SessionClaimOf(ctx context.Context, token string) (_ SessionClaim, err error) {
	defer derrors.Wrap(&err, "Store.SessionClaimOf()")
	var c SessionClaim
	err = s.pool.QueryRow(ctx, `
		SELECT user_id, user_agent, signed_in_at FROM sessions
		WHERE token = $1 AND user_id IS NOT NULL AND signed_in_at IS NOT NULL`, token).Scan(&c.UserID, &c.UserAgent, &c.SignedIn)
	return c, translate(err)
}

// MoveSessionClaim puts claim c on the session token, saved under a new
// token with the same person's session in it: it stays listed as the same
// session. Sessions of c's person other than token end (keep is false) or
// stay (keep is true).
func (s *Store) MoveSessionClaim(ctx context.Context, token string, c SessionClaim, keep bool) (err error) {
	defer derrors.Wrap(&err, "Store.MoveSessionClaim(%d)", c.UserID)
	return translate(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			UPDATE sessions SET user_id = $2, user_agent = $3, signed_in_at = $4 WHERE token = $1`, token, c.UserID, c.UserAgent, c.SignedIn)
		if err != nil || keep {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token <> $2`, c.UserID, token)
		return err
	}))
}
