package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/secretbox"
)

// server is bin/tally serve, started by the benchmark.
type server struct {
	cmd  *exec.Cmd
	base string
}

func startServer(ctx context.Context, o options, appURL, ownerURL string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.CommandContext(ctx, o.binary, "serve") // #nosec G204 -- the tally binary the benchmark built, without a shell
	cmd.Env = append(os.Environ(), "DATABASE_URL="+appURL, "MIGRATE_DATABASE_URL="+ownerURL, "ADDR="+addr,
		"BASE_URL=http://"+addr, "SECRET_KEY="+secretbox.NewKey(), "LOG_LEVEL="+o.logLevel)
	if o.dbMaxConns != "" {
		cmd.Env = append(cmd.Env, "DB_MAX_CONNS="+o.dbMaxConns)
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	for range 100 { // up to 20 s
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("the server at %s did not become ready", s.base)
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
		}
	}
}

// peakRSS reads the server's VmHWM (peak resident set) in kB.
func (s *server) peakRSS() (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}

// transport is shared by every benchmark client: enough idle connections
// for the list pages' concurrency.
var transport = &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 2048, IdleConnTimeout: 30 * time.Second}

// login signs email in and returns a client carrying the session cookie.
func (s *server) login(email, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: transport, Timeout: 60 * time.Second}
	resp, err := c.PostForm(s.base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.HasSuffix(resp.Request.URL.Path, "/login") {
		return nil, fmt.Errorf("sign in as %s: %s at %s", email, resp.Status, resp.Request.URL.Path)
	}
	return c, nil
}
