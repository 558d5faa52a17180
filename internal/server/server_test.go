package server_test

import (
	"bytes"
	"github.com/tally-sv/tally/internal/notify"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/server"
)

// testServer is the real router on a fresh database.
type testServer struct {
	*httptest.Server
	srv *server.Server
	db  *pgtest.DB
	log *syncBuffer
	t   testing.TB // whose end stops the workers (workJobs)

	workers sync.Once
	sender  notify.Sender // where the workers send email; nil: the log
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerOn(t, pgtest.New(t))
}

// newTestServerOn serves the real router on db.
func newTestServerOn(t *testing.T, db *pgtest.DB) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	cfg := config.Config{
		Addr: "127.0.0.1:0", DatabaseURL: db.AppURL, BaseURL: "http://localhost",
		SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour, LogLevel: "debug",
	}
	srv := server.New(cfg, postgres.New(db.App).WithFiles(db.Files), slog.New(slog.NewJSONHandler(logs, nil)))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, srv: srv, db: db, log: logs, t: t}
}

// client is a browser-like client with a cookie jar that does not follow
// redirects, so tests can assert them.
func (ts *testServer) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := get(t, c, ts.URL+path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	// A schema ahead of the binary (a newer release migrated first, by
	// the expand rule) is ready: a rolling deploy keeps old nodes serving.
	if _, err := ts.db.Owner.Exec(t.Context(), `
		UPDATE schema_migrations SET version = version + 1;
		INSERT INTO river_migration (line, version) SELECT line, max(version) + 1 FROM river_migration GROUP BY line`); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, c, ts.URL+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("readyz with a newer schema: %d %s, want 200", resp.StatusCode, body)
	}
	if resp, body := get(t, c, ts.URL+"/o/star"); resp.StatusCode >= 500 {
		t.Errorf("a page with a newer schema: %d %s", resp.StatusCode, body)
	}
	// A schema behind the binary is not ready.
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE schema_migrations SET version = version - 2`); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, c, ts.URL+"/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with an old schema: %d, want 503", resp.StatusCode)
	}
	// Draining (SIGTERM): not ready, while still serving.
	if _, err := ts.db.Owner.Exec(t.Context(), `UPDATE schema_migrations SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	ts.srv.Drain()
	if resp, body := get(t, c, ts.URL+"/readyz"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "draining") {
		t.Errorf("readyz while draining: %d %s, want 503", resp.StatusCode, body)
	}
	if resp, _ := get(t, c, ts.URL+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz while draining: %d, want 200", resp.StatusCode)
	}
}

func TestUnknownURLGetsNotFoundPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, path := range []string{"/no/such/page", "/static/nothing.css", "/static/"} {
		resp, body := get(t, ts.client(t), ts.URL+path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
		if !strings.Contains(body, "Page not found") || !strings.Contains(body, "govuk-template") {
			t.Errorf("%s: not the 404 page:\n%s", path, body)
		}
	}
}

func TestPanicGetsFriendlyPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.srv.Router().Get("/test-panic", func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail: pq connection string")
	})
	resp, body := get(t, ts.client(t), ts.URL+"/test-panic")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	for _, leak := range []string{"secret internal detail", "goroutine", ".go:"} {
		if strings.Contains(body, leak) {
			t.Errorf("500 page shows %q", leak)
		}
	}
	if !strings.Contains(body, "Sorry, there is a problem with the service") {
		t.Errorf("not the 500 page:\n%s", body)
	}
	if id := resp.Header.Get("X-Request-Id"); id == "" || !strings.Contains(body, id) {
		t.Errorf("500 page should quote the request id %q", id)
	}
	if !strings.Contains(ts.log.String(), "secret internal detail") {
		t.Error("the panic was not logged")
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, path := range []string{"/", "/healthz", "/static/tally.css", "/no/such/page"} {
		resp, _ := get(t, ts.client(t), ts.URL+path)
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s: no %s header", path, h)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}
