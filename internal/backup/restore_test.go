package backup

import (
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/devdb"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// The restore docs/operations.md gives works: a dump taken as tally_backup,
// restored by the owner role into an empty database it owns, is migrated
// (nothing to do), ready for the server, and the app role reads a tenant's
// rows and an intact audit log there.
func TestRestoreAsOwnerServes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, admin := demoDB(t)
	file := dump(t, backupURL(t, db, admin), "custom")

	name := "test_restore_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" OWNER "+devdb.OwnerRole+" TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	at := func(raw string) *url.URL {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return u
	}
	owner, app := at(db.OwnerURL), at(db.AppURL)

	bin, err := ClientBinDir()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "pg_restore"), "--exit-on-error", "--single-transaction",
		"--dbname="+owner.String(), file).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_restore as the owner: %v\n%s", err, out)
	}
	if err := postgres.Migrate(owner.String()); err != nil {
		t.Fatalf("migrate after the restore: %v", err)
	}

	pool, err := postgres.Open(ctx, app.String(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.Ready(ctx, pool); err != nil {
		t.Errorf("not ready after the restore: %v", err)
	}
	var partner, want int64
	if err := admin.QueryRow(ctx, `SELECT partner_id, count(*) FROM tenders GROUP BY 1 ORDER BY 2 DESC LIMIT 1`).Scan(&partner, &want); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(pool)
	var got int64
	err = store.InTx(ctx, tally.Scope{PartnerIDs: []int64{partner}}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM tenders`).Scan(&got)
	})
	if err != nil || got != want {
		t.Errorf("the app role reads %d of partner %d's tenders after the restore (%v), want %d", got, partner, err, want)
	}
	orgs := []int64{partner}
	if broken, err := store.VerifyAuditChains(ctx, tally.Scope{OrgIDs: orgs}, orgs); err != nil || len(broken) != 0 {
		t.Errorf("audit chain after the restore: %v, %v", broken, err)
	}
}
