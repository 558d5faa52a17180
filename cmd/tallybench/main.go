// Command tallybench measures Tally on the scale dataset (issue 10): it
// makes a database holding the demo and `tally seed --scale` data (once;
// later runs reuse it), starts bin/tally serve on 127.0.0.1, and prints a
// markdown table of the dashboard's latency against its bare SQL, the list
// pages' throughput against a minimal signed-in page, a burst of offer
// submissions, and the server's peak memory. It sends traffic only to
// 127.0.0.1, and every loop is bounded by a count or a duration.
//
// Run it with `make bench` (BENCH_SCALE=medium for the smaller dataset).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/devdb"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/scale"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tallybench:", err)
		os.Exit(1)
	}
}

type options struct {
	size        scale.Size
	binary      string
	duration    time.Duration // per list page
	rounds      int           // the list pages take turns this many times
	connections int
	dashboards  int
	suppliers   int
	within      time.Duration // the burst's arrival window
	dbMaxConns  string
	logLevel    string
	only        string // "", "dashboard", "lists" or "burst"
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("tallybench", flag.ContinueOnError)
	sizeName := fs.String("scale", "large", "dataset: small, medium or large")
	var o options
	fs.StringVar(&o.binary, "bin", "bin/tally", "the tally binary to serve")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long to load each list page, over all rounds")
	fs.IntVar(&o.connections, "c", 64, "concurrent connections for the list pages")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds in which the list pages take turns (each gets -duration in all)")
	fs.IntVar(&o.dashboards, "n", 40, "timed dashboard requests (after 5 to warm up)")
	fs.IntVar(&o.suppliers, "suppliers", 1000, "suppliers in the submission burst")
	fs.DurationVar(&o.within, "within", 20*time.Second, "the burst's suppliers start within this time")
	fs.StringVar(&o.dbMaxConns, "db-max-conns", getenv("DB_MAX_CONNS"), "the server's DB_MAX_CONNS (empty: its default)")
	fs.StringVar(&o.logLevel, "log-level", "warn", "the server's LOG_LEVEL")
	fs.StringVar(&o.only, "only", "", "measure only this part: dashboard, lists or burst (for iterating on one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch o.only {
	case "", "dashboard", "lists", "burst":
	default:
		return fmt.Errorf("-only=%s: say dashboard, lists or burst", o.only)
	}
	part := func(name string) bool { return o.only == "" || o.only == name }
	var ok bool
	if o.size, ok = scale.Sizes[*sizeName]; !ok {
		return fmt.Errorf("-scale=%s: say small, medium or large", *sizeName)
	}
	admin := getenv("TALLY_TEST_ADMIN_URL")
	if admin == "" {
		return errors.New("TALLY_TEST_ADMIN_URL is required: run through make bench, or eval \"$(bin/tally devdb env)\"")
	}
	db := "tally_bench_" + o.size.Name
	ownerURL, appURL, err := prepare(ctx, admin, db, o.size, out)
	if err != nil {
		return err
	}
	owner, err := postgres.Open(ctx, ownerURL, 4)
	if err != nil {
		return err
	}
	defer owner.Close()
	app, err := postgres.Open(ctx, appURL, 4)
	if err != nil {
		return err
	}
	defer app.Close()

	srv, err := startServer(ctx, o, appURL, ownerURL)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(out, "tallybench: server pid %d on %s\n", srv.cmd.Process.Pid, srv.base)

	var r report
	r.size = o.size.Name
	if part("dashboard") {
		if err := benchDashboard(ctx, o, srv, postgres.New(app), &r); err != nil {
			return fmt.Errorf("dashboard: %w", err)
		}
	}
	if part("lists") {
		if err := benchLists(ctx, o, srv, &r); err != nil {
			return fmt.Errorf("lists: %w", err)
		}
	}
	if part("burst") {
		if err := benchBurst(ctx, o, srv, owner, &r); err != nil {
			return fmt.Errorf("burst: %w", err)
		}
	}
	r.rssKB, r.rssErr = srv.peakRSS()
	r.print(out)
	return nil
}

// prepare makes the benchmark database once: migrated, with the demo and
// the scale data. It returns the owner's and the app role's URLs.
func prepare(ctx context.Context, admin, db string, size scale.Size, out io.Writer) (string, string, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", "", err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, db).Scan(&exists); err != nil {
		return "", "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s OWNER %s", db, devdb.OwnerRole)); err != nil {
			return "", "", err
		}
	}
	ownerURL, appURL := withRole(admin, devdb.OwnerRole, db), withRole(admin, devdb.AppRole, db)
	if err := postgres.Migrate(ownerURL); err != nil {
		return "", "", err
	}
	pool, err := postgres.Open(ctx, ownerURL, 4)
	if err != nil {
		return "", "", err
	}
	defer pool.Close()
	if err := demo.Load(ctx, postgres.New(pool), out); err != nil {
		return "", "", err
	}
	if _, err := scale.Load(ctx, pool, size, time.Now(), out); err != nil {
		return "", "", err
	}
	return ownerURL, appURL, nil
}

// withRole is admin's URL for role on database db. The dev cluster's roles
// share the superuser's password.
func withRole(admin, role, db string) string {
	u, err := url.Parse(admin)
	if err != nil {
		return ""
	}
	pw, _ := u.User.Password()
	u.User = url.UserPassword(role, pw)
	u.Path = "/" + db
	return u.String()
}
