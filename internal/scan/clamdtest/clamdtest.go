// Package clamdtest runs a real clamd (ClamAV's daemon, Debian package
// clamav-daemon) for tests, with a signature database made by the test that
// knows only the EICAR test file: no downloaded databases, no network.
//
// Without clamd installed the tests that use it skip, unless the CI
// environment variable is set, when they fail: CI must scan for real.
package clamdtest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/scan"
)

// Signature is the name clamd reports for the EICAR test file (clamd adds
// ".UNOFFICIAL" to it, as to any signature not from ClamAV; compare with
// strings.HasPrefix).
const Signature = "Eicar-Test-Signature"

// EICAR returns the standard 68-byte anti-virus test file, which every
// scanner treats as malware though it is harmless. It is put together at run
// time so that this source file is not itself flagged by a scanner.
func EICAR() []byte {
	return []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS" + `-TEST-FILE!$H+H*`)
}

// Server is a clamd process run by a test. Its address stays the same
// across Stop and Start, so a scan.Clamd made once keeps working.
type Server struct {
	t    testing.TB
	bin  string
	dir  string // config, database, log
	sock string // the unix socket
	port int    // the loopback TCP port

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// New starts clamd listening on a unix socket and on a loopback TCP port,
// waits until it answers PING, and stops it when the test ends. The
// signature database, written to a temporary folder, finds EICAR (see
// EICAR) anywhere in a file and nothing else. clamd's StreamMaxLength is
// 12 MiB, above the 10 MiB evidence limit.
func New(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	// A unix socket path must fit in 108 bytes, and a test's temporary
	// folder, named after the test, may not leave room: use a short one.
	sockDir, err := os.MkdirTemp("", "clamd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	s := &Server{t: t, bin: bin, dir: dir, sock: filepath.Join(sockDir, "clamd.sock"), port: freePort(t)}
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o755); err != nil { // #nosec G301 -- clamd, perhaps another user, reads it; a test signature, not a secret
		t.Fatal(err)
	}
	// A body signature (.ndb: name, any file type, any offset, hex bytes)
	// rather than a whole-file hash, so EICAR is found inside another file
	// too, as the official signature finds it.
	ndb := fmt.Sprintf("%s:0:*:%s\n", Signature, hex.EncodeToString(EICAR()))
	if err := os.WriteFile(filepath.Join(dir, "db", "tally-test.ndb"), []byte(ndb), 0o644); err != nil { // #nosec G306 -- clamd reads it; the EICAR signature, not a secret
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	s.mu.Lock()
	defer s.mu.Unlock()
	// The loopback port was free a moment ago; if another process took it
	// first, try another.
	for attempt := 1; ; attempt++ {
		s.writeConfig()
		err := s.startLocked()
		if err == nil {
			return s
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			t.Fatal(err)
		}
		s.port = freePort(t)
	}
}

// writeConfig writes clamd.conf for the socket, port and folders.
func (s *Server) writeConfig() {
	conf := strings.Join([]string{
		"Foreground yes",
		"LocalSocket " + s.sock,
		"FixStaleSocket yes",
		"TCPSocket " + fmt.Sprint(s.port),
		"TCPAddr 127.0.0.1",
		"DatabaseDirectory " + filepath.Join(s.dir, "db"),
		"TemporaryDirectory " + s.dir,
		"LogFile " + filepath.Join(s.dir, "clamd.log"),
		"LogTime yes",
		"StreamMaxLength 12M",
		// The test's own signatures only: no bytecode, no PUA lists.
		"Bytecode no",
		"SelfCheck 0",
		"",
	}, "\n")
	if err := os.WriteFile(filepath.Join(s.dir, "clamd.conf"), []byte(conf), 0o644); err != nil { // #nosec G306 -- clamd reads it; a test configuration, not a secret
		s.t.Fatal(err)
	}
}

// binary finds clamd, or skips the test (fails it under CI) without it.
func binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("clamd"); err == nil {
		return p
	}
	// Debian puts it in /usr/sbin, which is not on every user's PATH.
	if _, err := os.Stat("/usr/sbin/clamd"); err == nil {
		return "/usr/sbin/clamd"
	}
	if os.Getenv("CI") != "" {
		t.Fatal("clamd is not installed, and CI must run the malware scanning tests: .ci/run installs it with apt-get install -y clamav-daemon")
	}
	t.Skip("clamd is not installed, so the malware scanning tests are skipped: apt-get install -y clamav-daemon to run them")
	return ""
}

// freePort asks the kernel for a loopback port no one is using.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Addr is clamd's unix socket in the form scan.NewClamd takes.
func (s *Server) Addr() string { return "unix:" + s.sock }

// TCPAddr is clamd's loopback TCP address in the form scan.NewClamd takes.
func (s *Server) TCPAddr() string { return fmt.Sprintf("tcp://127.0.0.1:%d", s.port) }

// Scanner returns a scan.Clamd for Addr.
func (s *Server) Scanner() *scan.Clamd {
	c, err := scan.NewClamd(s.Addr())
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// Start starts clamd again after Stop (New has already started it) and
// waits until it answers PING. It fails the test if clamd does not answer
// within 30 s, showing clamd's log.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.startLocked(); err != nil {
		s.t.Fatal(err)
	}
}

var (
	// errExited is clamd exiting as it starts.
	errExited = errors.New("clamd exited at start")
	// errPortTaken is clamd answering on the unix socket but not on TCP:
	// another process took the port.
	errPortTaken = errors.New("clamd could not listen on its TCP port")
)

func (s *Server) startLocked() error {
	if s.cmd != nil {
		return nil
	}
	cmd := exec.Command(s.bin, "--config-file="+filepath.Join(s.dir, "clamd.conf")) // #nosec G204 -- the installed clamd with the test's own configuration, without a shell
	// If the test binary dies (a panic, a timeout, Ctrl-C) clamd goes too.
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting clamd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done

	c := s.Scanner()
	c.DialTimeout = time.Second
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := c.Ping(ctx)
		cancel()
		if err == nil {
			// clamd binds TCP before the unix socket, and carries on
			// without TCP if the port is taken.
			tcp, _ := scan.NewClamd(s.TCPAddr())
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err = tcp.Ping(ctx)
			cancel()
			if err != nil {
				s.stopLocked()
				return fmt.Errorf("%w: no answer on %s (%v); its log:\n%s", errPortTaken, s.TCPAddr(), err, s.log())
			}
			return nil
		}
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("%w (%v); its log:\n%s", errExited, cmd.ProcessState, s.log())
		default:
		}
		if time.Now().After(deadline) {
			s.stopLocked()
			return fmt.Errorf("clamd did not answer PING within 30 s (%v); its log:\n%s", err, s.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops clamd and waits for it to exit, so that scans fail until
// Start. It is safe to call when clamd is already stopped.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
	// A killed clamd leaves its socket behind; a connection to it would be
	// refused anyway, but remove it so Stop leaves nothing listening.
	_ = os.Remove(s.sock)
}

// log returns the end of clamd's log file, for failure messages.
func (s *Server) log() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "clamd.log"))
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b[max(0, len(b)-4000):])
}
