package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// DomainsTakenError says which domains another organisation's single
// sign-on already covers. It matches tally.ErrConflict.
type DomainsTakenError struct{ Domains []string }

func (e *DomainsTakenError) Error() string {
	return "domains taken by another organisation: " + strings.Join(e.Domains, ", ")
}

// Is makes errors.Is(err, tally.ErrConflict) true.
func (e *DomainsTakenError) Is(target error) bool { return target == tally.ErrConflict }

// SSOSettings returns an organisation's single sign-on settings, or
// tally.ErrNotFound when it has none (or is out of scope).
func (s *Store) SSOSettings(ctx context.Context, scope tally.Scope, orgID int64) (_ tally.SSOSettings, err error) {
	defer derrors.Wrap(&err, "Store.SSOSettings(%d)", orgID)
	var st tally.SSOSettings
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		st, err = ssoSettings(ctx, tx, orgID)
		return err
	})
	return st, translate(err)
}

func ssoSettings(ctx context.Context, tx pgx.Tx, orgID int64) (tally.SSOSettings, error) {
	st := tally.SSOSettings{OrgID: orgID}
	err := tx.QueryRow(ctx, `
		SELECT s.issuer, s.client_id, s.client_secret_sealed, s.required,
		       coalesce((SELECT array_agg(d.domain ORDER BY d.domain) FROM sso_domains d WHERE d.org_id = s.org_id), '{}')
		FROM sso_settings s WHERE s.org_id = $1 AND s.org_id = ANY (tally_org_ids())`, orgID).
		Scan(&st.Issuer, &st.ClientID, &st.SecretSealed, &st.Required, &st.Domains)
	return st, err
}

// SaveSSOSettings creates or replaces an organisation's single sign-on
// settings and its domains, and audits the change (never the secret). A
// nil st.SecretSealed keeps the stored secret; there must be one. Domains
// another organisation covers give a *DomainsTakenError and nothing is
// written. The scope must hold an administrator's role there.
func (s *Store) SaveSSOSettings(ctx context.Context, scope tally.Scope, st tally.SSOSettings) (err error) {
	defer derrors.Wrap(&err, "Store.SaveSSOSettings(%d)", st.OrgID)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT d FROM unnest($1::text[]) d
			WHERE EXISTS (SELECT 1 FROM sso_domain_org(d) o WHERE o.org_id <> $2)
			ORDER BY d`, st.Domains, st.OrgID)
		if err != nil {
			return err
		}
		taken, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(taken) > 0 {
			return &DomainsTakenError{Domains: taken}
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO sso_settings (org_id, issuer, client_id, client_secret_sealed, required, updated_by)
			SELECT $1, $2, $3, $4, $5, $6 WHERE $4::bytea IS NOT NULL AND $1 = ANY (tally_org_ids())
			ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
			       client_secret_sealed = excluded.client_secret_sealed, required = excluded.required,
			       updated_at = now(), updated_by = excluded.updated_by`,
			st.OrgID, st.Issuer, st.ClientID, st.SecretSealed, st.Required, nullID(scope.UserID))
		if err == nil && st.SecretSealed == nil {
			tag, err = tx.Exec(ctx, `
				UPDATE sso_settings SET issuer = $2, client_id = $3, required = $4, updated_at = now(), updated_by = $5
				WHERE org_id = $1 AND org_id = ANY (tally_org_ids())`,
				st.OrgID, st.Issuer, st.ClientID, st.Required, nullID(scope.UserID))
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: no client secret saved for organisation %d", tally.ErrNotFound, st.OrgID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sso_domains WHERE org_id = $1 AND NOT (domain = ANY ($2))`, st.OrgID, st.Domains); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO sso_domains (domain, org_id) SELECT unnest($2::text[]), $1 ON CONFLICT (domain) DO NOTHING`, st.OrgID, st.Domains); err != nil {
			return err
		}
		// A domain another organisation took meanwhile was skipped above.
		var mine int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM sso_domains WHERE org_id = $1`, st.OrgID).Scan(&mine); err != nil {
			return err
		}
		if mine != len(st.Domains) {
			return &DomainsTakenError{Domains: st.Domains}
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: st.OrgID, UserID: scope.UserID, Action: "sso.update",
			Detail: map[string]any{"issuer": st.Issuer, "client_id": st.ClientID, "domains": st.Domains,
				"required": st.Required, "secret_changed": st.SecretSealed != nil}})
	})
	var taken *DomainsTakenError
	if errors.As(err, &taken) {
		return err
	}
	return translate(err)
}

// RemoveSSOSettings turns an organisation's single sign-on off: its
// settings and domains go, and the change is audited. tally.ErrNotFound
// when it has none. The scope must hold an administrator's role there.
func (s *Store) RemoveSSOSettings(ctx context.Context, scope tally.Scope, orgID int64) (err error) {
	defer derrors.Wrap(&err, "Store.RemoveSSOSettings(%d)", orgID)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		st, err := ssoSettings(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sso_domains WHERE org_id = $1`, orgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sso_settings WHERE org_id = $1 AND org_id = ANY (tally_org_ids())`, orgID); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "sso.remove",
			Detail: map[string]any{"issuer": st.Issuer, "domains": st.Domains}})
	})
	return translate(err)
}

// SSOForDomain returns the single sign-on settings that cover an email
// domain, for signing in before anyone is known, or tally.ErrNotFound. It
// learns the organisation from the domain alone (sso_domain_org), then
// reads in a scope of that organisation.
func (s *Store) SSOForDomain(ctx context.Context, domain string) (_ tally.SSOSettings, err error) {
	defer derrors.Wrap(&err, "Store.SSOForDomain(%q)", domain)
	var st tally.SSOSettings
	err = s.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		var orgID int64
		if err := tx.QueryRow(ctx, `SELECT org_id FROM sso_domain_org($1)`, domain).Scan(&orgID); err != nil {
			return err
		}
		if err := setScope(ctx, tx, tally.Scope{OrgIDs: []int64{orgID}}); err != nil {
			return err
		}
		st, err = ssoSettings(ctx, tx, orgID)
		return err
	})
	return st, translate(err)
}

// SSOForOrg returns an organisation's single sign-on settings for the
// sign-in flow, which has kept the organisation's id in the session since
// it started from its domain; tally.ErrNotFound when there are none.
func (s *Store) SSOForOrg(ctx context.Context, orgID int64) (tally.SSOSettings, error) {
	return s.SSOSettings(ctx, tally.Scope{OrgIDs: []int64{orgID}}, orgID)
}

// SSORequired reports whether single sign-on is required for an email's
// domain: then password sign-in and emailed links are refused for it.
func (s *Store) SSORequired(ctx context.Context, email string) (_ bool, err error) {
	defer derrors.Wrap(&err, "Store.SSORequired()")
	var required bool
	err = s.pool.QueryRow(ctx, `SELECT coalesce((SELECT required FROM sso_domain_org($1)), false)`, tally.EmailDomain(email)).Scan(&required)
	return required, err
}

// SSOInvited reports whether a verified email (proved through the
// organisation's provider) has an open invitation to the organisation. It
// reads in a scope of that address.
func (s *Store) SSOInvited(ctx context.Context, orgID int64, email string) (_ bool, err error) {
	defer derrors.Wrap(&err, "Store.SSOInvited(%d)", orgID)
	email = strings.ToLower(email)
	var invited bool
	err = s.InTx(ctx, tally.Scope{Email: email}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM invitations
			               WHERE email = $1 AND org_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now())`,
			email, orgID).Scan(&invited)
	})
	return invited, translate(err)
}

