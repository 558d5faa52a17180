// Package devdb starts a private PostgreSQL cluster for development and tests.
//
// It is what lets `make run` and `make test` work on a fresh machine with only
// the PostgreSQL server binaries installed: the cluster lives under a folder of
// the checkout (normally .data/), listens on loopback only, and is created,
// started and reused with the installed initdb and pg_ctl. When invoked as root
// it runs them as the postgres user, because PostgreSQL refuses to run as root.
package devdb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/secretbox"
)

// Role names and the development password. The cluster listens on loopback
// only and holds demo data, so a fixed password is acceptable here and nowhere
// else.
const (
	OwnerRole   = "tally_owner"
	AppRole     = "tally_app"
	BackupRole  = "tally_backup"
	Database    = "tally"
	devPassword = "tally-dev"
	superuser   = "postgres"
)

// URLs are the connection strings for a running development cluster.
type URLs struct {
	Owner string // owns the schema; runs migrations
	App   string // the server's role: owns nothing, bypasses nothing
	Admin string // the cluster superuser, for creating test databases
}

// Cluster is a private PostgreSQL cluster under Dir.
type Cluster struct {
	Dir string    // e.g. /path/to/checkout/.data
	Log io.Writer // progress messages
}

func (c Cluster) pgdata() string  { return filepath.Join(c.Dir, "pgdata") }
func (c Cluster) sockets() string { return filepath.Join(c.Dir, "run") }

// Port is the cluster's port: chosen when the cluster is created (from
// the folder's path, moving on past any port in use, so two checkouts on
// one machine do not collide) and kept in the folder's "port" file.
func (c Cluster) Port() int {
	if b, err := os.ReadFile(filepath.Join(c.Dir, "port")); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return p
		}
	}
	h := fnv.New32a()
	h.Write([]byte(c.Dir))
	return 20000 + int(h.Sum32()%20000)
}

// choosePort picks a free port for a new cluster and records it.
func (c Cluster) choosePort() error {
	p := c.Port()
	for tries := 0; ; tries++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			l.Close()
			break
		}
		if tries == 100 {
			return fmt.Errorf("devdb: no free port near %d", c.Port())
		}
		p++
	}
	return os.WriteFile(filepath.Join(c.Dir, "port"), []byte(strconv.Itoa(p)+"\n"), 0o644) // #nosec G306 -- a port number, not a secret
}

// URLs returns the connection strings for the cluster's roles.
func (c Cluster) URLs() URLs {
	u := func(role, db string) string {
		return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", role, devPassword, c.Port(), db)
	}
	return URLs{Owner: u(OwnerRole, Database), App: u(AppRole, Database), Admin: u(superuser, "postgres")}
}

