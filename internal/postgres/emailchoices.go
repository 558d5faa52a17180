package postgres

import (
	"context"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// EmailChoices returns the emails user userID has chosen to receive among
// those a person may turn off. It returns tally.ErrNotFound when there is
// no such user.
func (s *Store) EmailChoices(ctx context.Context, userID int64) (_ tally.EmailChoices, err error) {
	defer derrors.Wrap(&err, "Store.EmailChoices(%d)", userID)
	var c tally.EmailChoices
	err = s.pool.QueryRow(ctx, `SELECT email_reminders, email_digest FROM users WHERE id = $1`, userID).Scan(&c.Reminders, &c.Digest)
	return c, translate(err)
}

// SetEmailChoices saves user userID's choice of emails. It returns
// tally.ErrNotFound when there is no such user.
func (s *Store) SetEmailChoices(ctx context.Context, userID int64, c tally.EmailChoices) (err error) {
	defer derrors.Wrap(&err, "Store.SetEmailChoices(%d)", userID)
	tag, err := s.pool.Exec(ctx, `UPDATE users SET email_reminders = $2, email_digest = $3 WHERE id = $1`, userID, c.Reminders, c.Digest)
	if err == nil && tag.RowsAffected() == 0 {
		return tally.ErrNotFound
	}
	return translate(err)
}
