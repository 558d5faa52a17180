package server_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every editable record carries a version: a form posted from a version
// someone else has replaced answers 409, keeps what was typed, says what
// is saved now, writes nothing, and saves when posted again (the 409
// page's form carries the current version).

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// formVersion is the hidden version on a form page.
func formVersion(t *testing.T, body string) string {
	t.Helper()
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the form carries no version")
	}
	return m[1]
}

// versionAt is the version on the form at path, as c sees it.
func versionAt(t *testing.T, ts *testServer, c *http.Client, path string) string {
	t.Helper()
	resp, body := get(t, c, ts.URL+path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return formVersion(t, body)
}

// staleSave checks the answer to a form posted from a replaced version:
// 409, nothing written, the conflict message and what changed, the typed
// values kept; it returns the version the page now carries.
func staleSave(t *testing.T, ts *testServer, c *http.Client, path string, form url.Values, thing string, typed, saved []string) string {
	t.Helper()
	before := snapshot(t, ts)
	resp, body := post(t, c, ts.URL+path, form)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("stale save of %s: %d, want 409\n%s", path, resp.StatusCode, body)
	}
	unchanged(t, "a stale save", before, snapshot(t, ts))
	want := thing + ", in another tab or by someone else. Compare what is saved now with your form below, then save again."
	if !strings.Contains(body, html.EscapeString(want)) || !strings.Contains(body, `href="#what-changed"`) {
		t.Errorf("the 409 page does not say %q in its error summary", want)
	}
	if !strings.Contains(body, `id="what-changed"`) || !strings.Contains(body, "What is saved now, and what is in your form") {
		t.Error("the 409 page does not show what changed")
	}
	for _, s := range typed {
		if !strings.Contains(body, html.EscapeString(s)) && !strings.Contains(body, s) {
			t.Errorf("the 409 page lost %q as typed", s)
		}
	}
	for _, s := range saved {
		if !strings.Contains(body, html.EscapeString(s)) {
			t.Errorf("the 409 page does not show %q, saved now", s)
		}
	}
	if !strings.HasPrefix(regexpFind(t, body, `<title>([^<]*)</title>`), "Error: ") {
		t.Error("the 409 page's title does not start with Error:")
	}
	return formVersion(t, body)
}

// Two stale edits of one tender: one saved, the other 409; the second
// saves once posted again from the 409 page.
func TestStaleTenderEdit(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	ts := e.ts
	alice := measuresLogin(t, ts, "buyer@stockport.example")
	bob := measuresLogin(t, ts, "buyer@star.example")
	resp, _ := tnPost(t, alice, ts.URL+"/o/stockport/tenders/new", e.tenderForm("VER-1"))
	id := tnID(t, resp, "")
	edit := "/o/stockport/tenders/" + itoa64(id) + "/edit"
	bobEdit := "/o/star/tenders/" + itoa64(id) + "/edit"

	// Both open the draft's form at the same version.
	va := versionAt(t, ts, alice, edit)
	vb := versionAt(t, ts, bob, bobEdit)
	if va != vb {
		t.Fatalf("versions %s and %s", va, vb)
	}
	a := e.tenderForm("VER-1")
	a.Set("title", "Grounds maintenance, as Alice saved it")
	a.Set("version", va)
	if resp, body := post(t, alice, ts.URL+edit, a); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", resp.StatusCode, body)
	}

	b := e.tenderForm("VER-1")
	b.Set("description", "Bob's description of the parks work.")
	b["measure"] = []string{"m" + itoa64(e.job1)}
	b.Set("version", vb)
	// A mistake in the stale form is shown first (422), and the form keeps
	// the version it was drawn from: fixing the mistake cannot pass over
	// Alice's save.
	bad := url.Values{}
	for k, v := range b {
		bad[k] = v
	}
	bad.Set("title", "")
	resp, body := post(t, bob, ts.URL+bobEdit, bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || formVersion(t, body) != vb {
		t.Errorf("a mistake in a stale form: %d carrying version %s, want 422 carrying %s", resp.StatusCode, formVersion(t, body), vb)
	}
	nv := staleSave(t, ts, bob, bobEdit, b, "This tender was saved since you started editing it",
		[]string{"Bob's description of the parks work.", "Grounds maintenance VER-1"},
		[]string{"Grounds maintenance, as Alice saved it", "JOB1, ENV1, JOB6"})
	if nv == vb {
		t.Error("the 409 page still carries the stale version")
	}
	if title := e.str(t, `SELECT title FROM tenders WHERE id = $1`, id); title != "Grounds maintenance, as Alice saved it" {
		t.Errorf("after the stale save the title is %q", title)
	}

	// Posting the 409 page's form again is a deliberate overwrite.
	b.Set("version", nv)
	if resp, body := post(t, bob, ts.URL+bobEdit, b); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save again: %d\n%s", resp.StatusCode, body)
	}
	if title := e.str(t, `SELECT title || ' / ' || description FROM tenders WHERE id = $1`, id); title != "Grounds maintenance VER-1 / Bob's description of the parks work." {
		t.Errorf("after saving again the tender is %q", title)
	}
	if n := e.int(t, `SELECT count(*) FROM tender_measures WHERE tender_id = $1`, id); n != 1 {
		t.Errorf("after saving again the tender asks for %d measures, want 1", n)
	}
	// A form without a version (an old page) is not saved over the draft.
	delete(b, "version")
	resp, _ = post(t, bob, ts.URL+bobEdit, b)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("a form without a version: %d, want 409", resp.StatusCode)
	}
}

