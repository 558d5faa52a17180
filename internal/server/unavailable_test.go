package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	// A real failure to connect: nothing listens on a port just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, connectErr := pgconn.Connect(ctx, "postgres://tally_app@"+addr+"/tally?sslmode=disable&connect_timeout=2")
	if connectErr == nil {
		t.Fatal("connected to a closed port")
	}
	store := func(err error) (out error) { // as a store method wraps its errors
		defer derrors.Wrap(&out, "Store.Thing(%d)", 7)
		return err
	}

	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"connect refused", store(connectErr), true},
		{"admin shutdown", store(&pgconn.PgError{Code: "57P01"}), true},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, true},
		{"deadline", store(fmt.Errorf("query: %w", context.DeadlineExceeded)), true},
		{"conn closed", store(pgconn.ErrConnClosed), true},
		{"network", store(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}), true},

		{"nil", nil, false},
		{"unique violation", store(&pgconn.PgError{Code: "23505"}), false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"not found", store(tally.ErrNotFound), false},
		{"plain", errors.New("boom"), false},
		{"client went away", context.Canceled, false},
	} {
		if got := isUnavailable(tt.err); got != tt.want {
			t.Errorf("%s: isUnavailable(%v) = %t, want %t", tt.name, tt.err, got, tt.want)
		}
	}
}
