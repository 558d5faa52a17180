package session

import (
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// IdleStore keeps sessions in PostgreSQL (pgxstore) and enforces the idle
// timeout in the stored expiry itself: a session row expires Idle after
// its last save, and Find ignores expired rows. scs's own IdleTimeout
// would save every session on every request, one write per page view;
// instead the session manager runs without it, and the HTTP layer marks
// the session active (a save) at most once a minute, so a session expires
// between Idle−1 min and Idle after its last request.
type IdleStore struct {
	*pgxstore.PostgresStore
	Idle time.Duration // 0 for no idle timeout
}

// NewStore is an IdleStore on pool's sessions table, whose expired rows are
// deleted every ten minutes.
func NewStore(pool *pgxpool.Pool, idle time.Duration) IdleStore {
	return IdleStore{pgxstore.NewWithCleanupInterval(pool, 10*time.Minute), idle}
}

// Commit saves the session, expiring at its absolute deadline or after
// the idle timeout, whichever comes first.
func (s IdleStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.PostgresStore.Commit(token, b, s.expiry(expiry, time.Now()))
}

// expiry is when a session saved at now with the given absolute deadline
// expires.
func (s IdleStore) expiry(deadline, now time.Time) time.Time {
	if idle := now.Add(s.Idle).UTC(); s.Idle > 0 && idle.Before(deadline) {
		return idle
	}
	return deadline
}
