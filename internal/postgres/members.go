package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// Members lists the people with a role in an organisation, read in scope:
// an organisation outside the scope has nobody.
func (s *Store) Members(ctx context.Context, scope tally.Scope, orgID int64) (_ []tally.Member, err error) {
	defer derrors.Wrap(&err, "Store.Members(%d)", orgID)
	var ms []tally.Member
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT u.id, u.email, u.name, array_agg(m.role ORDER BY m.role), u.disabled_at IS NOT NULL
			FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND m.org_id = ANY (tally_org_ids()) GROUP BY u.id ORDER BY u.name, u.email`, orgID)
		if err != nil {
			return err
		}
		ms, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Member, error) {
			var m tally.Member
			err := r.Scan(&m.UserID, &m.Email, &m.Name, &m.Roles, &m.Disabled)
			return m, err
		})
		return err
	})
	return ms, translate(err)
}

// SetRoles replaces a member's roles in orgID (an empty list removes them)
// and audits it. It refuses, as a FormErrors, to leave the organisation
// without an administrator, and returns tally.ErrNotFound for a non-member.
func (s *Store) SetRoles(ctx context.Context, scope tally.Scope, orgID, userID int64, roles []tally.Role) (err error) {
	defer derrors.Wrap(&err, "Store.SetRoles(%d, %d)", orgID, userID)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		// Lock the organisation's memberships against a concurrent change.
		var before []string
		err := tx.QueryRow(ctx, `
			SELECT coalesce(array_agg(role ORDER BY role), '{}') FROM (
				SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2 FOR UPDATE) r`, orgID, userID).Scan(&before)
		if err != nil {
			return err
		}
		if len(before) == 0 {
			return tally.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)`, userID, orgID, r); err != nil {
				return err
			}
		}
		var admins int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE org_id = $1 AND role IN ('admin', 'supplier')`, orgID).Scan(&admins); err != nil {
			return err
		}
		if admins == 0 && (slices.Contains(before, "admin") || slices.Contains(before, "supplier")) {
			return tally.FormErrors{"roles": "The organisation must keep at least one administrator"}
		}
		action := "member.roles"
		if len(roles) == 0 {
			// Their last role here: every session of theirs ends, whatever
			// roles they hold elsewhere (sessions are not per organisation).
			action = "member.remove"
			if _, err := endSessions(ctx, tx, userID); err != nil {
				return err
			}
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: action,
			Subject: fmt.Sprintf("user %d", userID), Detail: map[string]any{"before": before, "after": roles}})
	})
	return translate(err)
}

// Invitation is an emailed, single-use invitation to join an organisation.
type Invitation struct {
	ID        int64
	Org       tally.Org
	Email     string
	Roles     []tally.Role
	InvitedBy string // the name of who sent it
	Sent      time.Time
	Expires   time.Time
}

// Invite records an invitation with one or more roles, audits it and
// queues its email; the worker makes its link (InvitationLink), so no
// working token is ever stored.
func (s *Store) Invite(ctx context.Context, scope tally.Scope, orgID int64, email string, roles []tally.Role, expires time.Time) (err error) {
	defer derrors.Wrap(&err, "Store.Invite(%d)", orgID)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return err
	}
	if len(roles) == 0 {
		return tally.FormErrors{"roles": "Select at least one role"}
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO invitations (token_hash, org_id, email, role, roles, invited_by, expires_at)
			VALUES ($1, $2, lower($3), $4, $5, $6, $7) RETURNING id`, unusableDigest(), orgID, email, roles[0], roles, scope.UserID, expires).Scan(&id)
		if err != nil {
			return err
		}
		if err := s.queueInvitation(ctx, tx, scope, orgID, id, strings.ToLower(email)); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.invite",
			Subject: strings.ToLower(email), Detail: map[string]any{"role": roles[0], "roles": roles}})
	})
	return translate(err)
}

// queueInvitation queues the email of invitation id to email, from the
// scope's user, in tx.
func (s *Store) queueInvitation(ctx context.Context, tx pgx.Tx, scope tally.Scope, orgID, id int64, email string) error {
	var inviter, org string
	if err := tx.QueryRow(ctx, `SELECT u.name, o.name FROM users u, organisations o WHERE u.id = $1 AND o.id = $2`,
		scope.UserID, orgID).Scan(&inviter, &org); err != nil {
		return err
	}
	_, err := s.jobs.InsertTx(ctx, tx, jobs.Invitation{ID: id, To: email, Inviter: inviter, Org: orgID, ToOrg: orgID,
		Subject: notify.InvitationSubject(org)}, nil)
	return err
}

