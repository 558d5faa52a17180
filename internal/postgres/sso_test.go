package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// Single sign-on settings stay in their organisation; a domain belongs to
// one organisation; before sign-in a domain finds its organisation and
// nothing more.
func TestSSOSettingsStayInTheirOrganisation(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	admin := func(org int64) tally.Scope {
		return tally.Scope{UserID: userID(t, db, "member@a.example"), OrgIDs: []int64{org}, Roles: []tally.Role{tally.RoleAdmin}}
	}
	stA := tally.SSOSettings{OrgID: a, Issuer: "https://login.a.example", ClientID: "a-client", SecretSealed: []byte("sealed-a"),
		Domains: []string{"a.example", "schools.a.example"}, Required: true}
	if err := store.SaveSSOSettings(ctx, admin(a), stA); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SSOSettings(ctx, admin(b), a); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("A's settings in B's scope: %v, want not found", err)
	}
	err := store.InTx(ctx, admin(b), func(tx pgx.Tx) error {
		for _, table := range []string{"sso_settings", "sso_domains"} {
			if n := count(t, ctx, tx, table); n != 0 {
				t.Errorf("B sees %d rows of %s", n, table)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// B may not take A's domain; nothing of B's is written.
	stB := tally.SSOSettings{OrgID: b, Issuer: "https://login.b.example", ClientID: "b", SecretSealed: []byte("sealed-b"),
		Domains: []string{"b.example", "schools.a.example"}}
	var taken *postgres.DomainsTakenError
	if err := store.SaveSSOSettings(ctx, admin(b), stB); !errors.As(err, &taken) || !slices.Equal(taken.Domains, []string{"schools.a.example"}) || !errors.Is(err, tally.ErrConflict) {
		t.Errorf("B taking A's domain: %v", err)
	}
	if _, err := store.SSOSettings(ctx, admin(b), b); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("B's refused settings were saved: %v", err)
	}
	// Nor write A's row from B's scope.
	stB.OrgID = a
	if err := store.SaveSSOSettings(ctx, admin(b), stB); err == nil {
		t.Error("B saved A's settings")
	}

	// Keeping the secret: nil leaves it as it was.
	stA.SecretSealed, stA.Domains, stA.Required = nil, []string{"a.example"}, false
	if err := store.SaveSSOSettings(ctx, admin(a), stA); err != nil {
		t.Fatal(err)
	}
	got, err := store.SSOForDomain(ctx, "A.example")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.SecretSealed) != "sealed-a" || got.Required || !slices.Equal(got.Domains, []string{"a.example"}) || got.OrgID != a {
		t.Errorf("after a save keeping the secret: %+v", got)
	}
	if _, err := store.SSOForDomain(ctx, "schools.a.example"); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("a removed domain: %v, want not found", err)
	}
	// A new organisation without a secret cannot be saved.
	if err := store.SaveSSOSettings(ctx, admin(b), tally.SSOSettings{OrgID: b, Issuer: "https://x.example", ClientID: "x", Domains: []string{"b.example"}}); err == nil {
		t.Error("settings without a secret were saved")
	}
	if req, err := store.SSORequired(ctx, "someone@a.example"); err != nil || req {
		t.Errorf("required: %t %v", req, err)
	}
	if actions := auditOf(t, db, a); !slices.Equal(actions, []string{"test.setup", "sso.update", "sso.update"}) {
		t.Errorf("audit of A: %v", actions)
	}
}

func auditOf(t *testing.T, db *pgtest.DB, org int64) []string {
	t.Helper()
	var out []string
	err := postgres.New(db.App).InTx(context.Background(), tally.Scope{OrgIDs: []int64{org}}, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT action FROM audit_log WHERE org_id = $1 ORDER BY seq`, org)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A verified email finds its account and accepts its invitations to the
// organisation, and only that organisation's.
func TestSSOAccountAcceptsInvitations(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	if _, err := store.SSOAccount(ctx, a, "invited@a.example"); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("no account: %v, want not found", err)
	}
	if _, err := store.CreateUser(ctx, "invited@a.example", "Invited", ""); err != nil {
		t.Fatal(err)
	}
	// Its invitation is to A: it joins nothing in B.
	m, err := store.SSOAccount(ctx, b, "invited@a.example")
	if err != nil || m.Member || len(m.Joined) != 0 {
		t.Errorf("in B: %+v %v", m, err)
	}
	m, err = store.SSOAccount(ctx, a, "Invited@A.example")
	if err != nil || !m.Member || len(m.Joined) != 1 || !slices.Equal(m.Joined[0], []tally.Role{tally.RoleBuyer}) {
		t.Errorf("in A: %+v %v", m, err)
	}
	ms, err := store.Memberships(ctx, m.User.ID)
	if err != nil || len(ms) != 1 || ms[0].Org.ID != a {
		t.Errorf("memberships: %+v %v", ms, err)
	}
	if m, err := store.SSOAccount(ctx, a, "member@a.example"); err != nil || !m.Member || len(m.Joined) != 0 {
		t.Errorf("a member: %+v %v", m, err)
	}
}

func TestRemoveSSOSettings(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	admin := func(org int64) tally.Scope {
		return tally.Scope{UserID: userID(t, db, "member@a.example"), OrgIDs: []int64{org}, Roles: []tally.Role{tally.RoleAdmin}}
	}
	st := tally.SSOSettings{OrgID: a, Issuer: "https://login.a.example", ClientID: "a", SecretSealed: []byte("s"), Domains: []string{"a.example"}}
	if err := store.SaveSSOSettings(ctx, admin(a), st); err != nil {
		t.Fatal(err)
	}
	if err := store.RemoveSSOSettings(ctx, admin(b), a); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("removing A's from B's scope: %v, want not found", err)
	}
	if err := store.RemoveSSOSettings(ctx, tally.Scope{OrgIDs: []int64{a}, Roles: []tally.Role{tally.RoleBuyer}}, a); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("removing as a buyer: %v, want not found", err)
	}
	if err := store.RemoveSSOSettings(ctx, admin(a), a); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SSOForDomain(ctx, "a.example"); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("after removing: %v", err)
	}
	// The domain is free for another organisation.
	st.OrgID = b
	if err := store.SaveSSOSettings(ctx, admin(b), st); err != nil {
		t.Errorf("B taking the freed domain: %v", err)
	}
	if actions := auditOf(t, db, a); !slices.Equal(actions, []string{"test.setup", "sso.update", "sso.remove"}) {
		t.Errorf("audit of A: %v", actions)
	}
}
