package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var todoCountRE = regexp.MustCompile(`(?s)id="todo-([a-z]+)".*?data-count="(\d+)"`)

// todoCounts reads the count of each to-do group on a home page.
func todoCounts(body string) map[string]int {
	out := map[string]int{}
	for _, m := range todoCountRE.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[2])
		out[m[1]] = n
	}
	return out
}

// todoLinks lists the links of one to-do group.
func todoLinks(body, group string) []string {
	i := strings.Index(body, `id="todo-`+group+`"`)
	if i < 0 {
		return nil
	}
	section := body[i:]
	section = section[:strings.Index(section, "</section>")]
	var out []string
	for _, m := range regexp.MustCompile(`<a class="govuk-link" href="([^"]+)">`).FindAllStringSubmatch(section, -1) {
		out = append(out, m[1])
	}
	return out
}

// count runs an independent count on the demo data as the owner.
func count(t *testing.T, ts *testServer, q string, args ...any) int {
	t.Helper()
	var n int
	if err := adminPool(t, ts.db).QueryRow(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestHomeToDoListsAreTrue(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	check := func(who, home string, want map[string]int) string {
		t.Helper()
		c := signIn(t, ts, who)
		resp, body := get(t, c, ts.URL+home)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s: %d", who, home, resp.StatusCode)
		}
		got := todoCounts(body)
		for group, n := range want {
			if got[group] != n {
				t.Errorf("%s: to-do %q says %d, the data has %d", who, group, got[group], n)
			}
			if n == 0 && len(todoLinks(body, group)) != 0 {
				t.Errorf("%s: to-do %q lists items but has none", who, group)
			}
			if n > 0 && len(todoLinks(body, group)) == 0 {
				t.Errorf("%s: to-do %q lists no item", who, group)
			}
			// Every item opens its page for this person.
			for _, link := range todoLinks(body, group) {
				if r, _ := get(t, c, ts.URL+link); r.StatusCode != http.StatusOK {
					t.Errorf("%s: to-do %q links to %s: %d", who, group, link, r.StatusCode)
				}
			}
		}
		for group := range got {
			if _, ok := want[group]; !ok {
				t.Errorf("%s: unexpected to-do %q", who, group)
			}
		}
		return body
	}

	stockport := orgID(t, ts, "stockport")
	check("buyer@stockport.example", "/o/stockport", map[string]int{
		"drafts":     count(t, ts, `SELECT count(*) FROM tenders WHERE partner_id = $1 AND status = 'draft'`, stockport),
		"deadlines":  count(t, ts, `SELECT count(*) FROM tenders WHERE partner_id = $1 AND status = 'published' AND deadline > now() AND deadline <= now() + interval '7 days'`, stockport),
		"evaluation": count(t, ts, `SELECT count(*) FROM tenders WHERE partner_id = $1 AND status = 'published' AND deadline <= now()`, stockport),
	})
	if n := count(t, ts, `SELECT count(*) FROM tenders WHERE partner_id = $1 AND status = 'published' AND deadline <= now()`, stockport); n == 0 {
		t.Error("the demo has no closed Stockport tender to evaluate: the test proves nothing")
	}

	trafford := orgID(t, ts, "trafford")
	toCheck := count(t, ts, `SELECT count(*) FROM returns WHERE partner_id = $1 AND status = 'submitted'`, trafford)
	// Overdue: a quarter whose return was due before today and has not
	// been submitted, counted from the targets, not the worklist's table.
	overdue := count(t, ts, `
		SELECT count(*) FROM (SELECT DISTINCT t.contract_id, t.period FROM kpi_targets t
		WHERE t.partner_id = $1 AND t.due < (now() AT TIME ZONE 'Europe/London')::date
		  AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.partner_id = t.partner_id AND r.contract_id = t.contract_id
		                  AND r.period = t.period AND r.status <> 'draft')) p`, trafford)
	if toCheck == 0 || overdue == 0 {
		t.Errorf("the demo has %d returns to check and %d overdue in Trafford: the test proves little", toCheck, overdue)
	}
	check("contracts@trafford.example", "/o/trafford", map[string]int{"check": toCheck, "overdue": overdue})

	nb := orgID(t, ts, "northernbuild")
	drafts := `SELECT count(*) FROM offers f JOIN tenders t ON t.partner_id = f.partner_id AND t.id = f.tender_id
		WHERE f.supplier_id = $1 AND f.status = 'draft' AND t.status = 'published' AND t.deadline > now()`
	supplierWant := func() map[string]int {
		return map[string]int{
			"queries": count(t, ts, `SELECT count(*) FROM returns WHERE supplier_id = $1 AND status = 'queried'`, nb),
			"returns": count(t, ts, `SELECT count(*) FROM contract_periods WHERE supplier_id = $1 AND NOT submitted AND period_end <= (now() AT TIME ZONE 'Europe/London')::date`, nb),
			"offers":  count(t, ts, drafts, nb),
		}
	}
	check("bids@northernbuild.example", "/o/northernbuild", supplierWant())
	// A new draft offer joins the list, linked to itself.
	bids := signIn(t, ts, "bids@northernbuild.example")
	var open int64
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `
		SELECT t.id FROM tenders t WHERE t.status = 'published' AND t.deadline > now()
		AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.tender_id = t.id AND f.supplier_id = $1) ORDER BY t.deadline LIMIT 1`, nb).Scan(&open); err != nil {
		t.Fatal(err)
	}
	resp, _ := post(t, bids, ts.URL+"/o/northernbuild/opportunities/"+itoa64(open)+"/offer", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start an offer: %d", resp.StatusCode)
	}
	want := supplierWant()
	if want["offers"] == 0 {
		t.Fatal("starting an offer made no draft")
	}
	body := check("bids@northernbuild.example", "/o/northernbuild", want)
	if !slicesContain(todoLinks(body, "offers"), resp.Header.Get("Location")) {
		t.Errorf("the new draft %s is not in the list: %v", resp.Header.Get("Location"), todoLinks(body, "offers"))
	}

	// Administrators see pending invitations; directors their dashboard.
	admin := signIn(t, ts, "admin@star.example")
	post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"one@star.example"}, "roles": {"buyer"}})
	post(t, admin, ts.URL+"/o/star/users", url.Values{"email": {"two@star.example"}, "roles": {"director"}})
	check("admin@star.example", "/o/star", map[string]int{"invitations": 2})
	_, body = get(t, signIn(t, ts, "director@star.example"), ts.URL+"/o/star")
	if !strings.Contains(body, `id="todo-dashboard"`) || !strings.Contains(body, `href="/o/star/dashboard"`) {
		t.Error("the director's home has no link to the dashboard")
	}
}

func slicesContain(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
