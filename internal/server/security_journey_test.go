package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

// Hostile text. Each stored field carries a marker, so the test can tell
// that a page really shows it, and every way of breaking out of HTML text
// or an attribute, and SQL.
const (
	secScript = "<script>alert(1)</script>"
	secImg    = `"><img src=x onerror=alert(1)>`
	secSVG    = "<svg onload=alert(1)>"
)

// secPayload is hostile text for a long field.
func secPayload(marker string) string {
	return "javascript:alert(1)//" + marker + " " + secScript + secImg + secSVG + "'; DROP TABLE tenders; -- ' OR 1=1 --"
}

// secShort is hostile text for a field of at most 50 characters.
func secShort(marker string) string { return marker + `"'><svg onload=alert(1)>--` }

// secJourney is what TestSecHostileJourney stored.
type secJourney struct {
	ts                   *testServer
	supplier             string // the registered supplier's slug
	tender1, tender2, t3 int64  // awarded; edited, extended and cancelled; open
	offer                int64
	contract1, contract2 int64 // awarded from tender1; registered directly
	kpi1, kpi2           int64
	ret, file            int64
	local, edition       int64
	invitee              int64
	markers              map[string]string   // marker → the field it was typed into
	shown                map[string][]string // marker → the route patterns that showed it
	posted               map[string]bool     // "POST pattern" of every form posted
}

// TestSecHostileJourney goes through the whole product, from a supplier's
// registration to a verified return, typing hostile text into every free-text
// field and adding fields no form has to every post. Then it proves that
// the extra fields were ignored, that the SQL-like text was stored as text,
// and that every page a crawl reaches, as five roles, shows the text inert.
func TestSecHostileJourney(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	ids := secIDs{trafford: orgID(t, ts, "trafford"), nationalfm: orgID(t, ts, "nationalfm"),
		rochdaleDirector: userID(t, ts, "director@rochdale.example")}
	tablesBefore := secTables(t, ts)
	start := secInt(t, ts, `SELECT txid_current()`)
	j := secBuildJourney(t, ts, ids.secExtras())

	t.Run("every form was posted", func(t *testing.T) {
		for _, r := range routes(t, ts.srv) {
			if r.method == http.MethodPost && !j.posted[r.key()] {
				t.Errorf("the journey never posted %s", r.key())
			}
		}
	})

	t.Run("mass assignment is ignored", func(t *testing.T) {
		secCheckNoTampering(t, ts, ids, start)
		sup := orgID(t, ts, j.supplier)
		stockport := orgID(t, ts, "stockport")
		for _, c := range []struct {
			what, q string
			id      int64
		}{
			{"the supplier's offer is its own, submitted", `SELECT count(*) FROM offers WHERE id = $1 AND supplier_id = $2 AND partner_id = $3 AND status = 'submitted'`, j.offer},
			{"the awarded contract is the supplier's", `SELECT count(*) FROM contracts WHERE id = $1 AND supplier_id = $2 AND partner_id = $3`, j.contract1},
			{"the direct contract is the supplier's", `SELECT count(*) FROM contracts WHERE id = $1 AND supplier_id = $2 AND partner_id = $3`, j.contract2},
			{"the return is the supplier's, complete", `SELECT count(*) FROM returns WHERE id = $1 AND supplier_id = $2 AND partner_id = $3 AND status = 'complete'`, j.ret},
		} {
			if n := secInt(t, ts, c.q, c.id, sup, stockport); n != 1 {
				t.Errorf("%s: %d rows, want 1", c.what, n)
			}
		}
		roles := secStrings(t, ts, `SELECT m.role::text FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE u.email = 'xss@supplier.example' ORDER BY 1`)
		if !slices.Equal(roles, []string{"supplier"}) {
			t.Errorf("the registered supplier's roles are %v, want [supplier]", roles)
		}
		roles = secStrings(t, ts, `SELECT role::text FROM memberships WHERE user_id = $1 ORDER BY 1`, j.invitee)
		if !slices.Equal(roles, []string{"buyer", "evaluator"}) {
			t.Errorf("the invitee's roles are %v, want [buyer evaluator]", roles)
		}
		if got := secStrings(t, ts, `SELECT reference || ' ' || status FROM tenders WHERE reference LIKE 'SEC-T2%' ORDER BY id`); !slices.Equal(got, []string{"SEC-T2 cancelled", "SEC-T2-COPY draft"}) {
			t.Errorf("the tender and its copy are %q, want cancelled and a draft", got)
		}
	})

	t.Run("SQL-like text is stored as text", func(t *testing.T) {
		if got := secTables(t, ts); !slices.Equal(got, tablesBefore) {
			t.Errorf("tables before %v, after %v", tablesBefore, got)
		}
		for table, column := range map[string]string{"tenders": "title", "local_measures": "title", "returns": "narrative",
			"organisations": "name", "users": "name", "line_moderations": "reason"} {
			if n := secInt(t, ts, `SELECT count(*) FROM `+table+` WHERE `+column+` LIKE '%''; DROP TABLE tenders; -- '' OR 1=1 --'`); n == 0 {
				t.Errorf("%s.%s: no row holds the hostile text literally", table, column)
			}
		}
	})

	t.Run("stored text is inert on every page", func(t *testing.T) {
		secCheckInertEverywhere(t, j)
	})
}

