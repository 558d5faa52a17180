// Package pgtest gives each test a fresh, migrated PostgreSQL database on the
// real server, so tests can run in parallel without mocks.
//
// It uses TALLY_TEST_ADMIN_URL (a superuser on the test cluster, exported by
// `make test`) or, when unset, starts the private cluster under the
// checkout's .data/ folder itself, so `go test ./...` works on its own.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tally-sv/tally/internal/devdb"
	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/migrations"
)

// DB is one test's database, with a pool for each role.
type DB struct {
	Name     string
	Owner    *pgxpool.Pool // owns the schema (and is still subject to FORCEd RLS)
	App      *pgxpool.Pool // the server's role
	AppURL   string
	OwnerURL string
	// Files is where evidence files go: a folder private to the test
	// (New), or, for a copy of a seed (NewSeeded), a private folder over
	// the seed's folder, which holds the objects the seed wrote and is
	// shared, read only, by every test made from the seed.
	Files filestore.Store
}

var (
	setupOnce sync.Once
	adminURL  string
	template  string
	setupErr  error
)

// New creates a fresh database from the migrated template and drops it when
// the test ends.
func New(t testing.TB) *DB {
	t.Helper()
	setupOnce.Do(func() { adminURL, template, setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	db := newFrom(t, template)
	db.Files = privateFiles(t)
	return db
}

// privateFiles is a folder store for one test.
func privateFiles(t testing.TB) filestore.Store {
	t.Helper()
	f, err := filestore.NewFolder(t.TempDir())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return f
}

// open connects pools to the test database name and drops it when the
// test ends.
func open(t testing.TB, name string) *DB {
	t.Helper()
	ctx := context.Background()
	db := &DB{Name: name, AppURL: withRole(adminURL, devdb.AppRole, name), OwnerURL: withRole(adminURL, devdb.OwnerRole, name)}
	t.Cleanup(func() {
		if db.App != nil {
			db.App.Close()
		}
		if db.Owner != nil {
			db.Owner.Close()
		}
		if !strings.HasPrefix(db.Name, "test_") {
			return // a seed template, renamed: kept for the next test
		}
		if c, err := pgx.Connect(context.Background(), adminURL); err == nil {
			c.Exec(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db.Name))
			c.Close(context.Background())
		}
	})
	var err error
	if db.Owner, err = postgres.Open(ctx, db.OwnerURL, 4); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if db.App, err = postgres.Open(ctx, db.AppURL, 8); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return db
}

// setup finds the cluster and builds a template database at the current
// migrations, named by their content so a changed migration gets a new one.
func setup() (string, string, error) {
	admin := os.Getenv("TALLY_TEST_ADMIN_URL")
	if admin == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", "", err
		}
		urls, err := devdb.Cluster{Dir: filepath.Join(root, ".data"), Log: io.Discard}.Ensure(context.Background())
		if err != nil {
			return "", "", err
		}
		admin = urls.Admin
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", "", fmt.Errorf("connect to the test cluster: %w", err)
	}
	defer conn.Close(ctx)
	name, err := templateName()
	if err != nil {
		return "", "", err
	}
	// Test binaries run in parallel: one builds the template, the others wait.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7302)"); err != nil {
		return "", "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(7302)")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", "", err
	}
	if exists {
		return admin, name, nil
	}
	building := name + "_building"
	conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building))
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s OWNER %s", building, devdb.OwnerRole)); err != nil {
		return "", "", err
	}
	if err := postgres.Migrate(withRole(admin, devdb.OwnerRole, building)); err != nil {
		return "", "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", "", err
	}
	return admin, name, nil
}

// templateName hashes the migrations so the template follows them.
func templateName() (string, error) {
	h := sha256.New()
	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		b, err := migrations.FS.ReadFile(e.Name())
		if err != nil {
			return "", err
		}
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	return fmt.Sprintf("tally_template_%x", h.Sum(nil)[:6]), nil
}

func withRole(admin, role, db string) string {
	u, err := url.Parse(admin)
	if err != nil {
		panic(err)
	}
	// The test cluster's roles share the superuser's password.
	pw, _ := u.User.Password()
	u.User = url.UserPassword(role, pw)
	u.Path = "/" + db
	return u.String()
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// AdminURL is a superuser's URL for this test's database, for tests that
// must do what the app cannot (such as tampering with the audit log).
func (db *DB) AdminURL() string {
	u, err := url.Parse(adminURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + db.Name
	return u.String()
}
