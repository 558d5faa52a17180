package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
)

// Abuse limits (issue 16). An attempt (a sign-in, a request for an emailed
// link, an invitation) is a row per key in login_failures; a limit is
// reached when its key has Max rows within its Window. Rows older than a
// key's window are deleted whenever that key is counted again.

// Limit allows at most Max attempts under Key within Window. Name says
// which limit it is in logs ("account and address", "address", ...).
type Limit struct {
	Name   string
	Key    string
	Max    int
	Window time.Duration
}

// Attempt is what TakeAttempt did: counted one attempt against every
// limit, at At, or refused it because Limit was reached.
type Attempt struct {
	At      time.Time
	Refused bool
	Limit   Limit // the limit reached, when Refused
}

// TakeAttempt counts one attempt against each of limits, unless one of
// them is reached already: then it counts nothing and reports the first
// limit reached. The check and the count happen together under a lock
// per key, so a burst of concurrent requests cannot all slip under a
// limit before any of them is counted.
func (s *Store) TakeAttempt(ctx context.Context, limits ...Limit) (_ Attempt, err error) {
	defer derrors.Wrap(&err, "Store.TakeAttempt()")
	keys := make([]string, len(limits))
	secs := make([]float64, len(limits))
	for i, l := range limits {
		keys[i], secs[i] = l.Key, l.Window.Seconds()
	}
	var a Attempt
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Locks taken in one order (by hash) cannot deadlock; each lasts
		// until the transaction ends.
		if _, err := tx.Exec(ctx, `
			SELECT pg_advisory_xact_lock(h) FROM (
				SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) k ORDER BY 1) l`, keys); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT (SELECT count(*) FROM login_failures f WHERE f.key = l.key AND f.at > now() - make_interval(secs => l.secs))
			FROM unnest($1::text[], $2::float8[]) WITH ORDINALITY l(key, secs, i) ORDER BY l.i`, keys, secs)
		if err != nil {
			return err
		}
		counts, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return err
		}
		for i, n := range counts {
			if n >= limits[i].Max {
				a = Attempt{Refused: true, Limit: limits[i]}
				return nil
			}
		}
		if err := tx.QueryRow(ctx, `
			WITH ins AS (INSERT INTO login_failures (key) SELECT unnest($1::text[]) RETURNING at)
			SELECT coalesce(max(at), now()) FROM ins`, keys).Scan(&a.At); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			DELETE FROM login_failures f USING unnest($1::text[], $2::float8[]) l(key, secs)
			WHERE f.key = l.key AND f.at < now() - make_interval(secs => l.secs)`, keys, secs)
		return err
	})
	return a, err
}

// RefundAttempt takes back an attempt counted at at under each of keys,
// for an attempt that turned out to be legitimate (the right password).
func (s *Store) RefundAttempt(ctx context.Context, at time.Time, keys ...string) (err error) {
	defer derrors.Wrap(&err, "Store.RefundAttempt()")
	_, err = s.pool.Exec(ctx, `DELETE FROM login_failures WHERE key = ANY ($1) AND at = $2`, keys, at)
	return err
}
