package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tally-sv/tally/internal/backup"
)

// backupCommand runs `tally backup verify FILE`: it restores FILE into a
// scratch database on the server at BACKUP_VERIFY_URL (or, when unset,
// MIGRATE_DATABASE_URL), prints what it found and fails when a check does.
func backupCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "verify" {
		return errors.New("usage: tally backup verify FILE")
	}
	admin := getenv("BACKUP_VERIFY_URL")
	if admin == "" {
		admin = getenv("MIGRATE_DATABASE_URL")
	}
	if admin == "" {
		return errors.New("BACKUP_VERIFY_URL (or MIGRATE_DATABASE_URL) is required: a postgres:// URL of a role that may create databases")
	}
	fmt.Fprintf(stdout, "tally: restoring %s into a scratch database\n", args[1])
	r, err := backup.Verify(ctx, backup.Options{File: args[1], AdminURL: admin, BinDir: getenv("PG_BIN")})
	if r != nil {
		printReport(stdout, r)
	}
	if err != nil {
		return fmt.Errorf("backup verify: %w", err)
	}
	fmt.Fprintln(stdout, "tally: the backup restored and passed every check")
	return nil
}

func printReport(w io.Writer, r *backup.Report) {
	fmt.Fprintf(w, "format: %s\nschema version: %d (this release: %d)\n", r.Format, r.Version, r.Latest)
	width := len("table")
	for _, t := range r.Tables {
		width = max(width, len(t.Table))
	}
	fmt.Fprintf(w, "  %-*s %10s\n", width, "table", "rows")
	for _, t := range r.Tables {
		fmt.Fprintf(w, "  %-*s %10d\n", width, t.Table, t.Rows)
	}
	fmt.Fprintf(w, "audit log: %d entries in %d organisations' chains, %d broken\n", r.AuditEntries, r.AuditOrgs, len(r.BrokenChains))
	for _, p := range r.Problems {
		fmt.Fprintln(w, "problem:", p)
	}
}
