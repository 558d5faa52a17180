// Package backup checks backups: Verify restores a pg_dump file into a
// scratch database and checks that what came back is a whole Tally
// database whose audit log is intact (`tally backup verify FILE`).
package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// Options says what to verify and where.
type Options struct {
	File string // a pg_dump file (custom, tar or plain format) or directory (directory format)
	// AdminURL is a postgres:// URL of a role that may create databases
	// (CREATEDB or superuser). The scratch database is created on its
	// server, restored into as that role, and always dropped.
	AdminURL string
	BinDir   string // where pg_restore and psql are; "" finds them (see ClientBinDir)
	scratch  string // the scratch database's name; "" makes one up (tests name it to look for it after)
}

// TableCount is the number of rows a restored table holds.
type TableCount struct {
	Table string
	Rows  int64
}

// Report is what Verify found. Problems lists every check that failed; it
// is empty when the backup is good.
type Report struct {
	Format        string       // custom, tar, directory or plain
	Version       int64        // the restored schema's migration version
	Latest        int64        // the newest migration this binary knows
	Tables        []TableCount // every table of the public schema, by name
	AuditOrgs     int          // organisations whose audit chain was checked
	AuditEntries  int64        // entries in the audit log
	BrokenChains  map[int64]int64
	Problems      []string
	ScratchDBName string // the scratch database (dropped when Verify returns)
}

// ErrProblems is returned (wrapped, with the problems) when the backup
// restored but a check failed.
var ErrProblems = errors.New("the backup failed its checks")

// Verify restores o.File into a new scratch database, checks it, and drops
// the database again whatever happened. The checks: the restore itself
// succeeds (pg_restore or psql stops at the first error), the schema is
// clean and not behind this binary's migrations, and every organisation's
// audit hash chain verifies. It counts every table's rows for the report.
//
// The error is non-nil when the file cannot be restored (the report is
// then nil) or, wrapping ErrProblems, when a check failed (the report
// says which).
func Verify(ctx context.Context, o Options) (_ *Report, err error) {
	format, err := detectFormat(o.File)
	if err != nil {
		return nil, err
	}
	bin := o.BinDir
	if bin == "" {
		if bin, err = ClientBinDir(); err != nil {
			return nil, err
		}
	}
	admin, err := url.Parse(o.AdminURL)
	if err != nil || (admin.Scheme != "postgres" && admin.Scheme != "postgresql") {
		return nil, errors.New("the verify URL must be a postgres:// URL of a role that may create databases")
	}
	name := o.scratch
	if name == "" {
		name = "tally_verify_" + randomHex(6)
	}
	if err := createDatabase(ctx, o.AdminURL, name); err != nil {
		return nil, err
	}
	defer func() {
		// A scratch database left behind holds a copy of every tenant's
		// data: say so, whatever else happened.
		if dropErr := dropDatabase(o.AdminURL, name); dropErr != nil {
			err = errors.Join(err, dropErr)
		}
	}()

	scratch := *admin
	scratch.Path = "/" + name
	if err := restore(ctx, bin, format, o.File, &scratch); err != nil {
		return nil, err
	}
	r := &Report{Format: format, ScratchDBName: name}
	if err := check(ctx, scratch.String(), r); err != nil {
		return nil, err
	}
	if len(r.Problems) > 0 {
		return r, fmt.Errorf("%w: %s", ErrProblems, strings.Join(r.Problems, "; "))
	}
	return r, nil
}

func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect with the verify URL: %w", err)
	}
	defer conn.Close(context.Background())
	// name is ours: a fixed prefix and hex digits. template0, as pg_dump's
	// documentation says, so nothing added to template1 clashes.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create the scratch database (the verify URL's role needs CREATEDB): %w", err)
	}
	return nil
}

