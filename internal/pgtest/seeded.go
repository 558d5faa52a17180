package pgtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/devdb"
	"github.com/tally-sv/tally/internal/filestore"
)

var (
	seedMu    sync.Mutex
	seedNames = map[string]string{} // seed name → template database
)

// NewSeeded gives a test a fresh database that already holds what load
// puts there (the demo, say). The first call in a test binary builds a
// template with load and later calls clone it, which takes milliseconds
// instead of seconds. Templates are named by the test binary, the
// migrations and the day, so a changed binary or a new day builds afresh.
func NewSeeded(t testing.TB, name string, load func(owner *DB) error) *DB {
	t.Helper()
	setupOnce.Do(func() { adminURL, template, setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
	seedMu.Lock()
	tmpl, ok := seedNames[name]
	if !ok {
		var err error
		if tmpl, err = buildSeed(t, name, load); err != nil {
			seedMu.Unlock()
			t.Fatalf("pgtest: seed %s: %v", name, err)
		}
		seedNames[name] = tmpl
	}
	seedMu.Unlock()
	db := newFrom(t, tmpl)
	db.Files = newOverlay(t, seedFiles(t, tmpl))
	return db
}

// seedFilesDir is where a seed's evidence files are kept, beside the
// cluster (under the checkout's .data/), for as long as its template:
// a template outlives the test binary run that built it. Tests made from
// the seed read them and never change them (overlay).
func seedFilesDir(tmpl string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".data", "test-files", tmpl), nil
}

func seedFiles(t testing.TB, tmpl string) filestore.Store {
	t.Helper()
	dir, err := seedFilesDir(tmpl)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	f, err := filestore.NewFolder(dir)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return f
}

// buildSeed makes (or finds, when another run of the same binary made it
// today) the template database for a seed.
func buildSeed(t testing.TB, name string, load func(owner *DB) error) (string, error) {
	key, err := binaryKey()
	if err != nil {
		return "", err
	}
	prefix := fmt.Sprintf("tally_seed_%s_%s_", name, binaryName())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7303)"); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(7303)")
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix+"%")
	if err != nil {
		return "", err
	}
	seeds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	// Seeds are named prefix_key_unixtime. Reuse this binary's; drop other
	// builds' once they are a few hours old (a concurrent run of another
	// build may still be cloning a recent one).
	var found string
	for _, db := range seeds {
		rest := strings.TrimPrefix(db, prefix)
		k, stamp, _ := strings.Cut(rest, "_")
		dir, err := seedFilesDir(db)
		if err != nil {
			return "", err
		}
		if k == key {
			if _, err := os.Stat(dir); err == nil {
				found = db
				continue
			}
			// Its files are gone (.data/test-files cleared): build afresh.
			stamp = "0"
		}
		if at, err := strconv.ParseInt(stamp, 10, 64); err == nil && time.Since(time.Unix(at, 0)) > 3*time.Hour {
			if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", db)); err == nil {
				os.RemoveAll(dir)
			}
		}
	}
	if found != "" {
		return found, nil
	}
	tmpl := fmt.Sprintf("%s%s_%d", prefix, key, time.Now().Unix())
	db := newFrom(t, template)
	db.Files = seedFiles(t, tmpl)
	if err := load(db); err != nil {
		if dir, derr := seedFilesDir(tmpl); derr == nil {
			os.RemoveAll(dir)
		}
		return "", err
	}
	// Clones copy the template's statistics: without them every clone
	// plans its first queries blind, before autovacuum has looked.
	if _, err := db.Owner.Exec(ctx, "ANALYZE"); err != nil {
		return "", err
	}
	db.App.Close()
	db.Owner.Close()
	building := db.Name
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, tmpl)); err != nil {
		return "", err
	}
	db.Name = tmpl // its cleanup now drops nothing of ours: the renamed database stays
	return tmpl, nil
}

// newFrom creates a test database from a template and drops it at the end.
func newFrom(t testing.TB, tmpl string) *DB {
	t.Helper()
	ctx := context.Background()
	name := "test_" + randomHex(8)
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s OWNER %s", name, tmpl, devdb.OwnerRole)); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return open(t, name)
}

// binaryKey names what a seed depends on: the test binary and the day.
func binaryKey() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe) // #nosec G304 -- the running test binary, hashed to name its seed
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	h.Write([]byte(time.Now().Format("2006-01-02")))
	return fmt.Sprintf("%x", h.Sum(nil)[:6]), nil
}

func binaryName() string {
	base := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(base))
}
