package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// Registration is a self-registration waiting for its emailed link.
type Registration struct {
	NewSupplier
	Expires time.Time
}

// StartRegistration records n as waiting, until expires, for the emailed
// link whose token has digest, and queues one email in the same
// transaction: newcomer when n.Email has no account, member when it has
// one (newcomer carries the link; member must not). Both cases do the same
// work: the row is written even for an address with an account, whose
// link is never sent, and expired rows are deleted as it goes.
func (s *Store) StartRegistration(ctx context.Context, n NewSupplier, digest []byte, expires time.Time, newcomer, member notify.Telling) (err error) {
	defer derrors.Wrap(&err, "Store.StartRegistration()")
	err = s.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM pending_registrations WHERE expires_at <= now()`); err != nil {
			return err
		}
		var company *string
		if n.CompanyNumber != "" {
			company = &n.CompanyNumber
		}
		var account bool
		err := tx.QueryRow(ctx, `
			WITH pending AS (
				INSERT INTO pending_registrations
					(token_hash, email, name, password_hash, org_name, company_number, postcode, size, vcse, expires_at)
				VALUES ($1, lower($2), $3, $4, $5, $6, $7, $8, $9, $10))
			SELECT EXISTS (SELECT 1 FROM users WHERE email = lower($2))`,
			digest, n.Email, n.UserName, n.PasswordHash, n.Name, company, n.Postcode.String(), n.Size, n.VCSE, expires).
			Scan(&account)
		if err != nil {
			return err
		}
		if account {
			return s.tell(ctx, tx, member)
		}
		return s.tell(ctx, tx, newcomer)
	})
	return translate(err)
}

// PendingRegistration returns the registration waiting for the link whose
// token has digest, without its password hash, or tally.ErrNotFound when
// the link is unknown, used or expired.
func (s *Store) PendingRegistration(ctx context.Context, digest []byte) (_ Registration, err error) {
	defer derrors.Wrap(&err, "Store.PendingRegistration()")
	var reg Registration
	var postcode string
	err = s.pool.QueryRow(ctx, `
		SELECT email, name, org_name, coalesce(company_number, ''), postcode, size, vcse, expires_at
		FROM pending_registrations WHERE token_hash = $1 AND expires_at > now()`, digest).
		Scan(&reg.Email, &reg.UserName, &reg.Name, &reg.CompanyNumber, &postcode, &reg.Size, &reg.VCSE, &reg.Expires)
	if err != nil {
		return reg, translate(err)
	}
	reg.Postcode, err = tally.ParsePostcode(postcode)
	return reg, err
}

// ConfirmRegistration uses the link whose token has digest, once: it
// creates the user, the supplier organisation and the membership from the
// waiting registration, audits it and deletes the registration (its
// password hash now lives on the account only). It returns
// tally.ErrNotFound for an unknown, used or expired link, and
// tally.ErrConflict when the email has gained an account since (the link
// then stays unused).
func (s *Store) ConfirmRegistration(ctx context.Context, digest []byte) (_ tally.User, _ tally.Org, err error) {
	defer derrors.Wrap(&err, "Store.ConfirmRegistration()")
	var u tally.User
	var o tally.Org
	err = s.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		var n NewSupplier
		var postcode string
		err := tx.QueryRow(ctx, `
			DELETE FROM pending_registrations WHERE token_hash = $1 AND expires_at > now()
			RETURNING email, name, password_hash, org_name, coalesce(company_number, ''), postcode, size, vcse`, digest).
			Scan(&n.Email, &n.UserName, &n.PasswordHash, &n.Name, &n.CompanyNumber, &postcode, &n.Size, &n.VCSE)
		if err != nil {
			return err
		}
		if n.Postcode, err = tally.ParsePostcode(postcode); err != nil {
			return err
		}
		u, o, err = createSupplier(ctx, tx, n)
		return err
	})
	return u, o, translate(err)
}
