package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tally-sv/tally/internal/mfa"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// An organisation's rule is read and set in its scope only; a person reads
// the rules of their own organisations; a missing rule asks administrators.
func TestTwoStepRulesAreScoped(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	adminA := tally.Scope{PartnerIDs: []int64{a}, OrgIDs: []int64{a}, Roles: []tally.Role{tally.RoleAdmin}}
	if rule, err := store.TwoStepRule(ctx, adminA, a); err != nil || rule != tally.TwoStepAdministrators {
		t.Fatalf("no rule saved: %q, %v; want administrators", rule, err)
	}
	var memberA, memberB int64
	if err := db.Owner.QueryRow(ctx, `SELECT id FROM users WHERE email = 'member@a.example'`).Scan(&memberA); err != nil {
		t.Fatal(err)
	}
	if err := db.Owner.QueryRow(ctx, `SELECT id FROM users WHERE email = 'member@b.example'`).Scan(&memberB); err != nil {
		t.Fatal(err)
	}
	// Both members are administrators: the default asks them.
	if req, err := store.TwoStepRequired(ctx, memberA); err != nil || !req {
		t.Errorf("administrator under no rule: required %t, %v", req, err)
	}
	if err := store.SetTwoStepRule(ctx, adminA, a, tally.TwoStepNobody); err != nil {
		t.Fatal(err)
	}
	if req, err := store.TwoStepRequired(ctx, memberA); err != nil || req {
		t.Errorf("under nobody: required %t, %v", req, err)
	}
	if req, err := store.TwoStepRequired(ctx, memberB); err != nil || !req {
		t.Errorf("B's administrator after A's change: required %t, %v", req, err)
	}
	// A's administrator cannot set or read B's rule.
	if err := store.SetTwoStepRule(ctx, adminA, b, tally.TwoStepNobody); err == nil {
		t.Error("A set B's rule")
	}
	if err := store.SetTwoStepRule(ctx, tally.Scope{OrgIDs: []int64{a}, Roles: []tally.Role{tally.RoleBuyer}}, a, tally.TwoStepStaff); !errors.Is(err, tally.ErrForbidden) {
		t.Errorf("a buyer set the rule: %v, want ErrForbidden", err)
	}
	if err := store.SetTwoStepRule(ctx, tally.Scope{OrgIDs: []int64{b}, Roles: []tally.Role{tally.RoleAdmin}}, b, tally.TwoStepStaff); err != nil {
		t.Fatal(err)
	}
	if rule, err := store.TwoStepRule(ctx, adminA, b); err != nil || rule != tally.TwoStepAdministrators {
		t.Errorf("B's rule read as A: %q, %v; want the default, not B's", rule, err)
	}
	if n := count(t, ctx, db.App, "second_factor_rules"); n != 0 {
		t.Errorf("%d rules visible without a scope", n)
	}

	// A supplier organisation has no staff: no rule asks anything of its
	// people, whatever their role.
	owner := postgres.New(db.Owner)
	sup, err := owner.CreateOrganisation(ctx, tally.Org{Kind: tally.Supplier, Slug: "sup", Name: "Sup Ltd"},
		&tally.SupplierDetails{Name: "Sup Ltd", Postcode: dbPostcode(t, "M1 1AE"), Size: tally.SizeSmall})
	if err != nil {
		t.Fatal(err)
	}
	u, err := owner.CreateUser(ctx, "owner@sup.example", "Owner", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []tally.Role{tally.RoleSupplier, tally.RoleAdmin} {
		if err := owner.AddRole(ctx, tally.Scope{OrgIDs: []int64{sup.ID}, Roles: []tally.Role{tally.RoleAdmin}}, u.ID, sup.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	if req, err := store.TwoStepRequired(ctx, u.ID); err != nil || req {
		t.Errorf("a supplier organisation's administrator: required %t, %v", req, err)
	}
}

// A code's time step is used once; a recovery code works once; a reset
// needs a member of the organisation and ends their sessions.
func TestTwoStepStore(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	var user int64
	if err := db.Owner.QueryRow(ctx, `SELECT id FROM users WHERE email = 'member@a.example'`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	if _, err := store.TwoStep(ctx, user); !errors.Is(err, tally.ErrNotFound) {
		t.Fatalf("before: %v, want ErrNotFound", err)
	}
	codes, err := mfa.NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	digests := make([][]byte, len(codes))
	for i, c := range codes {
		digests[i] = mfa.HashRecoveryCode(c)
	}
	if err := store.EnableTwoStep(ctx, user, []byte("sealed"), 100, digests); err != nil {
		t.Fatal(err)
	}
	if err := store.EnableTwoStep(ctx, user, []byte("other"), 200, digests); !errors.Is(err, tally.ErrConflict) {
		t.Errorf("enabled twice: %v, want ErrConflict", err)
	}
	for _, tc := range []struct {
		step int64
		ok   bool
	}{{100, false}, {99, false}, {101, true}, {101, false}} {
		err := store.UseTwoStepCode(ctx, user, tc.step)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, tally.ErrConflict)) {
			t.Errorf("use step %d: %v", tc.step, err)
		}
	}
	if err := store.UseRecoveryCode(ctx, user, digests[4]); err != nil {
		t.Fatal(err)
	}
	if err := store.UseRecoveryCode(ctx, user, digests[4]); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("a recovery code twice: %v, want ErrNotFound", err)
	}
	if ts, err := store.TwoStep(ctx, user); err != nil || ts.Recovery != 9 || ts.LastStep != 101 || string(ts.Secret) != "sealed" {
		t.Errorf("after: %+v, %v", ts, err)
	}
	left, err := store.RecoveryCodeDigests(ctx, user)
	if err != nil || len(left) != 9 {
		t.Errorf("digests left: %d, %v", len(left), err)
	}

	// B's administrator cannot reset A's member.
	adminB := tally.Scope{OrgIDs: []int64{b}, PartnerIDs: []int64{b}, Roles: []tally.Role{tally.RoleAdmin}}
	if err := store.ResetTwoStep(ctx, adminB, b, user); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("reset by another organisation: %v, want ErrNotFound", err)
	}
	if err := store.ResetTwoStep(ctx, adminB, a, user); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("reset by another organisation, naming A: %v, want ErrNotFound", err)
	}
	before, err := store.User(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	adminA := tally.Scope{OrgIDs: []int64{a}, PartnerIDs: []int64{a}, Roles: []tally.Role{tally.RoleAdmin}}
	if err := store.ResetTwoStep(ctx, adminA, a, user); err != nil {
		t.Fatal(err)
	}
	if _, err := store.TwoStep(ctx, user); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("after the reset: %v, want ErrNotFound", err)
	}
	if n := count(t, ctx, db.Owner, "recovery_codes"); n != 0 {
		t.Errorf("%d recovery codes left after the reset", n)
	}
	if after, _ := store.User(ctx, user); after.SessionEpoch != before.SessionEpoch+1 {
		t.Errorf("session epoch %d → %d, want it moved on", before.SessionEpoch, after.SessionEpoch)
	}
}
