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

// globalTables hold no tenant data and need no row-level security. A new
// table must be added here on purpose, or it must have RLS.
var globalTables = []string{
	"organisations", "users", "sessions", "schema_migrations",
	"password_resets", "login_failures", "sign_in_links",
	// A person's own 2-step verification (key sealed by the app, digests
	// of recovery codes): no organisation's data, reached by user id.
	"user_totp", "recovery_codes",
	// Registrations waiting for their emailed link: no organisation
	// exists yet, and they are reached by token, like password_resets.
	"pending_registrations",
	"editions", "measures", // catalogue: reference tables, no tenant data
	// River's job queue. Email jobs do hold what the email says; only the
	// workers read them, and the one page that lists them (Messages not
	// delivered) is for administrators and filters by the organisation in
	// the job (postgres.UndeliveredEmails, tested for it).
	"river_job", "river_leader", "river_migration", "river_notification", "river_queue",
}

// twoPartners makes partners A and B with settings, an audit entry, a
// member (member@a.example, member@b.example) and an invitation each.
func twoPartners(t *testing.T, db *pgtest.DB) (a, b int64) {
	t.Helper()
	ctx := context.Background()
	err := db.Owner.QueryRow(ctx, `
		INSERT INTO organisations (kind, slug, name) VALUES ('partner', 'a', 'A'), ('partner', 'b', 'B')
		RETURNING id`).Scan(&a)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Owner.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = 'b'`).Scan(&b); err != nil {
		t.Fatal(err)
	}
	owner := postgres.New(db.Owner)
	for _, p := range []int64{a, b} {
		scope := tally.Scope{PartnerIDs: []int64{p}, OrgIDs: []int64{p}, Roles: tally.StaffRoles}
		err := owner.InTx(ctx, scope, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO partner_settings (partner_id) VALUES ($1)`, p); err != nil {
				return err
			}
			var user int64
			err := tx.QueryRow(ctx, `
				INSERT INTO users (email, name) SELECT 'member@' || slug || '.example', 'Member' FROM organisations WHERE id = $1
				RETURNING id`, p).Scan(&user)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'admin')`, user, p); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO invitations (token_hash, org_id, email, role, invited_by, expires_at)
				SELECT sha256(convert_to(slug, 'UTF8')), id, 'invited@' || slug || '.example', 'buyer', $2, now() + interval '1 day'
				FROM organisations WHERE id = $1`, p, user); err != nil {
				return err
			}
			return postgres.AppendAudit(ctx, tx, tally.AuditEntry{OrgID: p, Action: "test.setup"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

// (a) The app role is not a superuser, bypasses nothing and owns nothing.
func TestAppRoleIsPowerless(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	var super, bypass, createRole, createDB bool
	err := db.App.QueryRow(ctx, `
		SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user`).
		Scan(&super, &bypass, &createRole, &createDB)
	if err != nil {
		t.Fatal(err)
	}
	if super || bypass || createRole || createDB {
		t.Errorf("app role: superuser %t, bypassrls %t, createrole %t, createdb %t; want all false", super, bypass, createRole, createDB)
	}
	var owned int
	err = db.App.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)
		     + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
		     + (SELECT count(*) FROM pg_type WHERE typowner = r.oid)
		     + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
		     + (SELECT count(*) FROM pg_database WHERE datdba = r.oid)
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&owned)
	if err != nil {
		t.Fatal(err)
	}
	if owned != 0 {
		t.Errorf("app role owns %d objects, want 0", owned)
	}
}