func (e *tnEnv) str(t *testing.T, q string, args ...any) string {
	t.Helper()
	var s string
	if err := e.admin.QueryRow(t.Context(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// withVersion is form with the version the form page at path carries now,
// as a browser that opened the page would send it.
func withVersion(t *testing.T, ts *testServer, c *http.Client, path string, form url.Values) url.Values {
	t.Helper()
	v := url.Values{}
	for k, vs := range form {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("version", versionAt(t, ts, c, path))
	return v
}

// staleTwice runs the shape every record's test shares: two forms drawn
// from one version; the first saves (303), the second gets 409 (see
// staleSave), then saves when posted with the 409 page's version.
func staleTwice(t *testing.T, ts *testServer, first, second *http.Client, path string, a, b url.Values, thing string, typed, saved []string) {
	t.Helper()
	v := versionAt(t, ts, first, path)
	if v2 := versionAt(t, ts, second, path); v2 != v {
		t.Fatalf("the two forms were drawn from versions %s and %s", v, v2)
	}
	a.Set("version", v)
	if resp, body := post(t, first, ts.URL+path, a); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", resp.StatusCode, body)
	}
	b.Set("version", v)
	nv := staleSave(t, ts, second, path, b, thing, typed, saved)
	if nv == v {
		t.Error("the 409 page still carries the stale version")
	}
	b.Set("version", nv)
	if resp, body := post(t, second, ts.URL+path, b); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving again from the 409 page: %d\n%s", resp.StatusCode, body)
	}
}

func TestStaleSettingsEdit(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	one, other := signIn(t, ts, "admin@star.example"), signIn(t, ts, "admin@star.example")
	form := func(threshold, weighting string) url.Values {
		return url.Values{"threshold": {threshold}, "default_weighting": {weighting}, "local_area": {"BL, M, OL, SK, WA13, WA14, WA15, WA3, WN"},
			"max_measures": {"6"}, "band_good": {"95"}, "band_approaching": {"90"}, "band_requires_improvement": {"85"}, "confirmed": {"yes"}}
	}
	path := "/o/star/settings/stockport"
	staleTwice(t, ts, one, other, path, form("60000", "20"), form("50000", "15"), "These settings were saved since you started editing them",
		[]string{`value="15"`}, []string{"£60,000.00", "£50,000.00"})
	var threshold, weighting int64
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `SELECT threshold_pence, default_weighting_permille FROM partner_settings
		WHERE partner_id = $1`, orgID(t, ts, "stockport")).Scan(&threshold, &weighting); err != nil || threshold != 5_000_000 || weighting != 150 {
		t.Errorf("saved again: %d pence, %d‰ (%v), want the second form's", threshold, weighting, err)
	}
}

func TestStaleLocalMeasureEdit(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	one, other := signIn(t, ts, "admin@star.example"), signIn(t, ts, "admin@star.example")
	form := func(title, proxy string) url.Values {
		return url.Values{"theme": {"Jobs"}, "outcome": {"Local work"}, "code": {"VER1"}, "title": {title}, "unit": {"FTE"},
			"proxy": {proxy}, "description": {"Guidance."}}
	}
	resp, body := post(t, one, ts.URL+"/o/star/measures/local/new", form("Residents employed", "100"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new local measure: %d\n%s", resp.StatusCode, body)
	}
	var id int64
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `SELECT id FROM local_measures WHERE code = 'VER1'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	path := "/o/star/measures/local/" + itoa64(id)
	staleTwice(t, ts, one, other, path, form("Residents employed, as first saved", "100"), form("Residents employed", "250"),
		"This local measure was saved since you started editing it", []string{`value="250"`}, []string{"Residents employed, as first saved"})
	var title, proxy string
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `SELECT title, proxy::text FROM local_measures WHERE id = $1`, id).Scan(&title, &proxy); err != nil ||
		title != "Residents employed" || proxy != "2500000" {
		t.Errorf("saved again: %q, proxy %s (%v), want the second form's", title, proxy, err)
	}
}

func TestStaleKPITargetsEdit(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	ts := e.ts
	one, other := measuresLogin(t, ts, "buyer@stockport.example"), measuresLogin(t, ts, "buyer@star.example")
	contract, kpi := e.rebaselineKPI(t)
	future := e.int(t, `SELECT min(period) FROM kpi_targets WHERE kpi_id = $1 AND period_start > current_date + 1`, kpi)
	path := "/o/stockport/contracts/" + itoa64(contract) + "/kpis/" + itoa64(kpi)
	form := func(target, reason string) url.Values {
		f := url.Values{"reason": {reason}}
		_, body := get(t, one, ts.URL+path)
		for _, m := range regexpAll(body, `name="(target-[0-9]+)"[^>]*value="([^"]*)"`) {
			f.Set(m[1], m[2])
		}
		f.Set("target-"+itoa64(future), target)
		return f
	}
	a, b := form("7.5", "Phase 2 moved, agreed"), form("9.25", "Phase 2 grows")
	staleTwice(t, ts, one, other, path, a, b, "These targets were saved since you started editing them",
		[]string{`value="9.25"`, "Phase 2 grows"}, []string{"Period " + itoa64(future) + "'s target", "7.5"})
	if got := e.int(t, `SELECT target FROM kpi_targets WHERE kpi_id = $1 AND period = $2`, kpi, future); got != 9250 {
		t.Errorf("saved again: target %d, want 9250", got)
	}
	if n := e.int(t, `SELECT count(*) FROM kpi_changes WHERE kpi_id = $1`, kpi); n != 2 {
		t.Errorf("%d changes recorded, want 2 (the stale one is not)", n)
	}
}

