// Package postgres holds every SQL statement Tally runs, one file per
// aggregate. Each store method is one transaction for one user action, with
// the caller's tally.Scope set inside it for row-level security.
package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/scan"
	"github.com/tally-sv/tally/internal/tally"
)

// Store runs Tally's queries on a pool connected as the app role.
type Store struct {
	pool   *pgxpool.Pool
	jobs   *river.Client[pgx.Tx] // inserts jobs; it works none (package worker does)
	untold bool                  // tells nobody (Untold)
	files  filestore.Store       // evidence files (WithFiles); nil: none can be stored or read
	// scanner checks evidence files for malware (WithScanner); nil: no
	// scanning, every file is clean.
	scanner scan.Scanner
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool) *Store {
	// An insert-only client: no queues, never started. Its configuration
	// is fixed here, so NewClient cannot fail.
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{SkipUnknownJobCheck: true})
	if err != nil {
		panic(fmt.Sprintf("postgres: job client: %v", err))
	}
	return &Store{pool: pool, jobs: jobs}
}

// Untold is a Store that records actions as s does but tells nobody of
// them: no messages, no emails. It is for loading history (the demo's
// past years), whose events are long over.
func (s *Store) Untold() *Store {
	c := *s
	c.untold = true
	return &c
}

// Pool is the underlying pool (for the session store and health checks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// connectTimeout bounds each attempt to open a database connection when
// the URL sets no connect_timeout.
const connectTimeout = 3 * time.Second

// Open connects a pool to url and checks that the database answers.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	// While the database is down or unreachable, a request should fail
	// fast (and answer 503) rather than hang: connecting gives up after a
	// few seconds unless the URL's connect_timeout says otherwise, a
	// connection idle for a second is pinged before use, with a deadline,
	// and idle connections are checked often, so that a restarted
	// database's dead connections are dropped and new ones made within
	// seconds.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	cfg.PingTimeout = 2 * time.Second
	cfg.HealthCheckPeriod = 5 * time.Second
	// Tally's queries are short and index-driven; JIT compiling them cost
	// more (hundreds of ms on the dashboard) than it ever saved.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// InTx runs fn in one transaction with scope set for row-level security.
// The settings are transaction-local (set_config(..., true)), so they end
// with the transaction whether it commits, rolls back, panics or is
// cancelled, and never leak to the next user of the pooled connection.
func (s *Store) InTx(ctx context.Context, scope tally.Scope, fn func(pgx.Tx) error) error {
	// BEGIN and the scope travel in one round trip: a request's
	// transaction is BEGIN+scope, its queries, COMMIT.
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{BeginQuery: "BEGIN; " + scopeSQL(scope)}, fn)
}

// scopeSQL sets the scope, transaction-local, as literal SQL (the simple
// protocol that carries BEGIN takes no parameters). Every value is a
// decimal id, a {…} list of them (idText, idArray) or hex (hexText), never
// user text as it was typed.
func scopeSQL(scope tally.Scope) string {
	return "SELECT set_config('app.user_id', '" + idText(scope.UserID) + "', true), " +
		"set_config('app.partner_ids', '" + idArray(scope.PartnerIDs) + "', true), " +
		"set_config('app.org_ids', '" + idArray(scope.OrgIDs) + "', true), " +
		"set_config('app.supplier_id', '" + idText(scope.SupplierID) + "', true), " +
		"set_config('app.measure_org_ids', '" + idArray(scope.MeasureOrgIDs) + "', true), " +
		"set_config('app.email', convert_from(decode('" + hexText(emailText(scope.Email)) + "', 'hex'), 'UTF8'), true), " +
		"set_config('app.invitation', '" + hex.EncodeToString(scope.Invitation) + "', true)"
}

func setScope(ctx context.Context, tx pgx.Tx, scope tally.Scope) error {
	const q = `
		SELECT set_config('app.user_id', $1, true),
		       set_config('app.partner_ids', $2, true),
		       set_config('app.org_ids', $3, true),
		       set_config('app.supplier_id', $4, true),
		       set_config('app.measure_org_ids', $5, true),
		       set_config('app.email', $6, true),
		       set_config('app.invitation', $7, true)`
	_, err := tx.Exec(ctx, q, idText(scope.UserID), idArray(scope.PartnerIDs), idArray(scope.OrgIDs), idText(scope.SupplierID),
		idArray(scope.MeasureOrgIDs), emailText(scope.Email), hex.EncodeToString(scope.Invitation))
	if err != nil {
		return fmt.Errorf("set scope: %w", err)
	}
	return nil
}

// emailText is a scope's email address as tally_email() compares it: in
// lower case, as users and invitations store addresses.
func emailText(email string) string { return strings.ToLower(email) }

// hexText is s in hexadecimal, safe to put between quotes in SQL.
func hexText(s string) string { return hex.EncodeToString([]byte(s)) }

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// idArray renders ids as a PostgreSQL array literal: {1,2,3}.
func idArray(ids []int64) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte('}')
	return b.String()
}

// translate maps database errors to the domain's sentinels. Call it once,
// where a store method returns.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return tally.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", tally.ErrConflict, pgErr.ConstraintName)
		case "42501": // insufficient_privilege, including a row-level security refusal
			return fmt.Errorf("%w: %s", tally.ErrNotFound, pgErr.Message)
		}
	}
	return err
}

// conflictOn reports whether err is a unique violation of constraint, so a
// store can turn it into a field message before translating the rest.
func conflictOn(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

// Analyze refreshes the planner's statistics after a bulk load (the demo,
// a seed), so the first queries are not planned blind. It needs the owner.
func (s *Store) Analyze(ctx context.Context) (err error) {
	defer derrors.Wrap(&err, "Store.Analyze()")
	_, err = s.pool.Exec(ctx, "ANALYZE")
	return err
}

// extraRow scans a row whose columns are a shared list's (read by a shared
// scan function) followed by extra ones, into the extra destinations.
type extraRow struct {
	pgx.Row
	extra []any
}

func (r extraRow) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra...)...) }
