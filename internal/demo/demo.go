// Package demo loads the demo: the shared service and its four partner
// councils, suppliers, accounts, the demo measure edition, and years of
// tenders, offers, contracts and returns. It is deterministic, and it goes
// through the same store code as the product.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// Password is every demo account's password. Demo data only: never in a
// production seed.
const Password = "tally-demo-password"

// Login is a demo account to print at start-up.
type Login struct {
	Email string
	Role  string
}

// Logins are the accounts of SPEC §10.
var Logins = []Login{
	{"director@star.example", "Director, shared service (all four partners)"},
	{"buyer@star.example", "Buyer and evaluator, shared service"},
	{"admin@star.example", "Administrator, shared service"},
	{"contracts@star.example", "Contract manager, shared service"},
	{"buyer@stockport.example", "Buyer and evaluator, Stockport only"},
	{"contracts@trafford.example", "Contract manager, Trafford only"},
	{"director@rochdale.example", "Director, Rochdale only"},
	{"bids@northernbuild.example", "Supplier: local SME"},
	{"bids@nationalfm.example", "Supplier: large, not local"},
	{"bids@communitycare.example", "Supplier: local VCSE"},
}

// Load loads the demo into an empty database through store, which must be
// connected as the owner role. When the demo is there already it changes
// nothing.
func Load(ctx context.Context, store *postgres.Store, out io.Writer) error {
	// The demo's history happened long ago: nobody is told of it now.
	store = store.Untold()
	if _, err := store.OrgBySlug(ctx, "star"); err == nil {
		fmt.Fprintln(out, "tally: the demo data is already loaded")
		return nil
	} else if !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	hash, err := auth.NewHasher(1).Hash(ctx, Password)
	if err != nil {
		return err
	}
	w, err := loadOrganisations(ctx, store, hash)
	if err != nil {
		return fmt.Errorf("demo organisations: %w", err)
	}
	if err := loadMeasures(ctx, store, w); err != nil {
		return fmt.Errorf("demo measures: %w", err)
	}
	if err := loadTenders(ctx, store, w); err != nil {
		return fmt.Errorf("demo tenders: %w", err)
	}
	if err := loadAwards(ctx, store, w); err != nil {
		return fmt.Errorf("demo awards: %w", err)
	}
	if err := loadReturns(ctx, store, w); err != nil {
		return fmt.Errorf("demo returns: %w", err)
	}
	if err := store.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintln(out, "tally: loaded the demo data")
	return nil
}

// PrintLogins writes the demo accounts for the start-up banner.
func PrintLogins(out io.Writer, baseURL string) {
	fmt.Fprintf(out, "\nTally demo at %s\nEvery demo account's password is %q.\n\n", baseURL, Password)
	for _, l := range Logins {
		fmt.Fprintf(out, "  %-30s %s\n", l.Email, l.Role)
	}
	fmt.Fprintln(out)
}
