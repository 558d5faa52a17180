package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/tally"
)

// secDemo is what a crawl of the demo needs: people, and the ids of records
// they may open.
type secDemo struct {
	people   []secWho
	staff    []map[string]string // worlds for the shared service's staff
	supplier []map[string]string // worlds for the supplier
}

// secDemoWorld signs in the shared service's staff (buyer and evaluator,
// director, administrator, contract manager), a supplier with a verified
// return and evidence, and a signed-out visitor, and finds demo records of
// every kind for them to open. It adds a local measure, so that its pages
// have one.
func secDemoWorld(t *testing.T, ts *testServer) secDemo {
	t.Helper()
	admin := signIn(t, ts, "admin@star.example")
	resp, _ := post(t, admin, ts.URL+"/o/star/measures/local/new", url.Values{"theme": {"Jobs"}, "outcome": {"Local jobs"},
		"code": {"SECL1"}, "title": {"Local school leavers hired"}, "unit": {"people"}, "proxy": {"100"}, "description": {""}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add a local measure: %d", resp.StatusCode)
	}
	ret := secInt(t, ts, `SELECT min(return_id) FROM evidence`)
	contract := secInt(t, ts, `SELECT contract_id FROM returns WHERE id = $1`, ret)
	supplier := secStrings(t, ts, `SELECT o.slug FROM returns r JOIN organisations o ON o.id = r.supplier_id WHERE r.id = $1`, ret)[0]
	awarded := secInt(t, ts, `SELECT max(tender_id) FROM contracts WHERE tender_id IS NOT NULL`)
	w := map[string]string{
		"tender":   itoa64(awarded),
		"contract": itoa64(secInt(t, ts, `SELECT id FROM contracts WHERE tender_id = $1`, awarded)),
		"return":   itoa64(ret), "file": itoa64(secInt(t, ts, `SELECT min(id) FROM evidence WHERE return_id = $1`, ret)),
		"measure": itoa64(secInt(t, ts, `SELECT id FROM local_measures WHERE code = 'SECL1'`)),
		"edition": itoa64(secInt(t, ts, `SELECT id FROM editions WHERE name = 'Open Demo Measures 2026'`)),
		"user":    itoa64(userID(t, ts, "director@star.example")), "partner": "stockport", "supplier": supplier,
		"table": "measures", "format": "csv",
	}
	post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"pending-invite@star.example"}, "roles": {"buyer"}})
	// Someone else's session: ending it must fail quietly for everyone here.
	signIn(t, ts, "evaluator@star.example")
	w["session"] = secStrings(t, ts, `SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex') FROM sessions WHERE user_id = $1`,
		userID(t, ts, "evaluator@star.example"))[0]
	w["invitation"] = itoa64(secInt(t, ts, `SELECT id FROM invitations WHERE email = 'pending-invite@star.example'`))
	w["email"] = itoa64(undeliveredEmail(t, ts, orgID(t, ts, "star"), orgID(t, ts, "star"), "gone@star.example", "Secret subject"))
	w["kpi"] = itoa64(secInt(t, ts, `SELECT min(id) FROM kpis WHERE contract_id = $1`, secInt(t, ts, `SELECT id FROM contracts WHERE tender_id = $1`, awarded)))
	open := itoa64(secInt(t, ts, `SELECT min(id) FROM tenders WHERE status = 'published' AND deadline > now()`))
	closed := itoa64(secInt(t, ts, `SELECT min(t.id) FROM tenders t WHERE status = 'published' AND deadline <= now()
		AND EXISTS (SELECT 1 FROM offers o WHERE o.tender_id = t.id AND o.status = 'submitted')`))
	sup := orgID(t, ts, supplier)
	d := secDemo{
		staff: []map[string]string{w,
			{"tender": open, "contract": itoa64(contract), "kpi": itoa64(secInt(t, ts, `SELECT min(id) FROM kpis WHERE contract_id = $1`, contract)),
				"table": "themes", "format": "xlsx"},
			{"tender": closed, "table": "months"}, {"table": "ratings"}},
		supplier: []map[string]string{
			{"tender": open, "contract": itoa64(contract), "return": w["return"], "file": w["file"], "edition": w["edition"],
				"offer": itoa64(secInt(t, ts, `SELECT min(id) FROM offers WHERE supplier_id = $1 AND status = 'submitted'`, sup)),
				"user":  itoa64(userID(t, ts, "bids@"+supplier+".example")), "format": "csv"},
			{"offer": itoa64(secInt(t, ts, `SELECT max(id) FROM offers WHERE supplier_id = $1`, sup)), "format": "xlsx"}},
	}
	d.people = []secWho{
		{"a signed-out visitor", ts.client(t), "", nil},
		{"the shared service's buyer", signIn(t, ts, "buyer@star.example"), "star", []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}},
		{"the shared service's director", signIn(t, ts, "director@star.example"), "star", []tally.Role{tally.RoleDirector}},
		{"the shared service's administrator", admin, "star", []tally.Role{tally.RoleAdmin}},
		{"the shared service's contract manager", signIn(t, ts, "contracts@star.example"), "star", []tally.Role{tally.RoleContractManager}},
		{"a supplier", signIn(t, ts, "bids@"+supplier+".example"), supplier, []tally.Role{tally.RoleSupplier}},
	}
	return d
}

