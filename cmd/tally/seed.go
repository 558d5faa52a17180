package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/postgres"
)

// seed loads the demo data (only with --demo: there is no production seed)
// and prints the demo logins.
func seed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demoData := fs.Bool("demo", false, "load the demo organisations, accounts and data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*demoData {
		return errors.New("seed: say --demo to load the demo data (there is nothing else to seed)")
	}
	url := getenv("MIGRATE_DATABASE_URL")
	if url == "" {
		return errors.New("MIGRATE_DATABASE_URL is required (the owner role's connection string)")
	}
	pool, err := postgres.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := demo.Load(ctx, postgres.New(pool), stdout); err != nil {
		return err
	}
	base := getenv("BASE_URL")
	if base == "" {
		base = "http://localhost:8080"
	}
	demo.PrintLogins(stdout, base)
	return nil
}
