package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// retryAfterUnavailable is the Retry-After, in seconds, of a 503 sent
// while the database cannot be reached: long enough not to hammer a
// database coming back, short enough that people get back in soon after.
const retryAfterUnavailable = "5"

var errUnavailable = &httpError{http.StatusServiceUnavailable, "Sorry, the service is unavailable",
	"Try again in a few minutes. If you were saving something, check whether it was saved before you enter it again."}

// isUnavailable reports whether err means the database could not be
// reached or did not answer in time, rather than that the request or the
// code was wrong: such a request may well succeed when tried again, so it
// answers 503, not 500.
//
// It is true for a failure to connect (including a pool that cannot open
// a connection), a connection lost or closed mid-query, a network error,
// a timeout (a context deadline, a statement or lock timeout, a
// cancelled query), and for the server's own refusals while it starts,
// stops or recovers: SQLSTATE class 08 (connection exception), 57P01
// (admin_shutdown), 57P02 (crash_shutdown), 57P03 (cannot_connect_now),
// 53300 (too_many_connections), 57014 (query_canceled) and 55P03
// (lock_not_available). Any other server error (a constraint, a bug in a
// query) is not: it would fail again.
func isUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch code := pgErr.Code; {
		case strings.HasPrefix(code, "08"),
			code == "57P01", code == "57P02", code == "57P03",
			code == "53300", code == "57014", code == "55P03":
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// pgconn's own errors for a connection that failed while sending or
	// receiving (its error types are unexported; each says whether a
	// retry is safe, and only they do).
	var transport interface{ SafeToRetry() bool }
	if errors.As(err, &transport) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}
