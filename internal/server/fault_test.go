package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/devdb"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// A fault under load: PostgreSQL is stopped while signed-in people read
// pages and save local measures (a row and its audit entry each), then
// started again. While it is down every answer is 503 with Retry-After
// and the unavailable page, never 500; within 5 s of it coming back
// answers are normal again; and every save is whole or absent.
//
// It runs on a private cluster of its own (the shared test cluster is not
// stopped), with a small fixture rather than the demo, which takes a
// minute to load.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a PostgreSQL cluster")
	}
	ctx := t.Context()
	cluster := devdb.Cluster{Dir: t.TempDir(), Log: io.Discard}
	urls, err := cluster.Ensure(ctx)
	// Registered after TempDir, so it runs before the folder is removed.
	t.Cleanup(func() { cluster.Stop(context.Background()) })
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(urls.Owner); err != nil {
		t.Fatal(err)
	}
	db := &pgtest.DB{Name: devdb.Database, AppURL: urls.App, OwnerURL: urls.Owner}
	if db.Owner, err = postgres.Open(ctx, urls.Owner, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Owner.Close)
	star := outageFixture(t, postgres.New(db.Owner))
	if db.App, err = postgres.Open(ctx, urls.App, 8); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.App.Close)
	ts := newTestServerOn(t, db)

	const email = "admin@star.example"
	var clients []*http.Client
	for range 4 {
		clients = append(clients, signIn(t, ts, email))
	}

	// The load: two people read pages, two save new local measures, one
	// request after another, until stop is closed.
	var (
		mu      sync.Mutex
		results []outcome
		sent    []string // the codes of every measure a save was sent for
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	record := func(o outcome) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, o)
	}
	reads := []string{"/o/star/measures/local", "/o/star/audit", "/account", "/o/star"}
	for i, c := range clients {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if i%2 == 0 {
					record(outageRequest(c, http.MethodGet, ts.URL+reads[n%len(reads)], nil))
				} else {
					code := fmt.Sprintf("F%d-%d", i, n)
					mu.Lock()
					sent = append(sent, code)
					mu.Unlock()
					record(outageRequest(c, http.MethodPost, ts.URL+"/o/star/measures/local/new", url.Values{
						"theme": {"Jobs"}, "outcome": {"More local people in work"}, "code": {code},
						"title": {"Local people employed " + code}, "unit": {"people"}}))
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}

	time.Sleep(time.Second) // normal service first
	stopping := time.Now()
	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	time.Sleep(2 * time.Second)
	probe := ts.client(t)
	health := outageRequest(probe, http.MethodGet, ts.URL+"/healthz", nil)
	ready := outageRequest(probe, http.MethodGet, ts.URL+"/readyz", nil)
	starting := time.Now()
	if _, err := cluster.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	// Run on until answers have been normal for a second, or 7 s after.
	for time.Since(up) < 7*time.Second {
		time.Sleep(250 * time.Millisecond)
		mu.Lock()
		lastBad := lastAbnormal(results)
		mu.Unlock()
		if lastBad.Before(time.Now().Add(-time.Second)) && time.Since(up) > time.Second {
			break
		}
	}
	close(stop)
	wg.Wait()

	if health.status != http.StatusOK || ready.status != http.StatusServiceUnavailable {
		t.Errorf("during the outage /healthz answered %d (want 200) and /readyz %d (want 503)", health.status, ready.status)
	}
	var during, after503, okAfter int
	duringBy := map[string]int{}
	for _, o := range results {
		switch {
		case !slices.Contains([]int{http.StatusOK, http.StatusSeeOther, http.StatusServiceUnavailable}, o.status):
			t.Errorf("%s %s at %s: status %d (%v)\n%s", o.method, o.path, o.start.Sub(stopping), o.status, o.err, o.body)
		case o.status == http.StatusServiceUnavailable && (o.retryAfter == "" || !strings.Contains(o.body, "Sorry, the service is unavailable")):
			t.Errorf("%s %s: 503 with Retry-After %q and page\n%s", o.method, o.path, o.retryAfter, o.body)
		case o.status == http.StatusServiceUnavailable && strings.Contains(strings.ToLower(o.body), "sqlstate"):
			t.Errorf("%s %s: the 503 page shows SQL detail\n%s", o.method, o.path, o.body)
		}
		if o.start.After(down) && o.end.Before(starting) {
			during++
			duringBy[o.method]++
			if o.status != http.StatusServiceUnavailable {
				t.Errorf("%s %s during the outage: status %d, want 503", o.method, o.path, o.status)
			}
		}
		if o.start.After(up) {
			if o.status == http.StatusServiceUnavailable {
				after503++
			} else {
				okAfter++
			}
		}
	}
	recovered := lastAbnormal(results).Sub(up)
	t.Logf("%d requests: %d during the outage, after restart %d unavailable then %d normal; normal again %s after restart",
		len(results), during, after503, okAfter, recovered.Round(time.Millisecond))
	if duringBy[http.MethodGet] == 0 || duringBy[http.MethodPost] == 0 || okAfter == 0 {
		t.Fatalf("the load did not reach both sides of the outage: %v during it, %d normal after", duringBy, okAfter)
	}
	if recovered > 5*time.Second {
		t.Errorf("service was normal again %s after the database came back, want within 5s", recovered)
	}
	for _, l := range strings.Split(ts.log.String(), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			t.Errorf("server logged an error: %s", l)
		}
	}
	checkSavesWhole(t, ts, urls.Admin, star, sent, results)
}

