package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/tally"
)

// ErrSlugTaken is returned by ConfirmRegistration when another
// organisation took the same URL name at the same moment: nothing has
// changed and the link still works, so trying again succeeds.
var ErrSlugTaken = errors.New("organisation URL name taken meanwhile")

// Registration is a self-registration waiting for its emailed link: the
// details typed on the form, with no password (that is chosen on the
// link's page).
type Registration = NewSupplier

// StartRegistration records n (whose PasswordHash is ignored) as waiting,
// until expires, and queues in the same transaction one job naming it
// (jobs.Registration), which makes the link and emails it, or says the
// address has an account. The request does the same work either way and
// stores no token; expired rows are deleted as it goes.
func (s *Store) StartRegistration(ctx context.Context, n NewSupplier, expires time.Time) (err error) {
	defer derrors.Wrap(&err, "Store.StartRegistration()")
	err = s.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM pending_registrations WHERE expires_at <= now()`); err != nil {
			return err
		}
		var company *string
		if n.CompanyNumber != "" {
			company = &n.CompanyNumber
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO pending_registrations (email, name, org_name, company_number, postcode, size, vcse, expires_at)
			VALUES (lower($1), $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			n.Email, n.UserName, n.Name, company, n.Postcode.String(), n.Size, n.VCSE, expires).Scan(&id)
		if err != nil {
			return err
		}
		_, err = s.jobs.InsertTx(ctx, tx, jobs.Registration{ID: id}, nil)
		return err
	})
	return translate(err)
}

// LinkRegistration gives the live registration id the link whose token
// has digest (replacing any earlier one, so a retried job's last link is
// the one that works) and returns it, with whether its email has an
// account, for the worker to email. found is false when the registration
// has expired or been used.
func (s *Store) LinkRegistration(ctx context.Context, id int64, digest []byte) (_ Registration, account, found bool, err error) {
	defer derrors.Wrap(&err, "Store.LinkRegistration()")
	var reg Registration
	var postcode string
	err = s.pool.QueryRow(ctx, `
		UPDATE pending_registrations SET token_hash = $2 WHERE id = $1 AND expires_at > now()
		RETURNING email, name, org_name, coalesce(company_number, ''), postcode, size, vcse,
			EXISTS (SELECT 1 FROM users WHERE email = pending_registrations.email)`, id, digest).
		Scan(&reg.Email, &reg.UserName, &reg.Name, &reg.CompanyNumber, &postcode, &reg.Size, &reg.VCSE, &account)
	if errors.Is(err, pgx.ErrNoRows) {
		return reg, false, false, nil
	}
	if err != nil {
		return reg, false, false, translate(err)
	}
	reg.Postcode, err = tally.ParsePostcode(postcode)
	return reg, account, err == nil, err
}

// PendingRegistration returns the registration waiting for the link whose
// token has digest, and whether its email has gained an account since (the
// link can then only point to signing in), or tally.ErrNotFound when the
// link is unknown, used or expired.
func (s *Store) PendingRegistration(ctx context.Context, digest []byte) (_ Registration, account bool, err error) {
	defer derrors.Wrap(&err, "Store.PendingRegistration()")
	var reg Registration
	var postcode string
	err = s.pool.QueryRow(ctx, `
		SELECT email, name, org_name, coalesce(company_number, ''), postcode, size, vcse,
			EXISTS (SELECT 1 FROM users u WHERE u.email = p.email)
		FROM pending_registrations p WHERE token_hash = $1 AND expires_at > now()`, digest).
		Scan(&reg.Email, &reg.UserName, &reg.Name, &reg.CompanyNumber, &postcode, &reg.Size, &reg.VCSE, &account)
	if err != nil {
		return reg, false, translate(err)
	}
	reg.Postcode, err = tally.ParsePostcode(postcode)
	return reg, account, err
}

// ConfirmRegistration uses the link whose token has digest, once: it
// creates the user (with passwordHash, chosen on the link's page), the
// supplier organisation and the membership from the waiting registration,
// audits it and deletes the registration. It returns tally.ErrNotFound for
// an unknown, used or expired link, tally.ErrConflict when the email has
// gained an account since, and ErrSlugTaken when another organisation
// took the same URL name at the same moment; in both those cases nothing
// changes and the link stays unused.
func (s *Store) ConfirmRegistration(ctx context.Context, digest []byte, passwordHash string) (_ tally.User, _ tally.Org, err error) {
	defer derrors.Wrap(&err, "Store.ConfirmRegistration()")
	var u tally.User
	var o tally.Org
	err = s.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		n := NewSupplier{PasswordHash: passwordHash}
		var postcode string
		err := tx.QueryRow(ctx, `
			DELETE FROM pending_registrations WHERE token_hash = $1 AND expires_at > now()
			RETURNING email, name, org_name, coalesce(company_number, ''), postcode, size, vcse`, digest).
			Scan(&n.Email, &n.UserName, &n.Name, &n.CompanyNumber, &postcode, &n.Size, &n.VCSE)
		if err != nil {
			return err
		}
		if n.Postcode, err = tally.ParsePostcode(postcode); err != nil {
			return err
		}
		u, o, err = createSupplier(ctx, tx, n)
		return err
	})
	switch {
	case conflictOn(err, "users_email_idx"):
		return u, o, tally.ErrConflict
	case conflictOn(err, "organisations_slug_key"):
		return u, o, ErrSlugTaken
	case err != nil && errors.Is(translate(err), tally.ErrConflict):
		// Any other clash is not the account's: say nothing misleading.
		return u, o, err
	}
	return u, o, translate(err)
}
