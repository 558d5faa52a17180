package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// UserByEmail returns the user with email and their password hash, or
// tally.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (_ tally.User, _ string, err error) {
	defer derrors.Wrap(&err, "Store.UserByEmail()")
	var u tally.User
	var hash string
	err = s.pool.QueryRow(ctx, `
		SELECT id, email, name, session_epoch, disabled_at IS NOT NULL, password_hash FROM users WHERE email = lower($1)`, email).
		Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch, &u.Disabled, &hash)
	return u, hash, translate(err)
}

// User returns a user by id, or tally.ErrNotFound.
func (s *Store) User(ctx context.Context, id int64) (_ tally.User, err error) {
	defer derrors.Wrap(&err, "Store.User(%d)", id)
	var u tally.User
	err = s.pool.QueryRow(ctx, `SELECT id, email, name, session_epoch, disabled_at IS NOT NULL FROM users WHERE id = $1`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch, &u.Disabled)
	return u, translate(err)
}

// Memberships lists the organisations a user belongs to directly, with
// their roles there, by organisation name. It reads in a scope of that
// user alone: their own memberships and no one else's.
func (s *Store) Memberships(ctx context.Context, userID int64) (_ []tally.Membership, err error) {
	defer derrors.Wrap(&err, "Store.Memberships(%d)", userID)
	var ms []tally.Membership
	err = s.InTx(ctx, tally.Scope{UserID: userID}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT o.id, o.kind, o.slug, o.name, coalesce(o.shared_service_id, 0), array_agg(m.role ORDER BY m.role)
			FROM memberships m JOIN organisations o ON o.id = m.org_id
			WHERE m.user_id = $1
			GROUP BY o.id ORDER BY o.name`, userID)
		if err != nil {
			return err
		}
		ms, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Membership, error) {
			var m tally.Membership
			err := r.Scan(&m.Org.ID, &m.Org.Kind, &m.Org.Slug, &m.Org.Name, &m.Org.SharedServiceID, &m.Roles)
			return m, err
		})
		return err
	})
	return ms, translate(err)
}

// Access resolves what user may do in the organisation with slug: roles held
// there directly or through its shared service. It returns tally.ErrNotFound
// when the organisation does not exist or the user holds no role there.
// It reads in a scope of that user alone.
func (s *Store) Access(ctx context.Context, userID int64, slug string) (_ tally.Access, err error) {
	defer derrors.Wrap(&err, "Store.Access(%d, %q)", userID, slug)
	var a tally.Access
	var partners []int64
	var names, slugs []string
	err = s.InTx(ctx, tally.Scope{UserID: userID}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT o.id, o.kind, o.slug, o.name, coalesce(o.shared_service_id, 0),
			       array_agg(DISTINCT m.role),
			       coalesce(p.ids, '{}'), coalesce(p.names, '{}'), coalesce(p.slugs, '{}')
			FROM organisations o
			JOIN memberships m ON m.user_id = $1 AND (m.org_id = o.id OR m.org_id = o.shared_service_id)
			LEFT JOIN LATERAL (
				SELECT array_agg(c.id ORDER BY c.name) AS ids, array_agg(c.name ORDER BY c.name) AS names,
				       array_agg(c.slug ORDER BY c.name) AS slugs
				FROM organisations c
				WHERE (o.kind = 'shared_service' AND c.shared_service_id = o.id) OR (o.kind = 'partner' AND c.id = o.id)
			) p ON true
			WHERE o.slug = $2
			GROUP BY o.id, p.ids, p.names, p.slugs`, userID, slug).
			Scan(&a.Org.ID, &a.Org.Kind, &a.Org.Slug, &a.Org.Name, &a.Org.SharedServiceID, &a.Roles, &partners, &names, &slugs)
	})
	if err != nil {
		return tally.Access{}, translate(err)
	}
	shared := a.Org.SharedServiceID // a partner's own
	if a.Org.Kind == tally.SharedService {
		shared = a.Org.ID // the shared service's partners
	}
	for i, id := range partners {
		a.Partners = append(a.Partners, tally.Org{ID: id, Kind: tally.Partner, Slug: slugs[i], Name: names[i], SharedServiceID: shared})
	}
	a.Scope = tally.Scope{UserID: userID, PartnerIDs: partners, OrgIDs: append([]int64{a.Org.ID}, partners...), Roles: a.Roles}
	a.Scope.MeasureOrgIDs = a.Scope.OrgIDs
	if a.Org.Kind == tally.Partner {
		a.Scope.OrgIDs = []int64{a.Org.ID}
		a.Scope.MeasureOrgIDs = []int64{a.Org.ID}
		if a.Org.SharedServiceID != 0 {
			a.Scope.MeasureOrgIDs = append(a.Scope.MeasureOrgIDs, a.Org.SharedServiceID)
		}
	}
	if a.Org.Kind == tally.Supplier {
		a.Scope.SupplierID = a.Org.ID
	}
	return a, nil
}

// OrgBySlug returns an organisation, or tally.ErrNotFound.
func (s *Store) OrgBySlug(ctx context.Context, slug string) (_ tally.Org, err error) {
	defer derrors.Wrap(&err, "Store.OrgBySlug(%q)", slug)
	var o tally.Org
	err = s.pool.QueryRow(ctx, `
		SELECT id, kind, slug, name, coalesce(shared_service_id, 0) FROM organisations WHERE slug = $1`, slug).
		Scan(&o.ID, &o.Kind, &o.Slug, &o.Name, &o.SharedServiceID)
	return o, translate(err)
}

// EndAllSessions signs a user out everywhere: sessions carry the epoch they
// began in, and a session from an older epoch is refused. Emailed sign-in
// links not yet used stop working too.
func (s *Store) EndAllSessions(ctx context.Context, userID int64) (_ int, err error) {
	defer derrors.Wrap(&err, "Store.EndAllSessions(%d)", userID)
	var epoch int
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch`, userID).Scan(&epoch)
		if err != nil {
			return err
		}
		// Their rows go too, so that no ended session is listed as open.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return endSignInLinks(ctx, tx, userID)
	})
	return epoch, translate(err)
}

// ClearLoginFailures forgets the failures for key after a successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) (err error) {
	defer derrors.Wrap(&err, "Store.ClearLoginFailures()")
	_, err = s.pool.Exec(ctx, `DELETE FROM login_failures WHERE key = $1`, key)
	return err
}

// ChangePassword sets a signed-in user's new password and ends every other
// session of the account (the "sign out everywhere" epoch moves on). It
// returns the new epoch, which the caller's own session takes so that it
// stays signed in. The caller has checked the current password.
func (s *Store) ChangePassword(ctx context.Context, userID int64, passwordHash string) (_ int, err error) {
	defer derrors.Wrap(&err, "Store.ChangePassword(%d)", userID)
	var epoch int
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1 WHERE id = $1
			RETURNING session_epoch`, userID, passwordHash).Scan(&epoch)
		if err != nil {
			return err
		}
		// A reset link sent before the change would undo it, and a sign-in
		// link would get round it: they end too.
		if _, err = tx.Exec(ctx, `UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return err
		}
		return endSignInLinks(ctx, tx, userID)
	})
	return epoch, translate(err)
}
