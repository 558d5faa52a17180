package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/pgtest"
)

// emailsTo are the subjects of the email jobs queued to addr, oldest
// first, whatever their state.
func emailsTo(t *testing.T, db *pgtest.DB, addr string) []string {
	t.Helper()
	rows, err := db.Owner.Query(context.Background(), `
		SELECT args->>'subject' FROM river_job WHERE kind = 'email' AND args->>'to' = $1 ORDER BY id`, addr)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return subjects
}
