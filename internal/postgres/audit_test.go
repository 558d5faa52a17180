package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

func TestAuditLogIsAppendOnlyAndChained(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, _ := twoPartners(t, db)
	ctx := context.Background()
	store := postgres.New(db.App)
	scope := tally.Scope{PartnerIDs: []int64{a}, OrgIDs: []int64{a}, Roles: tally.StaffRoles}
	for _, action := range []string{"one", "two", "three"} {
		err := store.InTx(ctx, scope, func(tx pgx.Tx) error {
			return postgres.AppendAudit(ctx, tx, tally.AuditEntry{OrgID: a, Action: action, Detail: map[string]any{"n": action}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	events, err := store.AuditLog(ctx, scope, a, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 4 || events[0].Action != "three" || events[0].Seq != 4 {
		t.Fatalf("events: %+v", events)
	}
	if broken, err := store.VerifyAuditChain(ctx, scope, a); err != nil || broken != 0 {
		t.Fatalf("intact chain: broken at %d, %v", broken, err)
	}

	// The app role can neither change nor remove an entry.
	for _, q := range []string{
		`UPDATE audit_log SET action = 'edited' WHERE org_id = $1`,
		`DELETE FROM audit_log WHERE org_id = $1`,
	} {
		err := store.InTx(ctx, scope, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, q, a); return err })
		if err == nil {
			t.Errorf("%s: succeeded as the app role", q)
		}
	}
	// Nor can the owner, short of disabling the trigger: row-level security
	// has no update or delete policy, and the trigger refuses regardless.
	for _, q := range []string{
		`UPDATE audit_log SET action = 'edited' WHERE org_id = $1`,
		`DELETE FROM audit_log WHERE org_id = $1`,
	} {
		var affected int64
		err := postgres.New(db.Owner).InTx(ctx, scope, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, q, a)
			affected = tag.RowsAffected()
			return err
		})
		if err == nil && affected != 0 {
			t.Errorf("%s: the owner changed %d rows", q, affected)
		}
	}
	if _, err := db.Owner.Exec(ctx, `TRUNCATE audit_log CASCADE`); err == nil {
		t.Error("owner truncated the audit log")
	}
	if after, _ := store.AuditLog(ctx, scope, a, 10, 0); len(after) != 4 || after[0].Action != "three" {
		t.Fatalf("audit log changed: %+v", after)
	}

	// Tampering by someone who can disable triggers shows in the chain.
	admin, err := pgx.Connect(ctx, db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, `
		BEGIN;
		ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;
		UPDATE audit_log SET subject = 'tampered' WHERE seq = 3;
		ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;
		COMMIT;`)
	if err != nil {
		t.Fatal(err)
	}
	if broken, err := store.VerifyAuditChain(ctx, scope, a); err != nil || broken != 3 {
		t.Errorf("tampered chain: broken at %d, %v; want 3", broken, err)
	}
}
