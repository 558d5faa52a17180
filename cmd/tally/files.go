package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/postgres"
)

// openFiles opens the evidence file store the settings name: the S3
// bucket (checked now, so a wrong setting stops start-up rather than the
// first upload) or the folder.
func openFiles(ctx context.Context, cfg config.Files) (filestore.Store, error) {
	if cfg.S3Bucket == "" {
		return filestore.NewFolder(cfg.Dir)
	}
	s3, err := filestore.NewS3(filestore.S3Config{Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket, AccessKey: cfg.S3AccessKey,
		SecretKey: cfg.S3SecretKey, Region: cfg.S3Region, TLS: cfg.S3TLS})
	if err != nil {
		return nil, err
	}
	if err := s3.Ping(ctx); err != nil {
		return nil, err
	}
	return s3, nil
}

// ownerSetup reads what `migrate` and `seed` need: the owner role's
// connection string and the file store.
func ownerSetup(ctx context.Context, getenv func(string) string) (string, filestore.Store, error) {
	url := getenv("MIGRATE_DATABASE_URL")
	if url == "" {
		return "", nil, errors.New("MIGRATE_DATABASE_URL is required (the owner role's connection string)")
	}
	fcfg, err := config.LoadFiles(getenv)
	if err != nil {
		return "", nil, err
	}
	files, err := openFiles(ctx, fcfg)
	return url, files, err
}

// migrate brings the schema up to date, then moves evidence files still
// held in the database (from before migration 000024, or written by an
// older release during a rolling deploy) to the file store. Both steps
// are safe to run again.
func migrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	url, files, err := ownerSetup(ctx, getenv)
	if err != nil {
		return err
	}
	if err := postgres.Migrate(url); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "tally: schema is up to date")
	pool, err := postgres.Open(ctx, url, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	moved, err := postgres.New(pool).WithFiles(files).MoveEvidenceData(ctx)
	if moved > 0 {
		fmt.Fprintf(stdout, "tally: moved %d evidence files from the database to %s\n", moved, files)
	}
	return err
}
