package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// plainTrailer ends every complete plain-format dump. A plain file is
// restored statement by statement, so without this check a dump cut short
// would restore "successfully" with its later tables, data or constraints
// missing.
const plainTrailer = "-- PostgreSQL database dump complete"

// detectFormat names the pg_dump format of path from its first bytes.
func detectFormat(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("backup file: %w", err)
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "toc.dat")); err != nil {
			return "", fmt.Errorf("%s is a folder without a toc.dat: not a directory-format dump", path)
		}
		return "directory", nil
	}
	f, err := os.Open(path) // #nosec G304 -- the operator names the file to verify
	if err != nil {
		return "", fmt.Errorf("backup file: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PGDMP")):
		return "custom", nil
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return "tar", nil
	case bytes.HasPrefix(head, []byte("--")) || bytes.HasPrefix(head, []byte("SET ")) || bytes.HasPrefix(head, []byte(`\restrict`)):
		if err := checkPlainEnd(f, fi.Size()); err != nil {
			return "", err
		}
		return "plain", nil
	}
	return "", fmt.Errorf("%s is not a pg_dump file (custom, tar, directory or plain format)", path)
}

func checkPlainEnd(f *os.File, size int64) error {
	const tail = 4096
	off := max(size-tail, 0)
	b := make([]byte, size-off)
	if _, err := f.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("backup file: %w", err)
	}
	if !bytes.Contains(b, []byte(plainTrailer)) {
		return fmt.Errorf("the plain-format dump does not end with %q: it was cut short", plainTrailer)
	}
	return nil
}

// ClientBinDir finds pg_restore and psql: $PG_BIN, then the newest
// /usr/lib/postgresql/*/bin that has them (Debian's layout, as devdb looks
// for the server), then the PATH. pg_restore must be at least as new as
// the pg_dump that wrote the file.
func ClientBinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(dir string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir))); return n }
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_restore")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_restore"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("pg_restore and psql were not found: install the PostgreSQL client " +
		"(apt-get install -y postgresql-client) or set PG_BIN to the folder holding them")
}

// restore loads file into the database at target: pg_restore for the
// archive formats, psql for plain SQL. Both stop at the first error and
// run in one transaction, so a failed restore leaves nothing half-loaded.
// Ownership and grants are skipped for archives (the scratch database
// belongs to the verify URL's role, and the server it runs on need not
// have Tally's roles); a plain dump replays them as written.
func restore(ctx context.Context, bin, format, file string, target *url.URL) error {
	// The password travels in the environment, not the command line that
	// every user of the machine can see.
	password, _ := target.User.Password()
	dsn := *target
	if target.User != nil {
		dsn.User = url.User(target.User.Username())
	}
	var cmd *exec.Cmd
	if format == "plain" {
		cmd = exec.CommandContext(ctx, filepath.Join(bin, "psql"), // #nosec G204 -- fixed program, arguments passed without a shell
			"--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction",
			"--dbname", dsn.String(), "--file", file)
	} else {
		cmd = exec.CommandContext(ctx, filepath.Join(bin, "pg_restore"), // #nosec G204 -- fixed program, arguments passed without a shell
			"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
			"--dbname", dsn.String(), file)
	}
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	var out bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return fmt.Errorf("the restore failed (%s, %v): %s", filepath.Base(cmd.Path), err, msg)
	}
	return nil
}
