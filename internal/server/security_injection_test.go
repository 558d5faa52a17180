package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// secInjections are strings that break SQL built by hand, or the database
// driver: quotes, comments, stacked statements, LIKE wildcards, a NUL byte,
// invalid UTF-8 and a number past int64.
var secInjections = []string{"' OR 1=1 --", "'; DROP TABLE tenders; --", "1 UNION SELECT null, version() --",
	"a\x00b", "%", "_", "\xff\xfe", "9223372036854775808"}

// secQueryParams are every query parameter a handler reads.
var secQueryParams = []string{"q", "status", "partner", "fy", "page", "theme", "plugin", "category", "format", "next", "table", "state", "code", "error"}

// secFormFields are every field name a form handler reads; fields named
// for records (quantity-12) are added from the records the test uses.
var secFormFields = []string{"email", "password", "confirm", "name", "org_name", "company_number", "postcode", "size", "vcse",
	"role", "roles", "threshold", "default_weighting", "local_area", "max_measures", "band_good", "band_approaching",
	"band_requires_improvement", "theme", "outcome", "code", "title", "unit", "proxy", "max_per_million", "description", "local",
	"chosen", "plugins", "partner", "reference", "category", "estimated_value", "contract_start", "contract_end", "weighting",
	"weighting_reason", "quantitative_share", "scoring_method", "deadline_date", "deadline_time", "measure", "reason", "offer",
	"accepted", "supplier", "value", "start", "end", "awarded_on", "quantity", "period", "version", "action", "narrative",
	"attest_contract", "attest_period", "bid_price", "next", "file", "issuer", "client_id", "client_secret", "domains", "required"}

// TestSecInjectionNeverFails puts each injection string into every query
// parameter of every GET route, into every path parameter of every route,
// and into every field of every form, as people who may use the route. No
// request may fail (the test server fails the test on any logged error,
// so a 500 behind a friendly page counts), and every table still exists.
func TestSecInjectionNeverFails(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	d := secDemoWorld(t, ts)
	tables := secTables(t, ts)

	fields := secRecordFields(t, ts, d)

	// Each route once, as the first person who may use it; the supplier
	// with the supplier's records, staff with theirs.
	type use struct {
		who    secWho
		worlds []map[string]string
	}
	first := map[string]use{}
	perms := ts.srv.Permissions()
	for _, who := range d.people {
		worlds := d.staff
		switch {
		case who.roles == nil:
			worlds = []map[string]string{{"token": "not-a-token"}}
		case who.org != "star":
			worlds = d.supplier
		}
		for _, r := range routes(t, ts.srv) {
			if _, ok := first[r.key()]; !ok && secAllowed(perms[r.key()], who) && !strings.Contains(r.pattern, "*") {
				first[r.key()] = use{who, worlds}
			}
		}
	}
	n, statuses := 0, map[int]int{}
	for _, r := range routes(t, ts.srv) {
		u, ok := first[r.key()]
		if !ok || r.pattern == "/logout" || r.pattern == "/account/sign-out-everywhere" {
			continue // signing out is harmless, and would end the test's sessions
		}
		values := map[string]string{"org": u.who.org}
		for _, w := range u.worlds {
			for k, v := range w {
				if _, set := values[k]; !set {
					values[k] = v
				}
			}
		}
		path, known := fill(r.pattern, values)
		if !known {
			t.Errorf("%s: no records for its parameters", r.key())
			continue
		}
		request := func(path string, form url.Values) {
			t.Helper()
			n++
			var resp *http.Response
			if r.method == http.MethodGet {
				resp, _ = get(t, u.who.c, ts.URL+path)
			} else {
				resp, _ = post(t, u.who.c, ts.URL+path, form)
			}
			statuses[resp.StatusCode]++
		}
		for _, s := range secInjections {
			// Every path parameter in turn.
			for _, m := range paramRE.FindAllStringSubmatch(r.pattern, -1) {
				if m[1] == "org" {
					continue
				}
				bad := map[string]string{}
				for k, v := range values {
					bad[k] = v
				}
				bad[m[1]] = url.PathEscape(s)
				p, _ := fill(r.pattern, bad)
				request(p, url.Values{})
			}
			if r.method == http.MethodGet {
				q := url.Values{}
				for _, name := range secQueryParams {
					q.Set(name, s)
				}
				request(path+"?"+q.Encode(), nil)
				continue
			}
			form := url.Values{}
			for _, name := range fields {
				form.Set(name, s)
			}
			request(path, form)
		}
	}
	if got := secTables(t, ts); !slices.Equal(got, tables) {
		t.Errorf("tables before %v, after %v", tables, got)
	}
	if secInt(t, ts, `SELECT count(*) FROM tenders`) == 0 {
		t.Error("the tenders are gone")
	}
	// Most requests reach a handler: not all of them may be refused early.
	if statuses[http.StatusOK]+statuses[http.StatusUnprocessableEntity] < n/3 {
		t.Errorf("answers by status: %v; too few reached a handler's page or form", statuses)
	}
	t.Logf("%d requests; answers by status: %v", n, statuses)
}

// secRecordFields are secFormFields and the fields named for the records
// the demo world opens (quantity-12, mark-7, …).
func secRecordFields(t *testing.T, ts *testServer, d secDemo) []string {
	t.Helper()
	fields := append([]string(nil), secFormFields...)
	w := d.staff[0]
	for _, id := range secStrings(t, ts, `SELECT id::text FROM tender_measures WHERE tender_id = $1`, w["tender"]) {
		fields = append(fields, "quantity-"+id, "statement-"+id, "target-m"+id, "target-l"+id)
	}
	for _, id := range secStrings(t, ts, `SELECT id::text FROM kpis WHERE contract_id IN ($1, $2)`, w["contract"], d.staff[1]["contract"]) {
		fields = append(fields, "quantity-"+id, "answer-"+id, "decision-"+id, "note-"+id)
	}
	for _, id := range secStrings(t, ts, `SELECT id::text FROM offers WHERE tender_id = $1`, w["tender"]) {
		fields = append(fields, "mark-"+id, "price-"+id, "quality-"+id)
	}
	for i := 1; i <= 12; i++ {
		fields = append(fields, "target-"+itoa(i))
	}
	return fields
}
