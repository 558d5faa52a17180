package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// addMember gives email (created if new) role in org, as the owner in the
// organisation's scope.
func addMember(t *testing.T, db *pgtest.DB, email string, org int64, role tally.Role) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := postgres.New(db.Owner).InTx(ctx, tally.Scope{OrgIDs: []int64{org}}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO users (email, name) VALUES ($1, 'Someone') ON CONFLICT (email) DO UPDATE SET name = users.name
			RETURNING id`, email).Scan(&id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)`, id, org, role)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRolesOutsideCountsWhatTheScopeCannotSee(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	person := userID(t, db, "member@a.example")
	addMember(t, db, "member@a.example", b, tally.RoleBuyer)
	store := postgres.New(db.App)
	for _, c := range []struct {
		orgs []int64
		want int
	}{{[]int64{a}, 1}, {[]int64{b}, 1}, {[]int64{a, b}, 0}, {nil, 2}} {
		var n int
		var me int64
		err := store.InTx(ctx, tally.Scope{UserID: 99, OrgIDs: c.orgs}, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT tally_roles_outside($1)`, person).Scan(&n); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT tally_user_id()`).Scan(&me)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != c.want || me != 99 {
			t.Errorf("scope %v: %d roles outside (want %d); the user id after is %d (want 99)", c.orgs, n, c.want, me)
		}
	}
}

func TestDisableAccount(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	boss := addMember(t, db, "boss@a.example", a, tally.RoleAdmin)
	person := userID(t, db, "member@a.example")
	scope := tally.Scope{UserID: boss, OrgIDs: []int64{a}, PartnerIDs: []int64{a}, Roles: []tally.Role{tally.RoleAdmin}}

	// Two sessions of the person, one of someone else.
	for _, s := range []struct {
		token string
		user  int64
	}{{"one", person}, {"two", person}, {"boss", boss}} {
		if _, err := db.App.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, '\x01', now() + interval '1 hour')`, s.token); err != nil {
			t.Fatal(err)
		}
		if err := store.ClaimSession(ctx, s.token, s.user, "Firefox"); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.AccountStatus(ctx, scope, a, person)
	if err != nil || st.Sessions != 2 || st.Disabled || st.LastSignIn.IsZero() || st.RolesOutside != 0 {
		t.Fatalf("before: %+v, %v", st, err)
	}

	var fe tally.FormErrors
	if err := store.DisableAccount(ctx, scope, a, boss); !errors.As(err, &fe) {
		t.Errorf("disable oneself: %v", err)
	}
	if err := store.DisableAccount(ctx, scope, a, userID(t, db, "member@b.example")); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("disable another organisation's member: %v", err)
	}
	if err := store.DisableAccount(ctx, tally.Scope{UserID: boss, OrgIDs: []int64{a}, Roles: []tally.Role{tally.RoleBuyer}}, a, person); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("disable as a buyer: %v", err)
	}
	outside := addMember(t, db, "both@a.example", a, tally.RoleBuyer)
	addMember(t, db, "both@a.example", b, tally.RoleBuyer)
	if err := store.DisableAccount(ctx, scope, a, outside); !errors.As(err, &fe) || fe["account"] == "" {
		t.Errorf("disable a person with roles outside the scope: %v", err)
	}

	if err := store.DisableAccount(ctx, scope, a, person); err != nil {
		t.Fatal(err)
	}
	st, err = store.AccountStatus(ctx, scope, a, person)
	if err != nil || !st.Disabled || st.DisabledBy != "Someone" || st.Sessions != 0 {
		t.Errorf("after: %+v, %v", st, err)
	}
	u, err := store.User(ctx, person)
	if err != nil || !u.Disabled || u.SessionEpoch != 1 {
		t.Errorf("the user after: %+v, %v", u, err)
	}
	if list, err := store.Sessions(ctx, boss); err != nil || len(list) != 1 {
		t.Errorf("someone else's sessions: %v, %v", list, err)
	}
	// The invitation the person sent, in a, is revoked; b's is not.
	var pending []string
	err = store.InTx(ctx, tally.Scope{OrgIDs: []int64{a, b}}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT email FROM invitations WHERE revoked_at IS NULL ORDER BY email`)
		if err != nil {
			return err
		}
		pending, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil || len(pending) != 1 || pending[0] != "invited@b.example" {
		t.Errorf("pending invitations: %v, %v", pending, err)
	}
	if err := store.DisableAccount(ctx, scope, a, person); !errors.As(err, &fe) {
		t.Errorf("disable twice: %v", err)
	}

	if err := store.EnableAccount(ctx, scope, a, person); err != nil {
		t.Fatal(err)
	}
	if u, _ := store.User(ctx, person); u.Disabled {
		t.Error("still disabled")
	}
	if err := store.EnableAccount(ctx, scope, a, person); !errors.As(err, &fe) {
		t.Errorf("enable twice: %v", err)
	}
}

func TestSessionsAreListedAndEnded(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	person, other := userID(t, db, "member@a.example"), userID(t, db, "member@b.example")
	if err := store.ClaimSession(ctx, "missing", person, "Firefox"); err == nil {
		t.Error("claimed a session that was never saved")
	}
	if _, err := db.App.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ('mine', '\x01', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	if err := store.ClaimSession(ctx, "mine", person, "Safari"); err != nil {
		t.Fatal(err)
	}
	// Saving the session (as scs does) moves "last active".
	if _, err := db.Owner.Exec(ctx, `UPDATE sessions SET seen_at = now() - interval '1 day' WHERE token = 'mine'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.App.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ('mine', '\x02', now() + interval '1 hour')
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`); err != nil {
		t.Fatal(err)
	}
	list, err := store.Sessions(ctx, person)
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions: %v, %v", list, err)
	}
	sum := sha256.Sum256([]byte("mine"))
	if s := list[0]; s.ID != hex.EncodeToString(sum[:]) || s.UserAgent != "Safari" || s.Seen.Before(s.SignedIn) {
		t.Errorf("session: %+v", s)
	}
	if err := store.EndSession(ctx, other, list[0].ID); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("someone else ends it: %v", err)
	}
	if err := store.EndSession(ctx, person, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := store.EndSession(ctx, person, list[0].ID); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("ended twice: %v", err)
	}
}
