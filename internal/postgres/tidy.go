package postgres

import (
	"context"
	"time"

	"github.com/tally-sv/tally/internal/derrors"
)

// AttemptsKept is how long a counted attempt (a failed sign-in, a reset
// asked for) is kept: longer than any limit's window, the longest of which
// is a day.
const AttemptsKept = 7 * 24 * time.Hour

// Tidied counts the rows one Tidy deleted.
type Tidied struct {
	Attempts, SignInLinks, Registrations int64
}

// Tidy deletes what is kept only for a while: attempts older than
// AttemptsKept, and sign-in links and pending registrations expired for a
// day or more (a day, so that someone who clicks an old link is still told
// it expired rather than that it never worked).
func (s *Store) Tidy(ctx context.Context) (_ Tidied, err error) {
	defer derrors.Wrap(&err, "Store.Tidy")
	var t Tidied
	tag, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE at < now() - make_interval(secs => $1)`, AttemptsKept.Seconds())
	if err != nil {
		return t, err
	}
	t.Attempts = tag.RowsAffected()
	if tag, err = s.pool.Exec(ctx, `DELETE FROM sign_in_links WHERE expires_at < now() - interval '1 day'`); err != nil {
		return t, err
	}
	t.SignInLinks = tag.RowsAffected()
	if tag, err = s.pool.Exec(ctx, `DELETE FROM pending_registrations WHERE expires_at < now() - interval '1 day'`); err != nil {
		return t, err
	}
	t.Registrations = tag.RowsAffected()
	return t, nil
}
