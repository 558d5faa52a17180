package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/tally-sv/tally/migrations"
)

// Migrate brings the schema at url up to the newest embedded migration,
// after River's own migrations for the job queue (ours grant the app role
// its use of River's tables, so they come second). Run it as the owner
// role, never as the app role.
func Migrate(url string) error {
	if err := migrateRiver(url); err != nil {
		return err
	}
	m, err := newMigrate(url)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrateRiver runs River's migrations, which it tracks in its own table
// (river_migration) beside golang-migrate's.
func migrateRiver(url string) error {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	defer pool.Close()
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

func newMigrate(url string) (*migrate.Migrate, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	// golang-migrate's pgx/v5 driver registers the pgx5:// scheme.
	dbURL := url
	if i := strings.Index(url, "://"); i >= 0 {
		dbURL = "pgx5" + url[i:]
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, dbURL)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return m, nil
}

// LatestVersion is the newest embedded migration's number.
func LatestVersion() (uint, error) {
	names, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		return 0, err
	}
	var latest uint
	for _, n := range names {
		v, err := strconv.ParseUint(strings.SplitN(n, "_", 2)[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: bad version", n)
		}
		latest = max(latest, uint(v))
	}
	return latest, nil
}

// Ready reports whether the database answers and its schema is at least
// the newest embedded migration and not dirty. A schema ahead of the
// binary is ready: during a rolling deploy the new release migrates first
// and the old one keeps serving, which the expand-then-contract rule for
// migrations (README, Deploying) makes safe.
func Ready(ctx context.Context, pool *pgxpool.Pool) error {
	latest, err := LatestVersion()
	if err != nil {
		return err
	}
	var version int64
	var dirty bool
	err = pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&version, &dirty)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if dirty || uint(version) < latest { // #nosec G115 -- golang-migrate stores migration numbers, which are not negative
		return fmt.Errorf("schema at version %d (dirty %t), want %d or later", version, dirty, latest)
	}
	return riverReady(ctx, pool)
}

// riverReady reports whether River's schema is at the version this binary's
// River expects.
func riverReady(ctx context.Context, pool *pgxpool.Pool) error {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return err
	}
	all := migrator.AllVersions()
	want := all[len(all)-1].Version
	var have int
	err = pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM river_migration WHERE line = 'main'`).Scan(&have)
	if err != nil {
		return fmt.Errorf("read job queue schema version: %w", err)
	}
	if have < want {
		return fmt.Errorf("job queue schema at version %d, want %d or later", have, want)
	}
	return nil
}
