package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// sharedWorld is a shared service with a contract manager, its partner
// with an administrator, and a supplier with its bidder.
type sharedWorld struct {
	shared, partner, supplier int64
	manager, admin, bidder    int64 // user ids
}

func newSharedWorld(t *testing.T, db *pgtest.DB) sharedWorld {
	t.Helper()
	ctx := context.Background()
	var w sharedWorld
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Owner.QueryRow(ctx, `INSERT INTO organisations (kind, slug, name) VALUES ('shared_service', 'ss', 'Shared') RETURNING id`).Scan(&w.shared))
	must(db.Owner.QueryRow(ctx, `INSERT INTO organisations (kind, slug, name, shared_service_id) VALUES ('partner', 'p', 'Partner', $1) RETURNING id`,
		w.shared).Scan(&w.partner))
	must(db.Owner.QueryRow(ctx, `INSERT INTO organisations (kind, slug, name, postcode, size) VALUES ('supplier', 's', 'Supplier', 'SK1 1AA', 'small') RETURNING id`).
		Scan(&w.supplier))
	owner := postgres.New(db.Owner)
	for _, m := range []struct {
		email string
		org   int64
		role  tally.Role
		id    *int64
	}{
		{"manager@ss.example", w.shared, tally.RoleContractManager, &w.manager},
		{"admin@p.example", w.partner, tally.RoleAdmin, &w.admin},
		{"bids@s.example", w.supplier, tally.RoleSupplier, &w.bidder},
	} {
		u, err := owner.CreateUser(ctx, m.email, "Someone", "")
		must(err)
		*m.id = u.ID
		must(owner.AddRole(ctx, tally.Scope{OrgIDs: []int64{m.org}, Roles: []tally.Role{tally.RoleAdmin}}, u.ID, m.org, m.role))
	}
	return w
}

// The reads that cross a scope on purpose reach the organisations they
// name (and their shared service) for that read alone: whom to email at a
// partner from a supplier's action, who acted in a partner's audit trail
// and with which roles.
func TestCrossScopeMemberReadsNameTheirOrganisations(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	w := newSharedWorld(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	supplierScope := tally.Scope{UserID: w.bidder, OrgIDs: []int64{w.supplier}, SupplierID: w.supplier, Roles: []tally.Role{tally.RoleSupplier}}
	partnerScope := tally.Scope{UserID: w.admin, PartnerIDs: []int64{w.partner}, OrgIDs: []int64{w.partner}, Roles: []tally.Role{tally.RoleAdmin}}

	// The widened scope holds the partner's and its shared service's
	// members, and the transaction's own scope comes back after.
	emails := func(tx pgx.Tx) []string {
		return strs(t, ctx, tx, `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id ORDER BY 1`)
	}
	err := store.InTx(ctx, supplierScope, func(tx pgx.Tx) error {
		err := postgres.WithMembersOf(ctx, tx, []int64{w.partner}, func() error {
			if got := emails(tx); !slices.Equal(got, []string{"admin@p.example", "bids@s.example", "manager@ss.example"}) {
				t.Errorf("members of the partner and its shared service (and the bidder's own): %v", got)
			}
			return nil
		})
		if got := emails(tx); !slices.Equal(got, []string{"bids@s.example"}) {
			t.Errorf("after the widened read, the supplier's transaction sees %v, want its own member alone", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// A supplier's action emails the partner's contract managers, who are
	// the shared service's.
	err = store.Tell(ctx, supplierScope, notify.Telling{Orgs: []int64{w.partner}, Owner: w.partner,
		To: notify.Recipients{Partner: w.partner, Role: tally.RoleContractManager}, Notice: notify.Notice{Subject: "A return", Body: "Body"}})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var to []string
	rows, _ := admin.Query(ctx, `SELECT args->>'to' FROM river_job WHERE kind = 'email' ORDER BY 1`)
	if to, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || !slices.Equal(to, []string{"manager@ss.example"}) {
		t.Errorf("emailed: %v, %v; want manager@ss.example", to, err)
	}

	// The shared service's manager acts in the partner: the partner's
	// audit trail names them, with their roles.
	err = postgres.New(db.Owner).InTx(ctx, tally.Scope{OrgIDs: []int64{w.partner}}, func(tx pgx.Tx) error {
		return postgres.AppendAudit(ctx, tx, tally.AuditEntry{OrgID: w.partner, UserID: w.manager, Action: "return.verify"})
	})
	if err != nil {
		t.Fatal(err)
	}
	trail, _, err := store.AuditTrail(ctx, partnerScope, postgres.AuditFilter{OrgIDs: []int64{w.partner}, Limit: 10})
	if err != nil || len(trail) == 0 || trail[0].UserID != w.manager || !slices.Equal(trail[0].Roles, []string{"contract_manager"}) {
		t.Errorf("partner's audit trail: %+v, %v; want the manager's entry first, with their role", trail, err)
	}
	people, err := store.AuditPeople(ctx, partnerScope, []int64{w.partner})
	var names []string
	for _, p := range people {
		names = append(names, p.Email)
	}
	if err != nil || !slices.Equal(names, []string{"admin@p.example", "manager@ss.example"}) {
		t.Errorf("partner's audit people: %v, %v; want its admin and the shared service's manager", names, err)
	}
	// An organisation outside the scope adds nobody.
	if people, err := store.AuditPeople(ctx, partnerScope, []int64{w.supplier}); err != nil || len(people) != 0 {
		t.Errorf("audit people of an organisation outside the scope: %v, %v; want none", people, err)
	}
}
