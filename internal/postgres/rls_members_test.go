package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// userID is the id of the user with email, read as the app.
func userID(t *testing.T, db *pgtest.DB, email string) int64 {
	t.Helper()
	var id int64
	if err := db.App.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

// strs runs q in tx and returns its one text column.
func strs(t *testing.T, ctx context.Context, tx pgx.Tx, q string, args ...any) []string {
	t.Helper()
	rows, _ := tx.Query(ctx, q, args...)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// With partner A's scope, none of B's memberships or invitations can be
// read, changed or added, through the store or in SQL.
func TestMembershipsAndInvitationsStayInTheirOrganisation(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	scopeA := tally.Scope{PartnerIDs: []int64{a}, OrgIDs: []int64{a}, Roles: []tally.Role{tally.RoleAdmin}}

	members, err := store.Members(ctx, scopeA, a)
	if err != nil || len(members) != 1 || members[0].Email != "member@a.example" {
		t.Errorf("A's members in A's scope: %v, %v; want member@a.example", members, err)
	}
	if members, err := store.Members(ctx, scopeA, b); err != nil || len(members) != 0 {
		t.Errorf("B's members in A's scope: %v, %v; want none", members, err)
	}
	invs, err := store.PendingInvitations(ctx, scopeA, a)
	if err != nil || len(invs) != 1 || invs[0].Email != "invited@a.example" {
		t.Errorf("A's invitations in A's scope: %v, %v; want invited@a.example", invs, err)
	}
	if invs, err := store.PendingInvitations(ctx, scopeA, b); err != nil || len(invs) != 0 {
		t.Errorf("B's invitations in A's scope: %v, %v; want none", invs, err)
	}

	// In SQL, with no WHERE to help.
	err = store.InTx(ctx, scopeA, func(tx pgx.Tx) error {
		if got := strs(t, ctx, tx, `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id ORDER BY 1`); !slices.Equal(got, []string{"member@a.example"}) {
			t.Errorf("memberships visible to A: %v", got)
		}
		if got := strs(t, ctx, tx, `SELECT email FROM invitations ORDER BY 1`); !slices.Equal(got, []string{"invited@a.example"}) {
			t.Errorf("invitations visible to A: %v", got)
		}
		for _, q := range []string{
			`UPDATE invitations SET revoked_at = now() WHERE org_id = $1`,
			`DELETE FROM memberships WHERE org_id = $1`,
		} {
			tag, err := tx.Exec(ctx, q, b)
			if err != nil {
				return err
			}
			if tag.RowsAffected() != 0 {
				t.Errorf("%s as A for B: %d rows", q, tag.RowsAffected())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	memberB := userID(t, db, "member@b.example")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'admin')`, []any{memberB, b}},
		{`UPDATE memberships SET org_id = $2 WHERE user_id = $1`, []any{userID(t, db, "member@a.example"), b}}, // moving A's member to B
		{`INSERT INTO invitations (token_hash, org_id, email, role, invited_by, expires_at)
			VALUES ('\x00', $2, 'x@b.example', 'admin', $1, now() + interval '1 day')`, []any{memberB, b}},
	} {
		err := store.InTx(ctx, scopeA, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, q.sql, q.args...)
			return err
		})
		if !isRefusal(err) {
			t.Errorf("%s as A for B: %v, want a row-level security refusal", q.sql, err)
		}
	}
	// The store's own change of roles cannot reach B's member either.
	if err := store.SetRoles(ctx, scopeA, b, memberB, nil); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("A removing B's member: %v, want tally.ErrNotFound", err)
	}
	// Nor can a job for A's organisation make a link for B's invitation.
	var invB int64
	err = store.InTx(ctx, tally.Scope{OrgIDs: []int64{b}}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM invitations WHERE org_id = $1`, b).Scan(&invB)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.InvitationLink(ctx, a, invB, 1, digest("stolen")); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("A's job linking B's invitation: %v, want tally.ErrNotFound", err)
	}
	members, err = store.Members(ctx, tally.Scope{OrgIDs: []int64{b}}, b)
	if err != nil || len(members) != 1 {
		t.Errorf("B's members after A's attempts: %v, %v; want its one member", members, err)
	}
}

// A user id alone (signing in, choosing an organisation) reads that
// person's own memberships and no one else's, and adds none.
func TestUserIDAloneSeesOnlyOwnMemberships(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	memberA, memberB := userID(t, db, "member@a.example"), userID(t, db, "member@b.example")

	ms, err := store.Memberships(ctx, memberA)
	if err != nil || len(ms) != 1 || ms[0].Org.ID != a {
		t.Errorf("member@a's memberships: %v, %v; want A alone", ms, err)
	}
	if _, err := store.Access(ctx, memberA, "a"); err != nil {
		t.Errorf("member@a's access to A: %v", err)
	}
	if _, err := store.Access(ctx, memberA, "b"); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("member@a's access to B: %v, want tally.ErrNotFound", err)
	}
	err = store.InTx(ctx, tally.Scope{UserID: memberA}, func(tx pgx.Tx) error {
		if got := strs(t, ctx, tx, `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id`); !slices.Equal(got, []string{"member@a.example"}) {
			t.Errorf("memberships visible to member@a's user id: %v", got)
		}
		if got := strs(t, ctx, tx, `SELECT email FROM invitations`); len(got) != 0 {
			t.Errorf("invitations visible to a user id: %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A user id does not let a person give themselves a role.
	err = store.InTx(ctx, tally.Scope{UserID: memberA}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'admin')`, memberA, b)
		return err
	})
	if !isRefusal(err) {
		t.Errorf("member@a joining B on their user id: %v, want a row-level security refusal", err)
	}
	if ms, err := store.Memberships(ctx, memberB); err != nil || len(ms) != 1 || ms[0].Org.ID != b {
		t.Errorf("member@b's memberships: %v, %v; want B alone", ms, err)
	}
}

// An invitation's token reaches that invitation alone, and a verified
// email address the invitations to it.
func TestInvitationReachedByTokenOrEmailOnly(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, _ := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)

	inv, err := store.InvitationByToken(ctx, digest("a"))
	if err != nil || inv.Org.ID != a || inv.Email != "invited@a.example" {
		t.Errorf("A's invitation by its token: %+v, %v", inv, err)
	}
	if _, err := store.InvitationByToken(ctx, digest("c")); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("an unknown token: %v, want tally.ErrNotFound", err)
	}
	for _, c := range []struct {
		scope tally.Scope
		want  []string
	}{
		{tally.Scope{Invitation: digest("a")}, []string{"invited@a.example"}},
		{tally.Scope{Email: "Invited@B.example"}, []string{"invited@b.example"}},
		// Hex-encoded into the BEGIN: a quote is just a character.
		{tally.Scope{Email: "o'brien@b.example') OR true OR ('"}, nil},
		{tally.Scope{}, nil},
	} {
		err := store.InTx(ctx, c.scope, func(tx pgx.Tx) error {
			if got := strs(t, ctx, tx, `SELECT email FROM invitations ORDER BY 1`); !slices.Equal(got, c.want) {
				t.Errorf("invitations visible to %+v: %v, want %v", c.scope, got, c.want)
			}
			if got := strs(t, ctx, tx, `SELECT user_id::text FROM memberships`); len(got) != 0 {
				t.Errorf("memberships visible to %+v: %v, want none", c.scope, got)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%+v: %v", c.scope, err)
		}
	}
	var email string
	err = store.InTx(ctx, tally.Scope{Email: "o'brien@x.example"}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT tally_email()`).Scan(&email)
	})
	if err != nil || email != "o'brien@x.example" {
		t.Errorf("tally_email() with a quote in the address: %q, %v", email, err)
	}
}

// The app role changes only the columns of users the code changes, and
// deletes no account; of sessions it changes only the data and expiry
// (scs), and whose session it is (Store.ClaimSession).
func TestAppRoleGrantsOnUsersAndSessions(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	twoPartners(t, db)
	ctx := context.Background()
	id := userID(t, db, "member@a.example")
	allowed := []string{
		`UPDATE users SET password_hash = 'x', session_epoch = session_epoch + 1 WHERE id = $1`,
		`UPDATE users SET email_reminders = false, email_digest = false WHERE id = $1`,
		`UPDATE users SET disabled_at = now(), disabled_by = $1, last_sign_in_at = now() WHERE id = $1`,
		`UPDATE sessions SET user_id = $1, user_agent = 'Firefox', signed_in_at = now() WHERE token = 'none'`,
	}
	for _, q := range allowed {
		if _, err := db.App.Exec(ctx, q, id); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	refused := []string{
		`UPDATE users SET email = 'taken@b.example' WHERE id = $1`,
		`UPDATE users SET name = 'Renamed' WHERE id = $1`,
		`UPDATE users SET created_at = now() WHERE id = $1`,
		`DELETE FROM users WHERE id = $1`,
		`UPDATE sessions SET token = 'other' WHERE token = 'none'`,
		`UPDATE sessions SET seen_at = now() WHERE token = 'none'`,
		`TRUNCATE sessions`,
	}
	for _, q := range refused {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, id)
		}
		if _, err := db.App.Exec(ctx, q, args...); !isRefusal(err) {
			t.Errorf("%s: %v, want permission denied", q, err)
		}
	}
	// What scs's pgxstore runs.
	for _, q := range []string{
		`INSERT INTO sessions (token, data, expiry) VALUES ('t', '\x01', now() + interval '1 hour')
		 ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`,
		`INSERT INTO sessions (token, data, expiry) VALUES ('t', '\x02', now() + interval '1 hour')
		 ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`,
		`SELECT data FROM sessions WHERE token = 't' AND current_timestamp < expiry`,
		`DELETE FROM sessions WHERE token = 't'`,
		`DELETE FROM sessions WHERE expiry < current_timestamp`,
	} {
		if _, err := db.App.Exec(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// isRefusal reports whether err is PostgreSQL's insufficient_privilege: a
// missing grant, or a row refused by a policy's WITH CHECK.
func isRefusal(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}
