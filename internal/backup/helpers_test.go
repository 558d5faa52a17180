package backup

import (
	"context"
	"io"
	"net/url"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/devdb"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
)

// demoDB is a fresh copy of the loaded demo and a superuser connection to
// it, which sees every row past row-level security.
func demoDB(t *testing.T) (*pgtest.DB, *pgx.Conn) {
	t.Helper()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	conn, err := pgx.Connect(context.Background(), db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return db, conn
}

var backupRoleOnce sync.Once

// backupURL is a URL for db as tally_backup. The development cluster
// creates the role (devdb); a cluster made otherwise gets it here, as
// README's Deploying section says, and either way it may log in with the
// test cluster's shared password.
func backupURL(t *testing.T, db *pgtest.DB, admin *pgx.Conn) string {
	t.Helper()
	u, err := url.Parse(db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	var setupErr error
	backupRoleOnce.Do(func() {
		ctx := context.Background()
		var exists bool
		if setupErr = admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, devdb.BackupRole).Scan(&exists); setupErr != nil {
			return
		}
		if !exists {
			if _, setupErr = admin.Exec(ctx, `CREATE ROLE tally_backup NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS IN ROLE pg_read_all_data`); setupErr != nil {
				return
			}
		}
		_, setupErr = admin.Exec(ctx, `ALTER ROLE tally_backup LOGIN PASSWORD '`+pw+`'`)
	})
	if setupErr != nil {
		t.Fatalf("set up tally_backup: %v", setupErr)
	}
	u.User = url.UserPassword(devdb.BackupRole, pw)
	return u.String()
}

// dump runs pg_dump against dbURL into a file in the test's folder, in the
// given format (custom or plain), and returns its path.
func dump(t *testing.T, dbURL, format string) string {
	t.Helper()
	bin, err := ClientBinDir()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "tally."+format)
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--format="+format, "--file="+file, dbURL).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	return file
}

// sourceCounts counts every table's rows in the source database as the
// superuser, which row-level security does not limit.
func sourceCounts(t *testing.T, admin *pgx.Conn) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := admin.Query(ctx, `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{n}.Sanitize()).Scan(&c); err != nil {
			t.Fatal(err)
		}
		counts[n] = c
	}
	return counts
}

// sameCounts fails t unless the report counted exactly the source's rows
// in exactly the source's tables.
func sameCounts(t *testing.T, r *Report, want map[string]int64) {
	t.Helper()
	if len(r.Tables) != len(want) {
		t.Errorf("restored %d tables, the source has %d", len(r.Tables), len(want))
	}
	for _, tc := range r.Tables {
		if w, ok := want[tc.Table]; !ok || tc.Rows != w {
			t.Errorf("%s: restored %d rows, the source has %d", tc.Table, tc.Rows, w)
		}
	}
}
