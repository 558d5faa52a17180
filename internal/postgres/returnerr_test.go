package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tally-sv/tally/internal/tally"
)

// A rule the database enforces on returns that still reaches a store
// method becomes a message on a field, never an unexpected error.
func TestReturnErrSaysWhatTheDatabaseRefused(t *testing.T) {
	for _, tt := range []struct {
		err   error
		field string
	}{
		{&pgconn.PgError{Code: "23514", ConstraintName: "returns_check"}, "attest_contract"},
		{&pgconn.PgError{Code: "23514", ConstraintName: "returns_narrative_check"}, "narrative"},
		{&pgconn.PgError{Code: "23514", ConstraintName: "return_lines_quantity_check"}, "return"},
		{&pgconn.PgError{Code: "23514", ConstraintName: "evidence_size_check"}, "file"},
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "23514", ConstraintName: "something_new"}), "return"},
		{&pgconn.PgError{Code: "22001"}, "return"},
		{&pgconn.PgError{Code: "23502", ColumnName: "narrative"}, "return"},
	} {
		var fe tally.FormErrors
		if err := returnErr(tt.err); !errors.As(err, &fe) || fe[tt.field] == "" {
			t.Errorf("returnErr(%v) = %v, want a message on %s", tt.err, err, tt.field)
		}
	}
	// Everything else translates as before.
	if err := returnErr(pgx.ErrNoRows); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("no rows: %v", err)
	}
	if err := returnErr(&pgconn.PgError{Code: "23505"}); !errors.Is(err, tally.ErrConflict) {
		t.Errorf("unique violation: %v", err)
	}
	if err := returnErr(nil); err != nil {
		t.Errorf("nil: %v", err)
	}
}