// TestSecCrawl signs people in, resets a password, accepts an invitation
// and registers a supplier through its emailed link, then crawls every GET route (and the links the pages show) as
// six kinds of visitor. It proves that no GET writes anything, that every
// response carries the security headers, and that no session token,
// password or password hash is ever in a URL, a page or a log line (and no
// emailed token outside its email).
func TestSecCrawl(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	d := secDemoWorld(t, ts)

	// Accounts at work: a wrong password, a reset, an invitation. Their
	// secrets must not leak.
	const wrong, reset, joined, registered = "Wrong guess 5512 for the log", "Brand new secret 8472", "Invitee secret 9931", "Registrant secret 7713"
	var locations []string
	postAndKeep := func(c *http.Client, path string, form url.Values) *http.Response {
		t.Helper()
		resp, _ := post(t, c, ts.URL+path, form)
		locations = append(locations, resp.Header.Get("Location"))
		return resp
	}
	anon := ts.client(t)
	postAndKeep(anon, "/login", url.Values{"email": {"buyer@stockport.example"}, "password": {wrong}})
	postAndKeep(anon, "/password-reset", url.Values{"email": {"buyer@stockport.example"}})
	if resp := postAndKeep(anon, lastLink(t, ts, "buyer@stockport.example"), url.Values{"password": {reset}, "confirm": {reset}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	stockport := ts.client(t)
	if resp := postAndKeep(stockport, "/login", url.Values{"email": {"buyer@stockport.example"}, "password": {reset}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", resp.StatusCode)
	}
	admin := d.people[3].c
	postAndKeep(admin, "/o/star/users", url.Values{"email": {"joiner@star.example"}, "roles": {"buyer"}})
	joiner := ts.client(t)
	if resp := postAndKeep(joiner, lastLink(t, ts, "joiner@star.example"), url.Values{"name": {"Jo Iner"}, "password": {joined}, "confirm": {joined}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept the invitation: %d", resp.StatusCode)
	}
	form := registration("Crawl Cakes Ltd", "SK1 3XE", "owner@crawlcakes.example")
	postAndKeep(anon, "/register", form)
	if resp := postAndKeep(ts.client(t), lastLink(t, ts, "owner@crawlcakes.example"), choosePassword(registered)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("finish registering: %d", resp.StatusCode)
	}
	// Links left unused, for the crawl to open (a GET must not use them up).
	postAndKeep(anon, "/password-reset", url.Values{"email": {"director@rochdale.example"}})
	postAndKeep(admin, "/o/star/users", url.Values{"email": {"pending@star.example"}, "roles": {"director"}})
	postAndKeep(anon, "/register", registration("Crawl Crumbs Ltd", "SK1 3XE", "owner@crawlcrumbs.example"))
	tokens := []string{strings.TrimPrefix(lastLink(t, ts, "director@rochdale.example"), "/reset/"),
		strings.TrimPrefix(lastLink(t, ts, "pending@star.example"), "/invite/"),
		strings.TrimPrefix(lastLink(t, ts, "owner@crawlcrumbs.example"), "/register/confirm/")}
	postAndKeep(anon, "/login/link", url.Values{"email": {"director@rochdale.example"}})
	tokens = append(tokens, strings.TrimPrefix(lastLink(t, ts, "director@rochdale.example"), "/login/link/"))
	var tokenWorlds []map[string]string
	for _, tok := range tokens {
		tokenWorlds = append(tokenWorlds, map[string]string{"token": tok})
	}
	// Half way through signing in: the password given, the security code
	// not yet (twostep.go). Signed out, as far as the crawl can tell.
	turnOn(t, ts, "contracts@trafford.example")
	halfway, _ := password(t, ts, "contracts@trafford.example", "/")
	d.people = append(d.people, secWho{"Stockport's buyer, after a reset", stockport, "stockport", []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}},
		secWho{"a new buyer, invited", joiner, "star", []tally.Role{tally.RoleBuyer}},
		secWho{"a signed-out visitor half way through signing in", halfway, "", nil})

	before := snapshot(t, ts)
	const otherAudit = `SELECT count(*) FROM audit_log WHERE action <> 'offers.open'`
	auditBefore := count(t, ts, otherAudit)
	var pages []secPage
	for _, who := range d.people {
		worlds := d.staff
		switch {
		case who.roles == nil:
			worlds = tokenWorlds
		case slices.Contains(who.roles, tally.RoleSupplier):
			worlds = d.supplier
		case strings.Contains(who.name, "after a reset"), strings.Contains(who.name, "invited"):
			worlds = append(slices.Clone(tokenWorlds), map[string]string{"tender": d.staff[0]["tender"]})
		}
		pages = append(pages, secCrawl(t, ts, who, secSeeds(t, ts, who, worlds...), 2)...)
	}
	after := snapshot(t, ts)

	t.Run("no GET changes data", func(t *testing.T) {
		// Reading messages marks them read for the reader: by design. The
		// workers (started to read the emails above) keep River's leader
		// and queue rows alive as they run; no job is queued or changed.
		// Opening a tender's offers is audited (once a day per person):
		// the only entries a GET may add.
		unchanged(t, "the crawl", before, after, "notification_reads", "river_leader", "river_queue", "audit_log")
		if n := count(t, ts, otherAudit); n != auditBefore {
			t.Errorf("the crawl added %d audit entries besides opening offers", n-auditBefore)
		}
		if count(t, ts, `SELECT count(*) FROM audit_log WHERE action = 'offers.open'`) == 0 {
			t.Error("the crawl opened no tender's offers, or opening them was not audited")
		}
	})

	t.Run("every GET route was reached", func(t *testing.T) {
		reached := map[string]bool{}
		for _, pg := range pages {
			if pg.status == http.StatusOK && len(pg.pattern) > 1 {
				reached[strings.TrimSuffix(pg.pattern, "/")] = true
			} else if pg.status == http.StatusOK {
				reached[pg.pattern] = true
			}
		}
		for _, r := range routes(t, ts.srv) {
			if r.method == http.MethodGet && !reached[r.pattern] {
				t.Errorf("no crawl got a page from %s", r.pattern)
			}
		}
		t.Logf("%d responses", len(pages))
	})

	t.Run("security headers on every response", func(t *testing.T) {
		nonces := map[string]string{}
		for _, pg := range pages {
			signedIn := !strings.Contains(pg.who, "signed-out")
			for _, bad := range secHeaderProblems(pg.resp, signedIn) {
				t.Errorf("%s: GET %s (%d): %s", pg.who, pg.path, pg.status, bad)
			}
			if m := secNonceRE.FindStringSubmatch(pg.resp.Header.Get("Content-Security-Policy")); m != nil {
				if other, ok := nonces[m[1]]; ok {
					t.Errorf("GET %s reused the CSP nonce of GET %s", pg.path, other)
				}
				nonces[m[1]] = pg.path
			}
		}
	})

	secrets := map[string]string{"the demo password": demo.Password, "a wrong password": wrong, "a reset password": reset,
		"an invitee's password": joined, "a registrant's password": registered}
	// An argon2id hash is $argon2id$v=19$m=…,t=…,p=…$salt$hash: the salt and
	// the hash are the secret parts.
	for i, h := range secStrings(t, ts, `SELECT DISTINCT password_hash FROM users WHERE password_hash <> ''`) {
		parts := strings.Split(h, "$")
		if len(parts) != 6 || parts[1] != "argon2id" {
			t.Errorf("a password hash is not argon2id: %.20s…", h)
			continue
		}
		secrets["the salt of password hash "+itoa(i)] = parts[4]
		secrets["password hash "+itoa(i)] = parts[5]
	}
	for _, who := range append(d.people, secWho{name: "the anonymous client", c: anon}) {
		if v := sessionCookie(ts, who.c); v != "" {
			secrets["the session token of "+who.name] = v
		}
	}

	if n := len(secrets); n < 5+2+len(d.people) {
		t.Fatalf("only %d secrets to look for: some session tokens or hashes were not found", n)
	}

	t.Run("no secret in a URL or on a page", func(t *testing.T) {
		for _, pg := range pages {
			urls := []string{pg.resp.Header.Get("Location")}
			if pg.html() {
				for _, tag := range secTags(pg.body) {
					for _, a := range tag.attrs {
						if slices.Contains(secURLAttrs, a[0]) {
							urls = append(urls, a[1])
						}
					}
				}
			}
			for what, secret := range secrets {
				for _, u := range append(urls, pg.path) {
					if strings.Contains(u, secret) || strings.Contains(u, url.QueryEscape(secret)) {
						t.Errorf("%s: GET %s: %s is in the URL %q", pg.who, pg.path, what, u)
					}
				}
				if strings.Contains(pg.body, secret) {
					t.Errorf("%s: GET %s: the page shows %s", pg.who, pg.path, what)
				}
			}
		}
		for _, loc := range locations {
			for what, secret := range secrets {
				if strings.Contains(loc, secret) {
					t.Errorf("a redirect to %q carries %s", loc, what)
				}
			}
		}
	})

	t.Run("no secret in a log line", func(t *testing.T) {
		secCheckLog(t, ts, secrets)
	})
}

var secTokenRE = regexp.MustCompile(`/(?:invite|reset|register/confirm)/([A-Za-z0-9_-]{16,})`)

// secCheckLog reads every line the server logged. No line carries a
// secret; the emails (logged because no SMTP server is set: the documented
// development outbox) are the only lines with an emailed token, and the
// request lines name the token routes with the token redacted and never
// carry a query string.
func secCheckLog(t *testing.T, ts *testServer, secrets map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(ts.mailLog()), "\n")
	var tokens []string
	for _, line := range lines {
		var m struct{ Msg, Body, Path string }
		if json.Unmarshal([]byte(line), &m) == nil && strings.HasPrefix(m.Msg, "email (") {
			for _, tm := range secTokenRE.FindAllStringSubmatch(m.Body, -1) {
				tokens = append(tokens, tm[1])
			}
		}
	}
	if len(tokens) < 4 {
		t.Errorf("only %d emailed tokens found in the log; the test expects the resets and invitations", len(tokens))
	}
	kinds := map[string]int{}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line %d is not JSON: %.200s", i+1, line)
			continue
		}
		msg, _ := m["msg"].(string)
		email := strings.HasPrefix(msg, "email (")
		kinds[msg]++
		for what, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Errorf("log line %d (%q) carries %s", i+1, msg, what)
			}
		}
		if !email {
			for _, tok := range tokens {
				if strings.Contains(line, tok) {
					t.Errorf("log line %d (%q) carries an emailed token: %.300s", i+1, msg, line)
				}
			}
		}
		if msg == "request" {
			path, _ := m["path"].(string)
			if strings.ContainsAny(path, "?#") {
				t.Errorf("log line %d: the request path has a query: %s", i+1, path)
			}
			for _, prefix := range []string{"/reset/", "/invite/", "/login/link/", "/register/confirm/"} {
				if strings.HasPrefix(path, prefix) && path != prefix+"[redacted]" {
					t.Errorf("log line %d: %s is not redacted", i+1, path)
				}
			}
		}
	}
	var seen []string
	for k, n := range kinds {
		seen = append(seen, k+"×"+itoa(n))
	}
	sort.Strings(seen)
	if kinds["request"] == 0 || kinds["signed in"] == 0 {
		t.Errorf("the log lacks request and sign-in lines: %v", seen)
	}
}