// unusableDigest stands in for an invitation's token digest until the
// worker makes the token: random, so no token matches it.
func unusableDigest() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// InvitationLink gives a pending invitation a new token for the email of
// job, by its digest (the link emailed before stops working), and returns
// the invitation with its organisation's name. It works in the scope of
// orgID, the organisation the job names. It returns tally.ErrNotFound
// when orgID has no such invitation, when the invitation has been
// accepted, revoked or has expired, or when a newer job has made its link
// already: there is nothing to send.
func (s *Store) InvitationLink(ctx context.Context, orgID, id, job int64, digest []byte) (_ Invitation, err error) {
	defer derrors.Wrap(&err, "Store.InvitationLink(%d, %d, job %d)", orgID, id, job)
	inv := Invitation{ID: id}
	err = s.InTx(ctx, tally.Scope{OrgIDs: []int64{orgID}}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			UPDATE invitations i SET token_hash = $2, link_job = $3 FROM organisations o
			WHERE i.id = $1 AND i.org_id = $4 AND o.id = i.org_id
			  AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
			  AND (i.link_job IS NULL OR i.link_job <= $3)
			RETURNING i.email, i.roles, i.expires_at, o.id, o.slug, o.name`, id, digest, job, orgID).
			Scan(&inv.Email, &inv.Roles, &inv.Expires, &inv.Org.ID, &inv.Org.Slug, &inv.Org.Name)
	})
	return inv, translate(err)
}

// PendingInvitations lists orgID's invitations that are neither accepted,
// revoked nor expired, newest first, read in scope: an organisation
// outside the scope has none.
func (s *Store) PendingInvitations(ctx context.Context, scope tally.Scope, orgID int64) (_ []Invitation, err error) {
	defer derrors.Wrap(&err, "Store.PendingInvitations(%d)", orgID)
	var list []Invitation
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT i.id, i.email, i.roles, u.name, i.created_at, i.expires_at
			FROM invitations i JOIN users u ON u.id = i.invited_by
			WHERE i.org_id = $1 AND i.org_id = ANY (tally_org_ids())
			  AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
			ORDER BY i.created_at DESC, i.id DESC`, orgID)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invitation, error) {
			inv := Invitation{Org: tally.Org{ID: orgID}}
			err := r.Scan(&inv.ID, &inv.Email, &inv.Roles, &inv.InvitedBy, &inv.Sent, &inv.Expires)
			return inv, err
		})
		return err
	})
	return list, translate(err)
}

// ResendInvitation gives a pending invitation a new expiry, stops its link
// working, audits it and queues its email again with a new link. It
// returns the invitation, or tally.ErrNotFound when orgID has no such
// pending one.
func (s *Store) ResendInvitation(ctx context.Context, scope tally.Scope, orgID, id int64, expires time.Time) (_ Invitation, err error) {
	defer derrors.Wrap(&err, "Store.ResendInvitation(%d, %d)", orgID, id)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return Invitation{}, err
	}
	inv := Invitation{ID: id, Org: tally.Org{ID: orgID}}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE invitations SET token_hash = $3, expires_at = $4, created_at = now()
			WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
			RETURNING email, roles, created_at, expires_at`, orgID, id, unusableDigest(), expires).
			Scan(&inv.Email, &inv.Roles, &inv.Sent, &inv.Expires)
		if err != nil {
			return err
		}
		if err := s.queueInvitation(ctx, tx, scope, orgID, id, inv.Email); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.invite.resend",
			Subject: inv.Email, Detail: map[string]any{"roles": inv.Roles}})
	})
	return inv, translate(err)
}

// RevokeInvitation stops a pending invitation's link working, and audits
// it. It returns tally.ErrNotFound when orgID has no such pending one.
func (s *Store) RevokeInvitation(ctx context.Context, scope tally.Scope, orgID, id int64) (_ Invitation, err error) {
	defer derrors.Wrap(&err, "Store.RevokeInvitation(%d, %d)", orgID, id)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return Invitation{}, err
	}
	inv := Invitation{ID: id, Org: tally.Org{ID: orgID}}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE invitations SET revoked_at = now()
			WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
			RETURNING email, roles`, orgID, id).Scan(&inv.Email, &inv.Roles)
		if err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.invite.revoke",
			Subject: inv.Email, Detail: map[string]any{"roles": inv.Roles}})
	})
	return inv, translate(err)
}

// InvitationByToken returns an open invitation, or tally.ErrNotFound when
// it does not exist, has expired, was revoked or was used. It reads in a
// scope of that one invitation (its token's digest).
func (s *Store) InvitationByToken(ctx context.Context, digest []byte) (_ Invitation, err error) {
	defer derrors.Wrap(&err, "Store.InvitationByToken()")
	var inv Invitation
	err = s.InTx(ctx, tally.Scope{Invitation: digest}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT i.id, o.id, o.kind, o.slug, o.name, i.email, i.roles, i.expires_at
			FROM invitations i JOIN organisations o ON o.id = i.org_id
			WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()`, digest).
			Scan(&inv.ID, &inv.Org.ID, &inv.Org.Kind, &inv.Org.Slug, &inv.Org.Name, &inv.Email, &inv.Roles, &inv.Expires)
	})
	return inv, translate(err)
}

// DeadInvitation describes an invitation link that no longer works, so the
// page can say whom to ask for a new one. It returns tally.ErrNotFound for
// a token that never existed. It reads in a scope of that one invitation.
func (s *Store) DeadInvitation(ctx context.Context, digest []byte) (_ Invitation, err error) {
	defer derrors.Wrap(&err, "Store.DeadInvitation()")
	var inv Invitation
	err = s.InTx(ctx, tally.Scope{Invitation: digest}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT i.id, o.id, o.kind, o.slug, o.name, i.email, i.roles, u.name, i.expires_at
			FROM invitations i JOIN organisations o ON o.id = i.org_id JOIN users u ON u.id = i.invited_by
			WHERE i.token_hash = $1`, digest).
			Scan(&inv.ID, &inv.Org.ID, &inv.Org.Kind, &inv.Org.Slug, &inv.Org.Name, &inv.Email, &inv.Roles, &inv.InvitedBy, &inv.Expires)
	})
	return inv, translate(err)
}