func TestStaleOfferEdit(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	ts := e.ts
	tender := e.openTender(t, measuresLogin(t, ts, "buyer@stockport.example"), "VER-O")
	one, other := measuresLogin(t, ts, "bids@northernbuild.example"), measuresLogin(t, ts, "bids@northernbuild.example")
	resp, body := tnPost(t, one, ts.URL+"/o/northernbuild/opportunities/"+itoa64(tender)+"/offer", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start an offer: %d\n%s", resp.StatusCode, body)
	}
	path := resp.Header.Get("Location")
	a, b := e.offerForm(t, tender, ""), e.offerForm(t, tender, "")
	b.Set("bid_price", "123,456")
	ms := e.measuresOf(t, tender)
	b.Set("statement-"+itoa64(ms[0]), "Typed in the other tab.")
	staleTwice(t, ts, one, other, path, a, b, "This offer was saved since you started editing it",
		[]string{`value="123,456"`, "Typed in the other tab."}, []string{"£100,000.00", "£123,456.00", "Delivery statement for JOB1"})
	if got := e.bidOf(t, offerID(t, path)); got != "12345600" {
		t.Errorf("saved again: bid %s, want the second form's", got)
	}
}

func offerID(t *testing.T, path string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("no offer id in %q", path)
	}
	return id
}