// dropDatabase runs on its own context: it must happen even when the
// caller's was cancelled (Ctrl-C during a long restore).
func dropDatabase(adminURL, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err == nil {
		defer conn.Close(ctx)
		// A plain DROP first: it cancels an autovacuum worker busy with
		// the freshly restored tables and waits for it, where FORCE would
		// refuse a role that is not a superuser (the worker is not its
		// process). FORCE is for a session still connected.
		if _, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
	}
	if err != nil {
		return fmt.Errorf("drop the scratch database %s (drop it by hand: it holds a copy of the data): %w", name, err)
	}
	return nil
}

// check reads the restored database into r and adds a problem for each
// check that fails. Its error is for a database it could not read at all.
func check(ctx context.Context, scratchURL string, r *Report) error {
	pool, err := pgxpool.New(ctx, scratchURL)
	if err != nil {
		return fmt.Errorf("open the scratch database: %w", err)
	}
	defer pool.Close()

	latest, err := postgres.LatestVersion()
	if err != nil {
		return err
	}
	r.Latest = int64(latest) // #nosec G115 -- migration numbers are six digits
	var dirty bool
	err = pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&r.Version, &dirty)
	if err != nil {
		return fmt.Errorf("read the schema version (is this a dump of Tally's database?): %w", err)
	}
	switch {
	case dirty:
		r.Problems = append(r.Problems, fmt.Sprintf("the schema is marked dirty at version %d: a migration failed part way before the dump was taken", r.Version))
	case r.Version < r.Latest:
		r.Problems = append(r.Problems, fmt.Sprintf("the schema is at version %d, behind this release's %d", r.Version, r.Latest))
	}

	// The restored tables belong to the verify URL's role, and FORCEd
	// row-level security would hide their rows even from it: lift it,
	// in this scratch copy only, so counts see every tenant.
	if err := unforceRowSecurity(ctx, pool); err != nil {
		return err
	}
	if r.Tables, err = countRows(ctx, pool); err != nil {
		return err
	}
	return checkAudit(ctx, pool, r)
}

func unforceRowSecurity(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `
		SELECT format('%I.%I', n.nspname, c.relname)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relforcerowsecurity AND pg_has_role(c.relowner, 'USAGE')`)
	if err != nil {
		return fmt.Errorf("list tables with row-level security: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list tables with row-level security: %w", err)
	}
	for _, t := range tables {
		// t is quoted by format('%I').
		if _, err := pool.Exec(ctx, "ALTER TABLE "+t+" NO FORCE ROW LEVEL SECURITY"); err != nil {
			return fmt.Errorf("lift row-level security on %s in the scratch database: %w", t, err)
		}
	}
	return nil
}

func countRows(ctx context.Context, pool *pgxpool.Pool) ([]TableCount, error) {
	rows, err := pool.Query(ctx, `
		SELECT c.relname, format('%I.%I', n.nspname, c.relname)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	type table struct{ name, quoted string }
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var t table
		return t, r.Scan(&t.name, &t.quoted)
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	counts := make([]TableCount, 0, len(tables))
	for _, t := range tables {
		var n int64
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+t.quoted).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t.name, err)
		}
		counts = append(counts, TableCount{Table: t.name, Rows: n})
	}
	return counts, nil
}

// checkAudit verifies every organisation's hash chain with the store's own
// check, in a scope that reaches every organisation in the log.
func checkAudit(ctx context.Context, pool *pgxpool.Pool, r *Report) error {
	rows, err := pool.Query(ctx, `SELECT DISTINCT org_id FROM audit_log ORDER BY org_id`)
	if err != nil {
		return fmt.Errorf("read the audit log: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("read the audit log: %w", err)
	}
	for _, t := range r.Tables {
		if t.Table == "audit_log" {
			r.AuditEntries = t.Rows
		}
	}
	r.AuditOrgs = len(orgs)
	broken, err := postgres.New(pool).VerifyAuditChains(ctx, tally.Scope{OrgIDs: orgs}, orgs)
	if err != nil {
		return fmt.Errorf("verify the audit chain: %w", err)
	}
	r.BrokenChains = broken
	for _, org := range orgs {
		if seq, ok := broken[org]; ok {
			r.Problems = append(r.Problems, fmt.Sprintf("organisation %d's audit chain breaks at entry %d: an entry was changed or removed", org, seq))
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
