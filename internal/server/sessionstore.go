package server

import (
	"time"

	"github.com/alexedwards/scs/pgxstore"
)

// idleStore keeps sessions in PostgreSQL (pgxstore) and enforces the idle
// timeout in the stored expiry itself: a session row expires idle after
// its last save, and Find ignores expired rows. scs's own IdleTimeout
// would save every session on every request, one write per page view;
// instead the session manager runs without it, and loadUser marks the
// session active (a save) at most once a minute, so a session expires
// between idle−1 min and idle after its last request.
type idleStore struct {
	*pgxstore.PostgresStore
	idle time.Duration
}

// Commit saves the session, expiring at its absolute deadline or after
// the idle timeout, whichever comes first.
func (s idleStore) Commit(token string, b []byte, expiry time.Time) error {
	if idle := time.Now().Add(s.idle).UTC(); s.idle > 0 && idle.Before(expiry) {
		expiry = idle
	}
	return s.PostgresStore.Commit(token, b, expiry)
}
