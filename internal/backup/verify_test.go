package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A dump of the demo taken by the superuser, in the custom and in the
// plain format, restores and passes, with every row of every table.
func TestVerifyDemoDump(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"custom", "plain"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			db, admin := demoDB(t)
			want := sourceCounts(t, admin)
			file := dump(t, db.AdminURL(), format)
			r, err := Verify(context.Background(), Options{File: file, AdminURL: db.OwnerURL})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if r.Format != format || r.Version != r.Latest || r.AuditEntries == 0 || r.AuditOrgs < 2 {
				t.Errorf("report: format %s, version %d of %d, %d audit entries in %d chains",
					r.Format, r.Version, r.Latest, r.AuditEntries, r.AuditOrgs)
			}
			sameCounts(t, r, want)
		})
	}
}

// A dump taken as tally_backup holds every tenant's rows: row-level
// security, FORCEd on the tenant tables, hid none of them.
func TestVerifyDumpAsBackupRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, admin := demoDB(t)
	want := sourceCounts(t, admin)
	var partners int
	if err := admin.QueryRow(ctx, `SELECT count(DISTINCT partner_id) FROM tenders`).Scan(&partners); err != nil {
		t.Fatal(err)
	}
	if partners < 2 || want["tenders"] == 0 || want["offers"] == 0 {
		t.Fatalf("the demo should hold several partners' tenders and offers: %d partners, %v", partners, want)
	}
	file := dump(t, backupURL(t, db, admin), "custom")
	r, err := Verify(ctx, Options{File: file, AdminURL: db.OwnerURL})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	sameCounts(t, r, want)
	if r.AuditOrgs < partners {
		t.Errorf("checked %d audit chains, want at least one per partner (%d)", r.AuditOrgs, partners)
	}
}

// tally_backup reads everything and changes nothing: tenant tables, the
// audit log, River's tables and sequences, and the schema.
func TestBackupRoleWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, admin := demoDB(t)
	conn, err := pgx.Connect(ctx, backupURL(t, db, admin))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	var asBackup, asAdmin int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM offers`).Scan(&asBackup); err != nil {
		t.Fatalf("read offers as tally_backup: %v", err)
	}
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM offers`).Scan(&asAdmin); err != nil {
		t.Fatal(err)
	}
	if asBackup != asAdmin || asBackup == 0 {
		t.Errorf("tally_backup sees %d offers, the superuser %d", asBackup, asAdmin)
	}

	for _, q := range []string{
		`INSERT INTO organisations (kind, slug, name) VALUES ('partner', 'intruder', 'Intruder')`,
		`UPDATE tenders SET title = 'changed'`,
		`DELETE FROM offers`,
		`DELETE FROM audit_log`,
		`UPDATE users SET password_hash = ''`,
		`INSERT INTO river_job (kind, args, max_attempts) VALUES ('x', '{}', 1)`,
		`DELETE FROM river_migration`,
		`SELECT nextval('river_job_id_seq')`,
		`SELECT setval('river_job_id_seq', 1)`,
		`TRUNCATE sessions`,
		`CREATE TABLE public.backdoor (id int)`,
		`ALTER TABLE tenders DISABLE ROW LEVEL SECURITY`,
	} {
		_, err := conn.Exec(ctx, q)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as tally_backup: %v, want permission denied", q, err)
		}
	}
}

// Breaking an audit entry in the source makes the dump fail, naming the
// organisation and the entry.
func TestVerifyTamperedAuditLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, admin := demoDB(t)
	var org int64
	if err := admin.QueryRow(ctx, `SELECT org_id FROM audit_log GROUP BY org_id HAVING count(*) >= 3 ORDER BY org_id LIMIT 1`).Scan(&org); err != nil {
		t.Fatal(err)
	}
	_, err := admin.Exec(ctx, `
		BEGIN;
		ALTER TABLE audit_log DISABLE TRIGGER audit_append_only;
		UPDATE audit_log SET subject = 'tampered' WHERE org_id = `+strconv.FormatInt(org, 10)+` AND seq = 2;
		ALTER TABLE audit_log ENABLE TRIGGER audit_append_only;
		COMMIT;`)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(ctx, Options{File: dump(t, db.AdminURL(), "custom"), AdminURL: db.OwnerURL})
	if !errors.Is(err, ErrProblems) {
		t.Fatalf("verify: %v, want ErrProblems", err)
	}
	if r.BrokenChains[org] != 2 || len(r.BrokenChains) != 1 {
		t.Errorf("broken chains %v, want organisation %d at entry 2", r.BrokenChains, org)
	}
	if !strings.Contains(err.Error(), "audit chain breaks at entry 2") {
		t.Errorf("message %q does not say where the chain breaks", err)
	}
}

// A dump of a schema older than this release fails, saying so.
func TestVerifySchemaBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, admin := demoDB(t)
	if _, err := admin.Exec(ctx, `UPDATE schema_migrations SET version = version - 1`); err != nil {
		t.Fatal(err)
	}
	_, err := Verify(ctx, Options{File: dump(t, db.AdminURL(), "custom"), AdminURL: db.OwnerURL})
	if !errors.Is(err, ErrProblems) || !strings.Contains(err.Error(), "behind this release") {
		t.Fatalf("verify: %v, want the schema behind", err)
	}
}

// A file cut short fails to restore, in either format, and leaves no
// scratch database behind.
func TestVerifyTruncatedDump(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, admin := demoDB(t)
	var scratch []string
	for _, format := range []string{"custom", "plain"} {
		whole, err := os.ReadFile(dump(t, db.AdminURL(), format))
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut."+format)
		if err := os.WriteFile(cut, whole[:len(whole)*2/3], 0o600); err != nil {
			t.Fatal(err)
		}
		name := "tally_verify_test_" + randomHex(6)
		scratch = append(scratch, name)
		r, err := Verify(ctx, Options{File: cut, AdminURL: db.OwnerURL, scratch: name})
		if err == nil || errors.Is(err, ErrProblems) || r != nil {
			t.Errorf("%s cut short: %v, want a failed restore", format, err)
		} else {
			t.Logf("%s cut short: %v", format, err)
		}
	}
	if _, err := Verify(ctx, Options{File: filepath.Join(t.TempDir(), "missing"), AdminURL: db.OwnerURL}); err == nil {
		t.Error("a missing file verified")
	}
	var left int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = ANY ($1)`, scratch).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d scratch databases left behind", left)
	}
}