// withDecisionsVersion is form with the version of the decision form on
// the return page, as a browser that opened it would send it; form as it
// is when the page has no decision form (the caller may not see one).
func withDecisionsVersion(t *testing.T, c *http.Client, page string, form url.Values) url.Values {
	t.Helper()
	_, body := get(t, c, page)
	m := regexp.MustCompile(`action="[^"]*/verify"[^>]*>\s*<input type="hidden" name="version" value="(\d+)"`).FindStringSubmatch(body)
	if m == nil {
		return form
	}
	v := url.Values{}
	for k, vs := range form {
		v[k] = append([]string(nil), vs...)
	}
	v.Set("version", m[1])
	return v
}

func TestStaleReturnEdit(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	p := rtEndedPeriod(t, ts, "tameside", 2)
	one := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	other := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, one, p.Supplier, p)
	path := fmt.Sprintf("/o/%s/returns/%d", p.Supplier, id)
	a, b := rtForm(p, "", "save"), rtForm(p, "", "save")
	a.Set("narrative", "Saved in the first tab.")
	b.Set("narrative", "Typed in the other tab.")
	b.Set(fmt.Sprintf("quantity-%d", p.KPIs[0]), "41")
	staleTwice(t, ts, one, other, path, a, b, "This return was saved since you started editing it",
		[]string{"Typed in the other tab.", `value="41"`}, []string{"Saved in the first tab."})
	if narrative, _ := rtSaved(t, ts, id); !strings.Contains(narrative, "Typed in the other tab.") {
		t.Errorf("saved again: %q, want the second form's", narrative)
	}
}

// Two contract managers decide from one version of a return's decisions:
// the first saves; the second's decision on the same line is refused (409)
// and nothing of it is written; its decision on a line still to check
// stays in the form and saves when posted again.
func TestStaleReturnDecisions(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	p := rtEndedPeriod(t, ts, "tameside", 2)
	k1, k2 := p.KPIs[0], p.KPIs[1]
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	rtSubmit(t, sup, fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id), p)
	one, other := measuresLogin(t, ts, "contracts@star.example"), measuresLogin(t, ts, "contracts@star.example")
	page := fmt.Sprintf("/o/star/returns/%d", id)
	v := versionAt(t, ts, one, page)
	if v2 := versionAt(t, ts, other, page); v2 != v {
		t.Fatalf("versions %s and %s", v, v2)
	}
	d := func(k int64) string { return fmt.Sprintf("decision-%d", k) }
	if resp, body := post(t, one, ts.URL+page+"/verify", url.Values{"version": {v}, d(k1): {"verified"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first decisions: %d\n%s", resp.StatusCode, body)
	}
	nv := staleSave(t, ts, other, page+"/verify", url.Values{"version": {v}, d(k1): {"rejected"}, fmt.Sprintf("note-%d", k1): {"Typed reason."},
		d(k2): {"verified"}}, "This return was saved since you started checking it", []string{"Rejected: Typed reason."}, []string{"Verified"})
	if got := rtDecisions(t, ts, id); !strings.HasPrefix(got, "verified pending") {
		t.Errorf("after the stale decisions: %s", got)
	}
	// The 409 page still offers the line left to check, as chosen.
	_, body := post(t, other, ts.URL+page+"/verify", url.Values{"version": {v}, d(k1): {"rejected"}, fmt.Sprintf("note-%d", k1): {"Typed reason."},
		d(k2): {"verified"}})
	if !rtChecked(body, d(k2), "verified") || strings.Contains(body, `name="`+d(k1)+`"`) {
		t.Error("the 409 page does not offer the line left to check as chosen, or offers the decided one")
	}
	if resp, body := post(t, other, ts.URL+page+"/verify", url.Values{"version": {nv}, d(k2): {"verified"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving again from the 409 page: %d\n%s", resp.StatusCode, body)
	}
	if got := rtDecisions(t, ts, id); !strings.HasPrefix(got, "verified verified") {
		t.Errorf("after saving again: %s", got)
	}
}
