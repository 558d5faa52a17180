package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/scale"
)

// seed loads the demo data (only with --demo or --scale: there is no
// production seed), with --scale a synthetic history beside it, and prints
// the demo logins.
func seed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demoData := fs.Bool("demo", false, "load the demo organisations, accounts and data")
	scaleName := fs.String("scale", "", "also load synthetic history beside the demo for benchmarks: small, medium or large")
	if err := fs.Parse(args); err != nil {
		return err
	}
	size, scaled := scale.Sizes[*scaleName]
	if *scaleName != "" && !scaled {
		return fmt.Errorf("seed: --scale=%s: say small, medium or large", *scaleName)
	}
	if !*demoData && !scaled {
		return errors.New("seed: say --demo to load the demo data (there is nothing else to seed)")
	}
	url, files, err := ownerSetup(ctx, getenv)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, url, 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := demo.Load(ctx, postgres.New(pool).WithFiles(files), stdout); err != nil {
		return err
	}
	if scaled {
		if _, err := scale.Load(ctx, pool, size, time.Now(), stdout); err != nil {
			return err
		}
	}
	base := getenv("BASE_URL")
	if base == "" {
		base = "http://localhost:8080"
	}
	demo.PrintLogins(stdout, base)
	return nil
}