// Ensure creates the cluster if needed, starts it if it is not running, and
// creates the roles and the database. It is safe to call again and from
// several processes at once.
func (c Cluster) Ensure(ctx context.Context) (URLs, error) {
	bin, err := BinDir()
	if err != nil {
		return URLs{}, err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil { // #nosec G301 -- a development folder: the port and the log; the data and the password file inside are 0700/0600
		return URLs{}, fmt.Errorf("devdb: %w", err)
	}
	unlock, err := lockFile(filepath.Join(c.Dir, "lock"))
	if err != nil {
		return URLs{}, err
	}
	defer unlock()

	run, err := newRunner(c.Dir)
	if err != nil {
		return URLs{}, err
	}
	if _, err := os.Stat(filepath.Join(c.pgdata(), "PG_VERSION")); err != nil {
		if err := c.initdb(ctx, run, bin); err != nil {
			return URLs{}, err
		}
	}
	if !c.running(ctx, run, bin) {
		fmt.Fprintf(c.Log, "devdb: starting PostgreSQL on 127.0.0.1:%d (data in %s)\n", c.Port(), c.pgdata())
		args := []string{"start", "-w", "-t", "60", "-D", c.pgdata(), "-l", filepath.Join(c.Dir, "postgres.log"),
			"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.Port(), c.sockets())}
		if out, err := run.cmd(ctx, filepath.Join(bin, "pg_ctl"), args...).CombinedOutput(); err != nil {
			return URLs{}, fmt.Errorf("devdb: pg_ctl start: %w\n%s\nSee %s", err, out, filepath.Join(c.Dir, "postgres.log"))
		}
	}
	urls := c.URLs()
	if err := bootstrap(ctx, urls.Admin); err != nil {
		return URLs{}, err
	}
	return urls, nil
}

func (c Cluster) initdb(ctx context.Context, run runner, bin string) error {
	fmt.Fprintf(c.Log, "devdb: creating a private PostgreSQL cluster in %s\n", c.pgdata())
	if err := c.choosePort(); err != nil {
		return err
	}
	for _, d := range []string{c.pgdata(), c.sockets()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
		if err := run.own(d); err != nil {
			return err
		}
	}
	pwfile := filepath.Join(c.Dir, "superuser-password")
	if err := os.WriteFile(pwfile, []byte(devPassword+"\n"), 0o600); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	if err := run.own(pwfile); err != nil {
		return err
	}
	out, err := run.cmd(ctx, filepath.Join(bin, "initdb"), "-D", c.pgdata(), "-U", superuser,
		"--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("devdb: initdb: %w\n%s", err, out)
	}
	// Fast settings: this cluster holds nothing that cannot be recreated.
	conf := "\n# Tally development cluster\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" +
		"max_connections = 200\nshared_buffers = 256MB\nlog_min_duration_statement = -1\n"
	f, err := os.OpenFile(filepath.Join(c.pgdata(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	defer f.Close()
	_, err = f.WriteString(conf)
	return err
}

func (c Cluster) running(ctx context.Context, run runner, bin string) bool {
	return run.cmd(ctx, filepath.Join(bin, "pg_ctl"), "status", "-D", c.pgdata()).Run() == nil
}

// Stop stops the cluster if it is running.
func (c Cluster) Stop(ctx context.Context) error {
	bin, err := BinDir()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.pgdata(), "PG_VERSION")); err != nil {
		return nil
	}
	run, err := newRunner(c.Dir)
	if err != nil {
		return err
	}
	if !c.running(ctx, run, bin) {
		return nil
	}
	out, err := run.cmd(ctx, filepath.Join(bin, "pg_ctl"), "stop", "-w", "-m", "fast", "-D", c.pgdata()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("devdb: pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// Reset stops the cluster and deletes it.
func (c Cluster) Reset(ctx context.Context) error {
	if err := c.Stop(ctx); err != nil {
		return err
	}
	return os.RemoveAll(c.Dir)
}

// BinDir finds the installed PostgreSQL server binaries: $PG_BIN, then the
// newest /usr/lib/postgresql/*/bin, then the PATH.
func BinDir() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("devdb: the PostgreSQL server binaries (initdb, pg_ctl) were not found.\n" +
		"Install them with:  apt-get install -y postgresql   (Debian/Ubuntu)\n" +
		"or set DATABASE_URL and MIGRATE_DATABASE_URL to use an existing server, or PG_BIN to the folder holding initdb")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// bootstrap creates the roles and the database; it is idempotent.
func bootstrap(ctx context.Context, adminURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("devdb: connect as superuser: %w", err)
	}
	defer conn.Close(ctx)
	// Serialise bootstrap across processes (go test runs packages in parallel).
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7301)"); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	roles := map[string]string{
		OwnerRole: "LOGIN NOSUPERUSER CREATEDB NOCREATEROLE",
		AppRole:   "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
		// pg_dump's role (README, Deploying): reads every row, writes nothing.
		BackupRole: "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS",
	}
	for _, role := range []string{OwnerRole, AppRole, BackupRole} {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
		verb := "ALTER"
		if !exists {
			verb = "CREATE"
		}
		sql := fmt.Sprintf("%s ROLE %s %s PASSWORD '%s'", verb, role, roles[role], devPassword)
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("devdb: %s role %s: %w", strings.ToLower(verb), role, err)
		}
	}
	if _, err := conn.Exec(ctx, "GRANT pg_read_all_data TO "+BackupRole); err != nil {
		return fmt.Errorf("devdb: grant pg_read_all_data to %s: %w", BackupRole, err)
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", Database).Scan(&exists); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s OWNER %s", Database, OwnerRole)); err != nil {
			return fmt.Errorf("devdb: create database: %w", err)
		}
	}
	return nil
}

// lockFile takes an exclusive lock on path, blocking until it is free.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644) // #nosec G302 G304 -- an empty lock file in the cluster's own folder
	if err != nil {
		return nil, fmt.Errorf("devdb: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("devdb: lock %s: %w", path, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// runner runs the PostgreSQL programs, as the postgres user when we are root.
type runner struct {
	cred *syscall.Credential
}

func newRunner(dir string) (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runner{}, errors.New("devdb: running as root, but there is no postgres user to run PostgreSQL as " +
			"(PostgreSQL refuses to run as root). Install the server with: apt-get install -y postgresql")
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return runner{}, fmt.Errorf("devdb: the postgres user's id %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return runner{}, fmt.Errorf("devdb: the postgres user's group %q: %w", u.Gid, err)
	}
	r := runner{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if err := r.own(dir); err != nil {
		return runner{}, err
	}
	return r, traversable(dir)
}

func (r runner) cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...) // #nosec G204 -- PostgreSQL's own programs from BinDir, without a shell
	if r.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
		cmd.Dir = "/"
	}
	return cmd
}

func (r runner) own(path string) error {
	if r.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(r.cred.Uid), int(r.cred.Gid)); err != nil {
		return fmt.Errorf("devdb: %w", err)
	}
	return nil
}

// traversable lets the postgres user reach dir: a checkout in a private
// folder (mktemp -d makes them 0700) would otherwise hide it. Only the
// search bit is added, never read.
func traversable(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("devdb: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("devdb: let the postgres user reach %s: %w", dir, err)
			}
		}
		if d == "/" {
			return nil
		}
	}
}

// SecretKey returns the development SECRET_KEY kept in the cluster's
// folder, making it on first use, so that sealed values (client secrets,
// TOTP keys) in the development database open after a restart.
func (c Cluster) SecretKey() (string, error) {
	path := filepath.Join(c.Dir, "secret.key")
	if b, err := os.ReadFile(path); err == nil { // #nosec G304 -- our own .data folder
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return "", err
	}
	// Written whole to a temporary file, then linked into place: a second
	// process never reads a half-written key, and the first link wins.
	tmp, err := os.CreateTemp(c.Dir, "secret.key.*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	key := secretbox.NewKey()
	if _, err := tmp.WriteString(key + "\n"); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return c.SecretKey()
	} else if err != nil {
		return "", err
	}
	return key, nil
}