// secCheckNoTampering reads every row written since start, past row-level
// security, and fails on any that carries a value only the extras had.
func secCheckNoTampering(t *testing.T, ts *testServer, ids secIDs, start int64) {
	t.Helper()
	foreign := map[string]int64{"partner_id": ids.trafford, "org_id": ids.trafford, "supplier_id": ids.nationalfm,
		"user_id": ids.rochdaleDirector, "created_by": ids.rochdaleDirector, "invited_by": ids.rochdaleDirector}
	checked := 0
	for _, table := range secTables(t, ts) {
		if table == "sessions" || table == "schema_migrations" {
			continue
		}
		for _, row := range secStrings(t, ts, `SELECT to_jsonb(t)::text FROM `+table+` t WHERE t.xmin::text::bigint >= $1`, start) {
			checked++
			for _, magic := range []string{secMagicNumber, secMagicDate} {
				if strings.Contains(row, magic) {
					t.Errorf("%s: a row holds the tampered %s: %.300s", table, magic, row)
				}
			}
			var cols map[string]any
			if err := json.Unmarshal([]byte(row), &cols); err != nil {
				t.Fatal(err)
			}
			for col, id := range foreign {
				if v, ok := cols[col].(float64); ok && int64(v) == id {
					t.Errorf("%s: %s is the posted %d: %.300s", table, col, id, row)
				}
			}
			if cols["status"] == "rejected" {
				t.Errorf("%s: the posted status was stored: %.300s", table, row)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d rows were written: the journey did not get far", checked)
	}
}

// inert checks one page as c sees it now.
func (j *secJourney) inert(t *testing.T, c *http.Client, path string) {
	t.Helper()
	resp, body := get(t, c, j.ts.URL+path)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	j.check(t, "", secPage{path: path, pattern: secPattern(j.ts, http.MethodGet, path), status: resp.StatusCode, resp: resp, body: body})
}

// check fails for anything on an HTML page that could run, and notes which
// stored fields the page shows.
func (j *secJourney) check(t *testing.T, who string, pg secPage) {
	t.Helper()
	for _, bad := range secInert(pg.resp, pg.body) {
		t.Errorf("%s: GET %s: %s", who, pg.path, bad)
	}
	if strings.Contains(secLowerASCII(pg.body), "<script>alert(1)") {
		t.Errorf("%s: GET %s: an unescaped script", who, pg.path)
	}
	for marker := range j.markers {
		if strings.Contains(pg.body, marker) {
			j.shown[marker] = append(j.shown[marker], pg.pattern)
		}
	}
}

// secCheckInertEverywhere crawls the product as the journey's people and
// checks every HTML page: nothing stored runs, and every field is shown
// somewhere.
func secCheckInertEverywhere(t *testing.T, j *secJourney) {
	ts := j.ts
	staff := []map[string]string{
		{"tender": itoa64(j.tender1), "contract": itoa64(j.contract1), "kpi": itoa64(j.kpi1), "return": itoa64(j.ret),
			"file": itoa64(j.file), "measure": itoa64(j.local), "edition": itoa64(j.edition), "user": itoa64(j.invitee),
			"partner": "stockport", "supplier": j.supplier, "table": "measures", "format": "csv"},
		{"tender": itoa64(j.tender2), "contract": itoa64(j.contract2), "kpi": itoa64(j.kpi2), "table": "themes", "format": "xlsx"},
		{"tender": itoa64(j.t3)},
	}
	supplierUser := userID(t, ts, "xss@supplier.example")
	supplierWorlds := []map[string]string{
		{"tender": itoa64(j.t3), "offer": itoa64(j.offer), "contract": itoa64(j.contract2), "return": itoa64(j.ret),
			"file": itoa64(j.file), "user": itoa64(supplierUser), "edition": itoa64(j.edition), "format": "csv"},
		{"contract": itoa64(j.contract1), "format": "xlsx"},
	}
	supplier := ts.client(t)
	post(t, supplier, ts.URL+"/login", url.Values{"email": {"xss@supplier.example"}, "password": {"correct horse battery staple"}})
	people := []secWho{
		{"Stockport's buyer", signIn(t, ts, "buyer@stockport.example"), "stockport", []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}},
		{"the shared service's director", signIn(t, ts, "director@star.example"), "star", []tally.Role{tally.RoleDirector}},
		{"the shared service's administrator", signIn(t, ts, "admin@star.example"), "star", []tally.Role{tally.RoleAdmin}},
		{"the shared service's contract manager", signIn(t, ts, "contracts@star.example"), "star", []tally.Role{tally.RoleContractManager}},
		{"the registered supplier", supplier, j.supplier, []tally.Role{tally.RoleSupplier}},
	}
	shown := j.shown
	pages := 0
	for i, who := range people {
		worlds := staff
		if who.org == j.supplier {
			worlds = supplierWorlds
		}
		seeds := secSeeds(t, ts, who, worlds...)
		if i == 1 {
			// Stockport's own audit trail holds its buyer's reasons.
			seeds = append(seeds, "/o/stockport/audit")
		}
		for _, pg := range secCrawl(t, ts, who, seeds, 2) {
			if !pg.html() {
				continue
			}
			pages++
			j.check(t, who.name, pg)
		}
	}
	var missing []string
	for marker, field := range j.markers {
		if len(shown[marker]) == 0 {
			missing = append(missing, field)
		}
	}
	sort.Strings(missing)
	for _, field := range missing {
		t.Errorf("no page showed the %s, so its escaping was not tested", field)
	}
	// The pages the brief names show what was typed.
	for marker, want := range map[string][]string{
		"XSS13": {"/o/{org}/tenders/{tender}", "/o/{org}/opportunities", "/o/{org}/tenders/{tender}/evaluation", "/o/{org}/contracts/{contract}"},
		"XSS01": {"/o/{org}/suppliers/{supplier}", "/o/{org}/tenders/{tender}/evaluation", "/o/{org}/audit"},
		"XSS16": {"/o/{org}/tenders/{tender}/evaluation"}, "XSS18": {"/o/{org}/tenders/{tender}/evaluation"},
		"XSS25": {"/o/{org}/returns/{return}"}, "XSS26": {"/o/{org}/returns/{return}"}, "XSS27": {"/o/{org}/returns/{return}"},
		"XSS03": {"/o/{org}/users"},
	} {
		for _, pattern := range want {
			if !slices.Contains(shown[marker], pattern) {
				t.Errorf("%s: the %s was not shown on %s (shown on %v)", marker, j.markers[marker], pattern, shown[marker])
			}
		}
	}
	t.Logf("%d pages checked; fields shown on: %v", pages, fmt.Sprint(len(shown)))
}
