package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/server"
	"github.com/tally-sv/tally/internal/tally"
)

// seededServer is the real router on a fresh copy of the demo (SPEC §10),
// which is loaded once per test binary. opts change the configuration. The
// test fails if the server logs an error: a 500 hidden behind a friendly
// page still shows there.
func seededServer(t *testing.T, opts ...func(*config.Config)) *testServer {
	t.Helper()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	logs := &syncBuffer{}
	cfg := config.Config{
		Addr: "127.0.0.1:0", DatabaseURL: db.AppURL, BaseURL: "http://localhost",
		SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour, SecretKey: testSecretKey, LogLevel: "debug",
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := server.New(cfg, postgres.New(db.App).WithFiles(db.Files), slog.New(slog.NewJSONHandler(logs, nil)))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("server logged an error: %s", line)
			}
		}
	})
	return &testServer{Server: ts, srv: srv, db: db, log: logs, t: t}
}

// post sends a form as a browser would from one of Tally's own pages.
func post(t *testing.T, c *http.Client, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	return send(t, c, http.MethodPost, target, form, map[string]string{"Sec-Fetch-Site": "same-origin"})
}

// send makes a request with a form body (nil for none) and headers.
func send(t *testing.T, c *http.Client, method, target string, form url.Values, headers map[string]string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s: status %d", method, target, resp.StatusCode)
	}
	return resp, string(b)
}

// signIn returns a client signed in as email with the demo password.
func signIn(t *testing.T, ts *testServer, email string) *http.Client {
	t.Helper()
	c := ts.client(t)
	resp, body := post(t, c, ts.URL+"/login", url.Values{"email": {email}, "password": {demo.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d\n%s", email, resp.StatusCode, body)
	}
	return c
}

// follow GETs path and follows redirects within the site, returning the
// path it ends on.
func follow(t *testing.T, ts *testServer, c *http.Client, path string) (string, *http.Response, string) {
	t.Helper()
	for range 10 {
		resp, body := get(t, c, ts.URL+path)
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
			return path, resp, body
		}
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("%s: redirect without a location", path)
		}
		path = loc.RequestURI()
	}
	t.Fatalf("too many redirects from %s", path)
	return "", nil, ""
}

// sessionCookie is the value of the client's session cookie, or "".
func sessionCookie(ts *testServer, c *http.Client) string {
	u, _ := url.Parse(ts.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "tally_session" {
			return ck.Value
		}
	}
	return ""
}

// withCookie is a client without a jar that sends one session cookie value.
func withCookie(value string) *http.Client {
	return &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			r.Header.Set("Cookie", "tally_session="+value)
			return http.DefaultTransport.RoundTrip(r)
		}),
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// signedOut reports whether the response sends the caller to sign in.
func signedOut(resp *http.Response) bool {
	return resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
}

var nonceAttr = regexp.MustCompile(`nonce="[^"]*"`)

// normalise blanks what differs on every response (the CSP nonce and the
// request id) and the given strings, such as the email a form echoes.
func normalise(resp *http.Response, body string, blank ...string) string {
	body = nonceAttr.ReplaceAllString(body, `nonce="NONCE"`)
	if id := resp.Header.Get("X-Request-Id"); id != "" {
		body = strings.ReplaceAll(body, id, "REQUEST-ID")
	}
	for _, s := range blank {
		body = strings.ReplaceAll(body, html.EscapeString(s), "BLANK")
	}
	return body
}

// hasFieldError reports whether the page shows a message for the field.
func hasFieldError(body, field string) bool {
	return strings.Contains(body, `id="`+field+`-error" class="govuk-error-message"`)
}