// outcome is one request of the load.
type outcome struct {
	method, path, code string // code: the measure a save sent
	start, end         time.Time
	status             int // 0: no answer
	retryAfter, body   string
	err                error
}

// outageRequest sends one request as a browser would (a form from one of
// Tally's pages for a POST).
func outageRequest(c *http.Client, method, target string, form url.Values) outcome {
	u, _ := url.Parse(target)
	o := outcome{method: method, path: u.Path, code: form.Get("code"), start: time.Now()}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		panic(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := c.Do(req)
	if err != nil {
		o.err, o.end = err, time.Now()
		return o
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	o.status, o.retryAfter, o.body, o.end = resp.StatusCode, resp.Header.Get("Retry-After"), string(b), time.Now()
	return o
}

// lastAbnormal is when the last answer other than 200 or 303 ended.
func lastAbnormal(results []outcome) time.Time {
	var last time.Time
	for _, o := range results {
		if o.status != http.StatusOK && o.status != http.StatusSeeOther && o.end.After(last) {
			last = o.end
		}
	}
	return last
}

// outageFixture is an organisation with an admin who signs in with the
// demo password.
func outageFixture(t *testing.T, store *postgres.Store) tally.Org {
	t.Helper()
	ctx := t.Context()
	hash, err := auth.NewHasher(1).Hash(ctx, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	org, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.SharedService, Slug: "star", Name: "STAR Shared Procurement"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.CreateUser(ctx, "admin@star.example", "Ada Admin", hash)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AddRole(ctx, tally.Scope{OrgIDs: []int64{org.ID}, Roles: []tally.Role{tally.RoleAdmin}}, u.ID, org.ID, tally.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	// The password alone signs in, as in the demo (a new organisation asks
	// its administrators for 2-step verification).
	if err := store.SetTwoStepRule(ctx, tally.Scope{OrgIDs: []int64{org.ID}, Roles: []tally.Role{tally.RoleAdmin}}, org.ID, tally.TwoStepNobody); err != nil {
		t.Fatal(err)
	}
	return org
}

// checkSavesWhole checks that each save sent is whole (its measure and its
// audit entry) or absent (neither), that every save answered 303 is there,
// and that the organisation's audit chain is unbroken.
func checkSavesWhole(t *testing.T, ts *testServer, adminURL string, org tally.Org, sent []string, results []outcome) {
	t.Helper()
	ctx := t.Context()
	u, err := url.Parse(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + devdb.Database
	admin, err := postgres.Open(ctx, u.String(), 2) // a superuser: past row-level security
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	rows, err := admin.Query(ctx, `
		SELECT code, count(*) FILTER (WHERE src = 'measure'), count(*) FILTER (WHERE src = 'audit')
		FROM (SELECT code, 'measure' AS src FROM local_measures WHERE org_id = $1
		      UNION ALL
		      SELECT subject, 'audit' FROM audit_log WHERE org_id = $1 AND action = 'measures.local.save') x
		GROUP BY code`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	type saved struct{ measures, audits int }
	found := map[string]saved{}
	for rows.Next() {
		var code string
		var s saved
		if err := rows.Scan(&code, &s.measures, &s.audits); err != nil {
			t.Fatal(err)
		}
		found[code] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatal("no save reached the database")
	}
	for code, s := range found {
		if s != (saved{1, 1}) {
			t.Errorf("measure %s half-written: %d measure rows and %d audit entries, want 1 and 1", code, s.measures, s.audits)
		}
		if !slices.Contains(sent, code) {
			t.Errorf("measure %s saved, but no save was sent for it", code)
		}
	}
	var confirmed, lost int
	for _, o := range results {
		if o.method == http.MethodPost && o.status == http.StatusSeeOther {
			confirmed++
			if _, ok := found[o.code]; !ok {
				t.Errorf("measure %s answered 303 but was not saved", o.code)
			}
		} else if _, ok := found[o.code]; o.method == http.MethodPost && !ok {
			lost++
		}
	}
	t.Logf("%d saves sent: %d confirmed, %d not saved (answered 503)", len(sent), confirmed, lost)
	broken, err := postgres.New(admin).VerifyAuditChain(ctx, tally.Scope{OrgIDs: []int64{org.ID}, Roles: []tally.Role{tally.RoleAdmin}}, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if broken != 0 {
		t.Errorf("audit chain broken at %d", broken)
	}
}

// A database that answers too slowly: with statement_timeout in
// DATABASE_URL (as the README suggests), a request whose query waits past
// it (here on a table locked by another session) answers 503, and the
// same request succeeds once the lock goes.
func TestSlowDatabaseAnswers503(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	slow := *db
	var err error
	if slow.App, err = postgres.Open(ctx, db.AppURL+"&statement_timeout=300ms", 4); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slow.App.Close)
	ts := newTestServerOn(t, &slow)
	c := ts.client(t)
	form := url.Values{"email": {"nobody@example.com"}, "password": {"a wrong password"}}

	tx, err := db.Owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	o := outageRequest(c, http.MethodPost, ts.URL+"/login", form)
	if o.status != http.StatusServiceUnavailable || o.retryAfter == "" || !strings.Contains(o.body, "Sorry, the service is unavailable") {
		t.Errorf("sign-in while the users table is locked: %d, Retry-After %q\n%s", o.status, o.retryAfter, o.body)
	}
	if took := o.end.Sub(o.start); took > 3*time.Second {
		t.Errorf("the 503 took %s", took)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if o := outageRequest(c, http.MethodPost, ts.URL+"/login", form); o.status != http.StatusUnprocessableEntity {
		t.Errorf("sign-in after the lock went: %d, want 422\n%s", o.status, o.body)
	}
}