// SSOMatch is the account a verified email signs in to.
type SSOMatch struct {
	User   tally.User
	Member bool           // a member of the organisation (now)
	Joined [][]tally.Role // the roles of invitations accepted just now
}

// SSOAccount finds the account with a verified email (proved through the
// organisation's provider) and whether it is a member of the organisation.
// When it is not, the email's open invitations to that organisation are
// accepted now, in a scope of that proved address, and audited as
// joining. tally.ErrNotFound when no account has the email.
func (s *Store) SSOAccount(ctx context.Context, orgID int64, email string) (_ SSOMatch, err error) {
	defer derrors.Wrap(&err, "Store.SSOAccount(%d)", orgID)
	email = strings.ToLower(email)
	var m SSOMatch
	err = s.InTx(ctx, tally.Scope{Email: email}, func(tx pgx.Tx) error {
		u := &m.User
		if err := tx.QueryRow(ctx, `SELECT id, email, name, session_epoch FROM users WHERE email = $1`, email).
			Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch); err != nil {
			return err
		}
		if err := setScope(ctx, tx, tally.Scope{UserID: u.ID, Email: email}); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND org_id = $2)`, u.ID, orgID).Scan(&m.Member); err != nil {
			return err
		}
		if m.Member {
			return nil
		}
		rows, err := tx.Query(ctx, `
			UPDATE invitations SET accepted_at = now()
			WHERE email = $1 AND org_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
			RETURNING roles`, email, orgID)
		if err != nil {
			return err
		}
		m.Joined, err = pgx.CollectRows(rows, pgx.RowTo[[]tally.Role])
		if err != nil || len(m.Joined) == 0 {
			return err
		}
		if err := setScope(ctx, tx, tally.Scope{UserID: u.ID, OrgIDs: []int64{orgID}}); err != nil {
			return err
		}
		for _, roles := range m.Joined {
			if _, err := tx.Exec(ctx, `
				INSERT INTO memberships (user_id, org_id, role) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`, u.ID, orgID, roles); err != nil {
				return err
			}
			if err := AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: u.ID, Action: "member.join",
				Subject: email, Detail: map[string]any{"role": roles[0], "roles": roles, "via": "sso"}}); err != nil {
				return err
			}
		}
		m.Member = true
		return nil
	})
	return m, translate(err)
}