// snapshot fingerprints every table but sessions, so that a test can tell
// that a request wrote nothing. It reads as a superuser, past row-level
// security, and needs no row's text: a table's row count and the newest
// row version's transaction id (xmin) change with any insert, update or
// delete.
func snapshot(t *testing.T, ts *testServer) map[string]string {
	t.Helper()
	ctx := t.Context()
	pool := adminPool(t, ts.db)
	rows, err := pool.Query(ctx, `
		SELECT tablename FROM pg_tables
		WHERE schemaname = 'public' AND tablename NOT IN ('sessions', 'schema_migrations') ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var q []string
	for _, table := range tables {
		q = append(q, fmt.Sprintf(`SELECT '%s', count(*) || ' rows, newest ' || coalesce(max(xmin::text::bigint), 0) FROM %s`,
			strings.ReplaceAll(table, "'", "''"), pgx.Identifier{"public", table}.Sanitize()))
	}
	rows, err = pool.Query(ctx, strings.Join(q, " UNION ALL "))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for rows.Next() {
		var table, s string
		if err := rows.Scan(&table, &s); err != nil {
			t.Fatal(err)
		}
		out[table] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// adminPools holds a superuser pool per test database.
var adminPools sync.Map

func adminPool(t *testing.T, db *pgtest.DB) *pgxpool.Pool {
	t.Helper()
	if p, ok := adminPools.Load(db.Name); ok {
		return p.(*pgxpool.Pool)
	}
	p, err := postgres.Open(context.Background(), db.AdminURL(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if actual, loaded := adminPools.LoadOrStore(db.Name, p); loaded {
		p.Close()
		return actual.(*pgxpool.Pool)
	}
	t.Cleanup(func() {
		adminPools.Delete(db.Name)
		p.Close()
	})
	return p
}

// unchanged fails for each table (other than except) that differs.
func unchanged(t *testing.T, what string, before, after map[string]string, except ...string) {
	t.Helper()
	for table := range after {
		if before[table] != after[table] && !contains(except, table) {
			t.Errorf("%s changed %s: %s → %s", what, table, before[table], after[table])
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// loggedEmail is an email the server wrote to its log (no SMTP configured).
type loggedEmail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// emailsTo lists the emails logged for address, oldest first.
func emailsTo(ts *testServer, address string) []loggedEmail {
	var out []loggedEmail
	for _, line := range ts.mailLines() {
		var e loggedEmail
		if json.Unmarshal([]byte(line), &e) == nil && e.Body != "" && e.To == address {
			out = append(out, e)
		}
	}
	return out
}

var linkRE = regexp.MustCompile(`http://localhost(/(?:invite|reset|login/link|register/confirm)/[A-Za-z0-9_-]+)`)

// lastLink is the path of the link in the latest email to address.
func lastLink(t *testing.T, ts *testServer, address string) string {
	t.Helper()
	mails := emailsTo(ts, address)
	if len(mails) == 0 {
		t.Fatalf("no email to %s in the log", address)
	}
	m := linkRE.FindStringSubmatch(mails[len(mails)-1].Body)
	if m == nil {
		t.Fatalf("no link in the email to %s:\n%s", address, mails[len(mails)-1].Body)
	}
	return m[1]
}

func userID(t *testing.T, ts *testServer, email string) int64 {
	t.Helper()
	var id int64
	if err := ts.db.Owner.QueryRow(t.Context(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

func orgID(t *testing.T, ts *testServer, slug string) int64 {
	t.Helper()
	var id int64
	if err := ts.db.Owner.QueryRow(t.Context(), `SELECT id FROM organisations WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatalf("organisation %s: %v", slug, err)
	}
	return id
}

// addUser creates a user with the demo password and roles in one
// organisation, as the demo does.
func addUser(t *testing.T, ts *testServer, email, slug string, roles ...tally.Role) int64 {
	t.Helper()
	ctx := t.Context()
	var hash string
	if err := ts.db.Owner.QueryRow(ctx, `SELECT password_hash FROM users WHERE email = 'admin@star.example'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(ts.db.Owner)
	u, err := store.CreateUser(ctx, email, "Test "+email, hash)
	if err != nil {
		t.Fatal(err)
	}
	addRoles(t, ts, u.ID, slug, roles...)
	return u.ID
}

func addRoles(t *testing.T, ts *testServer, user int64, slug string, roles ...tally.Role) {
	t.Helper()
	org := orgID(t, ts, slug)
	for _, r := range roles {
		if err := postgres.New(ts.db.Owner).AddRole(t.Context(), tally.Scope{OrgIDs: []int64{org}, Roles: []tally.Role{tally.RoleAdmin}}, user, org, r); err != nil {
			t.Fatal(err)
		}
	}
}

// auditActions lists an organisation's audit actions, oldest first.
func auditActions(t *testing.T, ts *testServer, slug string) []string {
	t.Helper()
	ctx := t.Context()
	tx, err := ts.db.Owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	org := orgID(t, ts, slug)
	if _, err := tx.Exec(ctx, `SELECT set_config('app.org_ids', '{' || $1::bigint || '}', true)`, org); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `SELECT action FROM audit_log WHERE org_id = $1 ORDER BY seq`, org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

// testSecretKey is SECRET_KEY for tests: fixed, so a failure can be replayed.
var testSecretKey = []byte("tally-test-secret-key-32-bytes!!")