// AcceptInvitation uses an invitation once and adds its roles. With userID 0
// it creates the account from name and passwordHash, and returns
// tally.ErrConflict when the email has an account (it may have gained one
// since the form was shown). Otherwise it adds the role to that existing
// account, which must have the invitation's email (tally.ErrNotFound if
// not): an invitation alone never signs anyone in to an existing account.
// It works in a scope of that one invitation, then, once the account is
// known, of that person in the invitation's organisation.
func (s *Store) AcceptInvitation(ctx context.Context, digest []byte, userID int64, name, passwordHash string) (_ tally.User, err error) {
	defer derrors.Wrap(&err, "Store.AcceptInvitation(%d)", userID)
	var u tally.User
	err = s.InTx(ctx, tally.Scope{Invitation: digest}, func(tx pgx.Tx) error {
		var orgID int64
		var email string
		var roles []string
		err := tx.QueryRow(ctx, `
			UPDATE invitations SET accepted_at = now()
			WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
			RETURNING org_id, email, roles`, digest).Scan(&orgID, &email, &roles)
		if err != nil {
			return err
		}
		if userID == 0 {
			err = tx.QueryRow(ctx, `
				INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3)
				RETURNING id, email, name, session_epoch`, email, name, passwordHash).Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch)
		} else {
			err = tx.QueryRow(ctx, `
				SELECT id, email, name, session_epoch FROM users WHERE id = $1 AND email = $2`, userID, email).
				Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch)
		}
		if err != nil {
			return err
		}
		if err := setScope(ctx, tx, tally.Scope{UserID: u.ID, OrgIDs: []int64{orgID}}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO memberships (user_id, org_id, role) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`, u.ID, orgID, roles); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: u.ID, Action: "member.join",
			Subject: email, Detail: map[string]any{"role": roles[0], "roles": roles}})
	})
	return u, translate(err)
}

// RequestPasswordReset queues an email with a reset link to email. It takes
// the same path whether or not the address has an account: the worker
// makes the link (StartPasswordReset) when there is one.
func (s *Store) RequestPasswordReset(ctx context.Context, email string) (err error) {
	defer derrors.Wrap(&err, "Store.RequestPasswordReset()")
	_, err = s.jobs.Insert(ctx, jobs.PasswordReset{Email: strings.ToLower(email)}, nil)
	return err
}

// StartPasswordReset records a reset token for the account with email. It
// reports whether there was one. The worker calls it, never a request.
func (s *Store) StartPasswordReset(ctx context.Context, email string, digest []byte, expires time.Time) (_ tally.User, _ bool, err error) {
	defer derrors.Wrap(&err, "Store.StartPasswordReset()")
	var u tally.User
	err = s.pool.QueryRow(ctx, `
		WITH u AS (SELECT id, email, name FROM users WHERE email = lower($1))
		INSERT INTO password_resets (token_hash, user_id, expires_at)
		SELECT $2, id, $3 FROM u RETURNING user_id, (SELECT email FROM u), (SELECT name FROM u)`, email, digest, expires).
		Scan(&u.ID, &u.Email, &u.Name)
	if err == pgx.ErrNoRows {
		return u, false, nil
	}
	return u, err == nil, translate(err)
}

// PasswordResetValid reports whether a reset token can still be used.
func (s *Store) PasswordResetValid(ctx context.Context, digest []byte) (_ bool, err error) {
	defer derrors.Wrap(&err, "Store.PasswordResetValid()")
	var ok bool
	err = s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now())`,
		digest).Scan(&ok)
	return ok, translate(err)
}

// ResetPassword uses a reset token once: it sets the new password and ends
// every session and unused sign-in link of the account. It returns
// tally.ErrNotFound for a used, expired or unknown token.
func (s *Store) ResetPassword(ctx context.Context, digest []byte, passwordHash string) (err error) {
	defer derrors.Wrap(&err, "Store.ResetPassword()")
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var userID int64
		err := tx.QueryRow(ctx, `
			UPDATE password_resets SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`, digest).Scan(&userID)
		if err != nil {
			return err
		}
		// Other outstanding links for the account die with this one.
		if _, err := tx.Exec(ctx, `UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1 WHERE id = $1`, userID, passwordHash)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return endSignInLinks(ctx, tx, userID)
	})
	return translate(err)
}
