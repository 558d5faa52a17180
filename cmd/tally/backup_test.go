package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/backup"
	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
)

// `tally backup verify` on a dump of the demo prints the counts and
// passes; without a file or a URL it says what it needs.
func TestBackupVerifyCommand(t *testing.T) {
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	bin, err := backup.ClientBinDir()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "tally.dump")
	if out, err := exec.Command(filepath.Join(bin, "pg_dump"), "-Fc", "-f", file, db.AdminURL()).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	env := map[string]string{"BACKUP_VERIFY_URL": db.OwnerURL}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "verify", file}, func(k string) string { return env[k] }, &out); err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	for _, want := range []string{"format: custom", "audit_log", "0 broken", "passed every check"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"backup", "verify"}, env, "usage: tally backup verify FILE"},
		{[]string{"backup", "verify", file}, nil, "BACKUP_VERIFY_URL"},
		{[]string{"backup", "verify", filepath.Join(t.TempDir(), "none")}, env, "no such file"},
	} {
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
