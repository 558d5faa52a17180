// Command tally is Tally's one binary.
//
//	tally serve         serve HTTP and work background jobs (DATABASE_URL as the app role)
//	tally worker        work background jobs only
//	tally migrate       migrate the schema (MIGRATE_DATABASE_URL as the owner), then
//	                    move evidence still in the database to the file store
//	tally seed --demo   load the demo organisations, accounts and data
//	tally devdb CMD     start|stop|reset|env a private PostgreSQL under .data/
//	tally backup verify FILE  restore a pg_dump into a scratch database and check it
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tally:", err)
		os.Exit(1)
	}
}

const usage = `usage: tally serve | worker | migrate | seed [--demo] | devdb start|stop|reset|env | backup verify FILE`

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, getenv, stdout)
	case "worker":
		return work(ctx, getenv, stdout)
	case "migrate":
		return migrate(ctx, getenv, stdout)
	case "seed":
		return seed(ctx, args[1:], getenv, stdout)
	case "devdb":
		return devdbCommand(ctx, args[1:], stdout)
	case "backup":
		return backupCommand(ctx, args[1:], getenv, stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// The Go runtime's soft memory limit and GC target unless GOMEMLIMIT and
// GOGC are set. The server's budget is 100 MiB of resident memory; the
// limit governs only what the Go runtime maps, and the binary's own pages
// take about 21 MiB more, so the runtime gets 75 MiB of the 100
// (TestUploadMemoryS3 peaked at 99.8 MiB resident with a 100 MiB limit,
// and at 93 MiB with this one).
const (
	defaultMemoryLimit = 75 << 20
	defaultGCPercent   = 300
)

func serve(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg.LogLevel)
	if getenv("GOMEMLIMIT") == "" {
		// A soft limit: near it the collector works harder, so a burst of
		// sign-ins (argon2id takes 19 MiB each) does not grow the heap
		// to twice its peak. GOMEMLIMIT overrides it.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if getenv("GOGC") == "" {
		// Collect when the heap has grown by 300% rather than 100%: a
		// page's garbage is short-lived and the live heap is small (about
		// 20 MB), so this saves CPU (list pages +14% on two cores) while
		// the soft limit above still bounds memory. GOGC overrides it.
		debug.SetGCPercent(defaultGCPercent)
	}
	files, err := openFiles(ctx, cfg.Files)
	if err != nil {
		return err
	}
	pool, err := openReady(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	scanner, err := openScanner(ctx, cfg.ClamdAddr, log)
	if err != nil {
		return err
	}
	store := postgres.New(pool).WithFiles(files).WithScanner(scanner)
	app := server.New(cfg, store, log)
	srv := app.HTTPServer()
	stopWorkers := func(context.Context) {}
	if cfg.Workers > 0 {
		if stopWorkers, err = startWorkers(ctx, cfg, pool, store, log); err != nil {
			return err
		}
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	if cfg.DebugAddr != "" {
		// Profiles, on their own listener and never on ADDR: bind it to
		// localhost or a private network.
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		profiles := &http.Server{Addr: cfg.DebugAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			// Profiles are a convenience: if they cannot be served, say
			// so and go on serving users.
			if err := profiles.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("profiles not served", "addr", cfg.DebugAddr, "error", err)
			}
		}()
		defer profiles.Close()
		log.Info("serving profiles", "addr", cfg.DebugAddr)
	}
	if cfg.MetricsAddr != "" {
		// Metrics, like profiles, on their own listener: the public
		// router has no route to them.
		mux := http.NewServeMux()
		mux.Handle("/metrics", app.Metrics())
		metrics := &http.Server{Addr: cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := metrics.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics not served", "addr", cfg.MetricsAddr, "error", err)
			}
		}()
		defer metrics.Close()
		log.Info("serving metrics", "addr", cfg.MetricsAddr)
	}
	log.Info("serving", "addr", cfg.Addr, "url", cfg.BaseURL, "files", files.String())
	select {
	case err := <-errc:
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		stopWorkers(stopCtx)
		return err
	case <-ctx.Done():
	}
	// Finish in-flight requests, then the jobs running, all within one
	// SHUTDOWN_TIMEOUT. Jobs the requests queued are worked by whichever
	// process runs next.
	log.Info("shutting down")
	// /readyz fails first, and the server goes on serving for DRAIN_DELAY,
	// so a load balancer sends new requests elsewhere before it stops.
	app.Drain()
	if cfg.DrainDelay > 0 {
		log.Info("draining", "for", cfg.DrainDelay.String())
		time.Sleep(cfg.DrainDelay)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopWorkers(shutdownCtx)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