// secHeaderProblems lists what a response lacks of the headers every
// response carries. A signed-in person's pages and downloads are never
// stored by caches; static files may be.
func secHeaderProblems(resp *http.Response, signedIn bool) []string {
	var bad []string
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	switch {
	case csp == "":
		bad = append(bad, "no Content-Security-Policy")
	case strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval"):
		bad = append(bad, "CSP allows unsafe scripts: "+csp)
	case !strings.Contains(csp, "frame-ancestors 'none'"):
		bad = append(bad, "CSP lets other sites frame it: "+csp)
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		if m := secNonceRE.FindStringSubmatch(csp); m == nil || len(m[1]) < 16 {
			bad = append(bad, "an HTML page's CSP has no nonce: "+csp)
		}
		for _, d := range []string{"object-src 'none'", "base-uri 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, d) {
				bad = append(bad, "CSP lacks "+d)
			}
		}
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		bad = append(bad, "no X-Content-Type-Options: nosniff")
	}
	if rp := h.Get("Referrer-Policy"); rp == "" || rp == "unsafe-url" || rp == "no-referrer-when-downgrade" {
		bad = append(bad, "Referrer-Policy "+rp)
	}
	if h.Get("X-Frame-Options") != "DENY" {
		bad = append(bad, "no X-Frame-Options: DENY")
	}
	// Static files and the health checks are served outside sessions and
	// carry nothing personal.
	p := resp.Request.URL.Path
	public := strings.HasPrefix(p, "/static/") && resp.StatusCode == http.StatusOK || p == "/healthz" || p == "/readyz"
	if signedIn && !public && !strings.Contains(h.Get("Cache-Control"), "no-store") {
		bad = append(bad, "a signed-in response without Cache-Control: no-store")
	}
	return bad
}
