package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/worker"
)

// work runs the background workers only, until ctx ends: `tally worker`,
// for deployments that keep them apart from the web servers.
func work(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg.LogLevel)
	files, err := openFiles(ctx, cfg.Files)
	if err != nil {
		return err
	}
	pool, err := openReady(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	stop, err := startWorkers(ctx, cfg, pool, postgres.New(pool).WithFiles(files), log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	stop(stopCtx)
	return nil
}

// openReady connects to DATABASE_URL and checks that the schema is the
// one this binary expects.
func openReady(ctx context.Context, cfg config.Config) (*pgxpool.Pool, error) {
	pool, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	if err := postgres.Ready(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database is not ready (run `tally migrate` first): %w", err)
	}
	return pool, nil
}

// startWorkers starts cfg.Workers workers (at least one) and returns what
// stops them: it lets running jobs finish until its context ends, then
// cancels them (River tries them again later).
func startWorkers(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, store *postgres.Store, log *slog.Logger) (func(context.Context), error) {
	client, err := worker.New(pool, store, worker.Config{Workers: cfg.Workers, BaseURL: cfg.BaseURL,
		Sender: notify.NewSender(cfg, log), Log: log, Reminders: true, SweepFiles: true})
	if err != nil {
		return nil, fmt.Errorf("workers: %w", err)
	}
	// River stops when the context it started with ends; stopping is
	// ours to do, after the server.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("start workers: %w", err)
	}
	log.Info("working background jobs", "workers", max(cfg.Workers, 1))
	return func(stopCtx context.Context) {
		if err := client.Stop(stopCtx); err != nil {
			log.Warn("workers stopped before their jobs finished; those jobs will run again", "err", err.Error())
			if err := client.StopAndCancel(context.Background()); err != nil {
				log.Error("stop workers", "err", err.Error())
			}
		}
	}, nil
}
