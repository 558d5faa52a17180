package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// A store error names the method and its key arguments, once, and still
// matches the sentinel the handlers map to pages.
func TestStoreErrorsNameTheirMethod(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, _ := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	scope := tally.Scope{PartnerIDs: []int64{a}, OrgIDs: []int64{a}, Roles: tally.StaffRoles}

	_, err := store.Tender(ctx, scope, 987654)
	if !errors.Is(err, tally.ErrNotFound) {
		t.Fatalf("missing tender: %v, want tally.ErrNotFound", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "Store.Tender(987654): ") || strings.Count(msg, "Store.") != 1 {
		t.Errorf("missing tender: %q, want it to name Store.Tender(987654) once", msg)
	}
	// A method calling another inside the store still wraps once.
	_, err = store.ExportEdition(ctx, scope, a, 987654)
	if !errors.Is(err, tally.ErrNotFound) || !strings.HasPrefix(err.Error(), "Store.ExportEdition(") ||
		strings.Count(err.Error(), "Store.") != 1 {
		t.Errorf("missing edition: %v", err)
	}
}
