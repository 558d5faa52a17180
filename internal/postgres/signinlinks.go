package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/tally"
)

// Emailed one-time sign-in links (issue 16). Only the SHA-256 digest of a
// link's token is stored, as for password resets.

// RequestSignInLink queues an email with a sign-in link, leading to next
// (a local path), to email. It takes the same path whether or not the
// address has an account: the worker makes the link (StartSignInLink)
// when there is one.
func (s *Store) RequestSignInLink(ctx context.Context, email, next string) (err error) {
	defer derrors.Wrap(&err, "Store.RequestSignInLink()")
	_, err = s.jobs.Insert(ctx, jobs.SignInLink{Email: strings.ToLower(email), Next: next}, nil)
	return err
}

// StartSignInLink records a sign-in link for the account with email: the
// digest of its token, where it leads (next, a local path) and when it
// expires. It reports whether there was an account. The worker calls it,
// never a request. Earlier links still work until they expire, so asking
// again never takes away a link already in the mailbox.
func (s *Store) StartSignInLink(ctx context.Context, email string, digest []byte, next string, expires time.Time) (_ tally.User, _ bool, err error) {
	defer derrors.Wrap(&err, "Store.StartSignInLink()")
	var u tally.User
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			WITH u AS (SELECT id, email, name FROM users WHERE email = lower($1))
			INSERT INTO sign_in_links (token_hash, user_id, next, expires_at)
			SELECT $2, id, $3, $4 FROM u RETURNING user_id, (SELECT email FROM u), (SELECT name FROM u)`,
			email, digest, next, expires).Scan(&u.ID, &u.Email, &u.Name)
		if err != nil {
			return err
		}
		// Dead links are of no further use: the table keeps only live ones
		// and the recent past.
		_, err = tx.Exec(ctx, `
			DELETE FROM sign_in_links WHERE user_id = $1 AND expires_at < now() - interval '1 day'`, u.ID)
		return err
	})
	if err == pgx.ErrNoRows {
		return u, false, nil
	}
	return u, err == nil, translate(err)
}

// SignInLinkEmail is the email address of the account a live sign-in link
// signs in to, or tally.ErrNotFound for a used, expired or unknown link.
func (s *Store) SignInLinkEmail(ctx context.Context, digest []byte) (_ string, err error) {
	defer derrors.Wrap(&err, "Store.SignInLinkEmail()")
	var email string
	err = s.pool.QueryRow(ctx, `
		SELECT u.email FROM sign_in_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()`, digest).Scan(&email)
	return email, translate(err)
}

// UseSignInLink uses a sign-in link once and returns its account and where
// it leads. Every other outstanding link of the account dies with it. It
// returns tally.ErrNotFound for a used, expired or unknown link.
func (s *Store) UseSignInLink(ctx context.Context, digest []byte) (_ tally.User, next string, err error) {
	defer derrors.Wrap(&err, "Store.UseSignInLink()")
	var u tally.User
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE sign_in_links SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id, next`, digest).Scan(&u.ID, &next)
		if err != nil {
			return err
		}
		if err := endSignInLinks(ctx, tx, u.ID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT email, name, session_epoch FROM users WHERE id = $1`, u.ID).
			Scan(&u.Email, &u.Name, &u.SessionEpoch)
	})
	return u, next, translate(err)
}

// endSignInLinks stops every outstanding sign-in link of a user working:
// after one is used, and when the password changes or the person signs out
// everywhere.
func endSignInLinks(ctx context.Context, tx pgx.Tx, userID int64) error {
	_, err := tx.Exec(ctx, `UPDATE sign_in_links SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID)
	return err
}
