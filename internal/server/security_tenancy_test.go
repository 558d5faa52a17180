package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

// secRecords are one owner's records, by route parameter.
type secRecords map[string]string

// secPartnerRecords finds a partner's records: its latest awarded tender,
// a contract with a return and evidence (when it has one), a KPI, a member
// and a local measure (added by an administrator of its own).
func secPartnerRecords(t *testing.T, ts *testServer, slug, member string) secRecords {
	t.Helper()
	p := orgID(t, ts, slug)
	addUser(t, ts, "admin@"+slug+".sec", slug, tally.RoleAdmin)
	c := signIn(t, ts, "admin@"+slug+".sec")
	code := "SEC-" + strings.ToUpper(slug)
	resp, _ := post(t, c, ts.URL+"/o/"+slug+"/measures/local/new", url.Values{"theme": {"Jobs"}, "outcome": {"Local jobs"},
		"code": {code}, "title": {"Care leavers hired"}, "unit": {"people"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s: add a local measure: %d", slug, resp.StatusCode)
	}
	r := secRecords{"partner": slug, "user": itoa64(userID(t, ts, member)),
		"measure": itoa64(secInt(t, ts, `SELECT id FROM local_measures WHERE code = $1`, code)),
		"tender":  itoa64(secInt(t, ts, `SELECT max(tender_id) FROM contracts WHERE partner_id = $1 AND tender_id IS NOT NULL`, p)),
	}
	ret := secInt(t, ts, `SELECT coalesce(min(r.id), 0) FROM returns r WHERE r.partner_id = $1
		AND EXISTS (SELECT 1 FROM evidence e WHERE e.return_id = r.id)`, p)
	contract := secInt(t, ts, `SELECT coalesce((SELECT contract_id FROM returns WHERE id = $2),
		(SELECT min(id) FROM contracts c WHERE partner_id = $1 AND EXISTS (SELECT 1 FROM kpis k WHERE k.contract_id = c.id)))`, p, ret)
	r["contract"] = itoa64(contract)
	r["kpi"] = itoa64(secInt(t, ts, `SELECT min(id) FROM kpis WHERE contract_id = $1`, contract))
	if ret != 0 {
		r["return"] = itoa64(ret)
		r["file"] = itoa64(secInt(t, ts, `SELECT min(id) FROM evidence WHERE return_id = $1`, ret))
	}
	return r
}

// secSupplierRecords finds a supplier's offer, contract, KPI, return and
// evidence, and its user.
func secSupplierRecords(t *testing.T, ts *testServer, slug string) secRecords {
	t.Helper()
	s := orgID(t, ts, slug)
	ret := secInt(t, ts, `SELECT min(r.id) FROM returns r WHERE r.supplier_id = $1 AND EXISTS (SELECT 1 FROM evidence e WHERE e.return_id = r.id)`, s)
	contract := secInt(t, ts, `SELECT contract_id FROM returns WHERE id = $1`, ret)
	return secRecords{"user": itoa64(userID(t, ts, "bids@"+slug+".example")),
		"offer":    itoa64(secInt(t, ts, `SELECT min(id) FROM offers WHERE supplier_id = $1`, s)),
		"contract": itoa64(contract), "kpi": itoa64(secInt(t, ts, `SELECT min(id) FROM kpis WHERE contract_id = $1`, contract)),
		"return": itoa64(ret), "file": itoa64(secInt(t, ts, `SELECT min(id) FROM evidence WHERE return_id = $1`, ret)),
	}
}

// TestSecCrossTenantAccessIs404 takes every route with a record in its path,
// from the permission table, and has each kind of person who may use it
// name another partner's or another supplier's record there, alone or
// beside a record of their own (another partner's KPI on their own
// contract, say). Every request answers 404, the same page as for a record
// that does not exist, and nothing is written.
func TestSecCrossTenantAccessIs404(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	stockport := secPartnerRecords(t, ts, "stockport", "buyer@stockport.example")
	trafford := secPartnerRecords(t, ts, "trafford", "contracts@trafford.example")
	resp, _ := post(t, signIn(t, ts, "admin@star.example"), ts.URL+"/o/star/measures/local/new", url.Values{"theme": {"Jobs"},
		"outcome": {"Local jobs"}, "code": {"SEC-STAR"}, "title": {"Veterans hired"}, "unit": {"people"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("star: add a local measure: %d", resp.StatusCode)
	}
	star := secRecords{"measure": itoa64(secInt(t, ts, `SELECT id FROM local_measures WHERE code = 'SEC-STAR'`))}
	suppliers := secStrings(t, ts, `SELECT DISTINCT o.slug FROM evidence e JOIN returns r ON r.id = e.return_id
		JOIN organisations o ON o.id = r.supplier_id ORDER BY 1 LIMIT 2`)
	if len(suppliers) < 2 {
		t.Fatalf("the demo has %d suppliers with evidence, want 2", len(suppliers))
	}
	mine, theirs := secSupplierRecords(t, ts, suppliers[0]), secSupplierRecords(t, ts, suppliers[1])
	// A tender never published is no supplier's opportunity.
	draft := itoa64(secInt(t, ts, `SELECT min(id) FROM tenders WHERE status = 'draft'`))
	if draft == "0" {
		f := (&tnEnv{}).tenderForm("SEC-DRAFT")
		f.Set("measure", "m"+itoa64(secInt(t, ts, `SELECT min(id) FROM measures WHERE code = 'JOB1'`)))
		resp, _ := post(t, signIn(t, ts, "buyer@stockport.example"), ts.URL+"/o/stockport/tenders/new", f)
		draft = itoa64(tnID(t, resp, ""))
	}
	theirs["tender"] = draft

	type attacker struct {
		who         secWho
		own, victim secRecords
	}
	addUser(t, ts, "admin@stockport.test", "stockport", tally.RoleAdmin)
	rochdale := secPartnerRecords(t, ts, "rochdale", "director@rochdale.example")
	attackers := []attacker{
		{secWho{"Stockport's buyer", signIn(t, ts, "buyer@stockport.example"), "stockport", []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}}, stockport, trafford},
		{secWho{"Trafford's contract manager", signIn(t, ts, "contracts@trafford.example"), "trafford", []tally.Role{tally.RoleContractManager}}, trafford, stockport},
		{secWho{"Rochdale's director", signIn(t, ts, "director@rochdale.example"), "rochdale", []tally.Role{tally.RoleDirector}}, rochdale, stockport},
		{secWho{"Stockport's administrator", signIn(t, ts, "admin@stockport.test"), "stockport", []tally.Role{tally.RoleAdmin}}, stockport, trafford},
		// A shared service's local measures are read-only to its partners.
		{secWho{"Stockport's administrator, on the shared service's measure", signIn(t, ts, "admin@stockport.test"), "stockport", []tally.Role{tally.RoleAdmin}},
			stockport, secRecords{"measure": star["measure"]}},
		{secWho{"a supplier", signIn(t, ts, "bids@"+suppliers[0]+".example"), suppliers[0], []tally.Role{tally.RoleSupplier}}, mine, theirs},
	}
	// Fields a hostile post might carry, so that a missing check would write.
	form := url.Values{"reason": {"Mine now"}, "deadline_date": {"2099-01-01"}, "deadline_time": {"12:00"}, "accepted": {"0"},
		"offer": {theirs["offer"]}, "roles": {"admin"}, "email": {"x@sec.example"}, "role": {"admin"}, "threshold": {"1"},
		"default_weighting": {"10"}, "local_area": {"M"}, "max_measures": {"5"}, "band_good": {"95"}, "band_approaching": {"85"},
		"band_requires_improvement": {"70"}, "period": {"1"}, "action": {"submit"}, "version": {"0"}, "narrative": {"x"},
		"chosen": {"yes"}, "theme": {"x"}, "outcome": {"x"}, "code": {"x"}, "title": {"x"}, "unit": {"x"}, "target-1": {"1"}}

	before := snapshot(t, ts)
	tried := map[string]bool{}
	n := 0
	perms := ts.srv.Permissions()
	for _, a := range attackers {
		for _, r := range routes(t, ts.srv) {
			if !isOrgRoute(r) || !secAllowed(perms[r.key()], a.who) {
				continue
			}
			var params []string
			for _, m := range paramRE.FindAllStringSubmatch(r.pattern, -1) {
				if _, ok := a.victim[m[1]]; ok {
					params = append(params, m[1])
				}
			}
			if len(params) == 0 {
				continue
			}
			// Each parameter in turn is the victim's, the rest the caller's
			// own; then all of them are the victim's.
			var paths []string
			for i := 0; i <= len(params); i++ {
				values := map[string]string{"org": a.who.org, "table": "themes", "format": "csv"}
				for k, v := range a.own {
					values[k] = v
				}
				for j, p := range params {
					if j == i || i == len(params) {
						values[p] = a.victim[p]
					}
				}
				if path, ok := fill(r.pattern, values); ok && !slices.Contains(paths, path) {
					paths = append(paths, path)
				}
			}
			for _, path := range paths {
				n++
				tried[r.key()] = true
				var resp *http.Response
				var body string
				if r.method == http.MethodGet {
					resp, body = get(t, a.who.c, ts.URL+path)
				} else {
					resp, body = post(t, a.who.c, ts.URL+path, form)
				}
				if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Page not found") {
					t.Errorf("%s: %s %s: %d, want 404", a.who.name, r.method, path, resp.StatusCode)
				}
			}
		}
	}
	// The dashboards' partner filter, too.
	for _, a := range attackers[:3] {
		for path, key := range map[string]string{"/dashboard": "GET /o/{org}/dashboard", "/dashboard.csv": "GET /o/{org}/dashboard.csv",
			"/dashboard/themes.csv": "GET /o/{org}/dashboard/{table}.{format}", "/dashboard/measures.xlsx": "GET /o/{org}/dashboard/{table}.{format}",
			"/reports/measures": "GET /o/{org}/reports/measures", "/reports/measures.csv": "GET /o/{org}/reports/measures.{format}"} {
			if !secAllowed(perms[key], a.who) {
				continue
			}
			p := "/o/" + a.who.org + path + "?partner=" + a.victim["partner"]
			n++
			if resp, _ := get(t, a.who.c, ts.URL+p); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: GET %s: %d, want 404", a.who.name, p, resp.StatusCode)
			}
		}
	}
	// Audit trails hold only the organisation's own events.
	for _, tc := range []struct {
		c          *http.Client
		org, other string
	}{{attackers[2].who.c, "rochdale", "admin@stockport.sec"}, {attackers[2].who.c, "rochdale", "admin@trafford.sec"},
		{attackers[3].who.c, "stockport", "admin@trafford.sec"}, {attackers[5].who.c, suppliers[0], "bids@" + suppliers[1] + ".example"}} {
		resp, body := get(t, tc.c, ts.URL+"/o/"+tc.org+"/audit")
		if resp.StatusCode != http.StatusOK || strings.Contains(body, tc.other) {
			t.Errorf("%s's audit trail: %d, or it shows %s's events", tc.org, resp.StatusCode, tc.other)
		}
	}
	if _, body := get(t, attackers[3].who.c, ts.URL+"/o/stockport/audit"); !strings.Contains(body, "admin@stockport.sec") {
		t.Error("Stockport's audit trail lacks its own administrator's change, so the check above proves nothing")
	}

	// A supplier's record is open to any partner's staff, showing only
	// what that partner may see.
	bidder := secStrings(t, ts, `SELECT o.slug FROM offers f JOIN organisations o ON o.id = f.supplier_id
		WHERE f.partner_id = $1 AND f.status = 'submitted' AND EXISTS (SELECT 1 FROM offers g WHERE g.supplier_id = f.supplier_id
		AND g.partner_id = $2 AND g.status = 'submitted') ORDER BY 1 LIMIT 1`, orgID(t, ts, "trafford"), orgID(t, ts, "stockport"))[0]
	resp, body := get(t, attackers[0].who.c, ts.URL+"/o/stockport/suppliers/"+bidder)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Stockport Council") || strings.Contains(body, "Trafford Council") {
		t.Errorf("Stockport's buyer: the record of %s: %d, want Stockport's dealings and not Trafford's", bidder, resp.StatusCode)
	}
	unchanged(t, "requests for other tenants' records", before, snapshot(t, ts))

	// Every kind of record was tried.
	for _, key := range []string{"GET /o/{org}/tenders/{tender}", "POST /o/{org}/tenders/{tender}/evaluation/award",
		"GET /o/{org}/contracts/{contract}/kpis/{kpi}", "GET /o/{org}/returns/{return}/evidence/{file}",
		"POST /o/{org}/returns/{return}/verify", "GET /o/{org}/measures/local/{measure}", "POST /o/{org}/users/{user}",
		"POST /o/{org}/settings/{partner}", "GET /o/{org}/offers/{offer}", "POST /o/{org}/offers/{offer}/upload",
		"GET /o/{org}/opportunities/{tender}", "POST /o/{org}/returns/{return}/evidence/{file}/remove"} {
		if !tried[key] {
			t.Errorf("%s was not tried", key)
		}
	}
	t.Logf("%d requests for other tenants' records", n)
}