// (b) Every table is either deliberately global or has RLS enabled and
// forced; every table with a partner_id has RLS. This fails when a future
// migration forgets.
func TestEveryTenantTableHasForcedRLS(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rows, err := db.App.Query(context.Background(), `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'partner_id' AND NOT a.attisdropped)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
		ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	var tables int
	for rows.Next() {
		var name string
		var enabled, forced, hasPartner bool
		if err := rows.Scan(&name, &enabled, &forced, &hasPartner); err != nil {
			t.Fatal(err)
		}
		tables++
		global := slices.Contains(globalTables, name)
		if (!global || hasPartner) && !(enabled && forced) {
			t.Errorf("table %s: RLS enabled %t, forced %t; tenant tables need both (or list it in globalTables if it holds no tenant data)", name, enabled, forced)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if tables < len(globalTables) {
		t.Fatalf("found %d tables; is the schema migrated?", tables)
	}
}

// rlsTables lists the tables under row-level security.
func rlsTables(t *testing.T, db *pgtest.DB) []string {
	t.Helper()
	rows, err := db.App.Query(context.Background(), `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relrowsecurity ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func count(t *testing.T, ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, table string) int {
	t.Helper()
	var n int
	if err := q.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// (c) Without a scope, a transaction sees no tenant rows and cannot insert.
func TestNoScopeSeesNothing(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, _ := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	tables := rlsTables(t, db)
	if len(tables) == 0 {
		t.Fatal("no RLS tables")
	}
	err := store.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		for _, table := range tables {
			if n := count(t, ctx, tx, table); n != 0 {
				t.Errorf("%s: %d rows visible without a scope, want 0", table, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = store.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO audit_log (org_id, action) VALUES ($1, 'x')`, a)
		return err
	})
	if err == nil {
		t.Error("insert into audit_log without a scope succeeded")
	}
	// And outside any transaction helper, straight on the pool.
	for _, table := range tables {
		if n := count(t, ctx, db.App, table); n != 0 {
			t.Errorf("%s: %d rows visible on a bare connection, want 0", table, n)
		}
	}
}

// (d) Partner A's scope cannot read, update or insert partner B's rows.
func TestPartnerCannotReachAnother(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	scopeA := tally.Scope{PartnerIDs: []int64{a}, OrgIDs: []int64{a}, Roles: tally.StaffRoles}

	err := store.InTx(ctx, scopeA, func(tx pgx.Tx) error {
		var ids []int64
		rows, _ := tx.Query(ctx, `SELECT partner_id FROM partner_settings`)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if !slices.Equal(ids, []int64{a}) {
			t.Errorf("partner_settings visible to A: %v, want [%d]", ids, a)
		}
		var audits int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE org_id = $1`, b).Scan(&audits); err != nil {
			return err
		}
		if audits != 0 {
			t.Errorf("A sees %d of B's audit rows", audits)
		}
		tag, err := tx.Exec(ctx, `UPDATE partner_settings SET threshold_pence = 1 WHERE partner_id = $1`, b)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 0 {
			t.Errorf("A updated %d of B's rows", tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO audit_log (org_id, action) VALUES ($1, 'forged')`,
		`UPDATE partner_settings SET partner_id = $1`, // moving A's row to B
	} {
		err := store.InTx(ctx, scopeA, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, q, b)
			return err
		})
		if err == nil {
			t.Errorf("%s as A for B: succeeded, want a row-level security error", q)
		}
	}
	var threshold int64
	err = store.InTx(ctx, tally.Scope{PartnerIDs: []int64{b}}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT threshold_pence FROM partner_settings WHERE partner_id = $1`, b).Scan(&threshold)
	})
	if err != nil || threshold != 5000000 {
		t.Errorf("B's threshold: %d, %v; want 5000000 unchanged", threshold, err)
	}
}

// (e) A scope never outlives its transaction on a pooled connection, even
// after a panic or a cancelled context.
func TestScopeNeverLeaks(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, _ := twoPartners(t, db)
	pool, err := postgres.Open(context.Background(), db.AppURL, 1) // one connection, always reused
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.New(pool)
	scopeA := tally.Scope{PartnerIDs: []int64{a}, OrgIDs: []int64{a}, Roles: tally.StaffRoles}
	ctx := context.Background()

	visible := func() int {
		t.Helper()
		var n int
		err := store.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
			n = count(t, ctx, tx, "partner_settings")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if m := count(t, ctx, pool, "partner_settings"); m != n {
			t.Fatalf("bare connection sees %d rows, scoped-empty transaction %d", m, n)
		}
		return n
	}

	t.Run("after commit", func(t *testing.T) {
		store.InTx(ctx, scopeA, func(tx pgx.Tx) error { return nil })
		if n := visible(); n != 0 {
			t.Errorf("%d rows visible after a scoped commit", n)
		}
	})
	t.Run("after error", func(t *testing.T) {
		store.InTx(ctx, scopeA, func(tx pgx.Tx) error { return errors.New("boom") })
		if n := visible(); n != 0 {
			t.Errorf("%d rows visible after a rolled-back transaction", n)
		}
	})
	t.Run("after panic", func(t *testing.T) {
		func() {
			defer func() { recover() }()
			store.InTx(ctx, scopeA, func(tx pgx.Tx) error { panic("boom") })
		}()
		if n := visible(); n != 0 {
			t.Errorf("%d rows visible after a panic", n)
		}
	})
	t.Run("after cancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		err := store.InTx(cctx, scopeA, func(tx pgx.Tx) error {
			cancel()
			_, err := tx.Exec(cctx, `SELECT pg_sleep(1)`)
			return err
		})
		if err == nil {
			t.Error("cancelled transaction succeeded")
		}
		if n := visible(); n != 0 {
			t.Errorf("%d rows visible after a cancelled transaction", n)
		}
	})
	t.Run("session-level set_config is not used", func(t *testing.T) {
		// Sanity: the scope really was visible inside the transaction.
		var n int
		store.InTx(ctx, scopeA, func(tx pgx.Tx) error { n = count(t, ctx, tx, "partner_settings"); return nil })
		if n != 1 {
			t.Errorf("scope A sees %d rows inside its transaction, want 1", n)
		}
	})
}
