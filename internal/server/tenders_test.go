package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// tnEnv is a demo server, a superuser connection to its database (to read
// the truth past row-level security and to move deadlines), and the demo
// measures the tests ask for.
type tnEnv struct {
	ts    *testServer
	admin *pgx.Conn
	job1  int64 // £28,000 per FTE
	env1  int64 // £250 per tCO2e
	job6  int64 // record only
}

// tnSetup starts a demo server (a copy of the demo database, which also
// fails the test when the server logs an error: a 500 hidden behind the
// friendly page still shows there).
func tnSetup(t *testing.T) *tnEnv {
	t.Helper()
	ts := seededServer(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, ts.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	e := &tnEnv{ts: ts, admin: admin}
	for code, dst := range map[string]*int64{"JOB1": &e.job1, "ENV1": &e.env1, "JOB6": &e.job6} {
		*dst = e.int(t, `SELECT m.id FROM measures m JOIN editions e ON e.id = m.edition_id
			WHERE e.name = 'Open Demo Measures 2026' AND m.code = $1`, code)
	}
	return e
}

func (e *tnEnv) int(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.admin.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// listCountsMatch checks the count above the partner's tender list, for
// each status, against counting its tenders.
func (e *tnEnv) listCountsMatch(t *testing.T, c *http.Client, partner string) {
	t.Helper()
	for status, cond := range map[string]string{"": "true", "draft": "status = 'draft'", "published": "status = 'published' AND deadline > now()",
		"closed": "status = 'published' AND deadline <= now()", "awarded": "status = 'awarded'", "cancelled": "status = 'cancelled'"} {
		n := e.int(t, `SELECT count(*) FROM tenders WHERE partner_id = (SELECT id FROM organisations WHERE slug = $1) AND `+cond, partner)
		want := `aria-live="polite">` + tally.Count{N: int(n)}.Text("tender", "tenders") + "<"
		if _, body := get(t, c, e.ts.URL+"/o/"+partner+"/tenders?status="+status); !strings.Contains(body, want) {
			t.Errorf("status=%q: the list does not say %s", status, want)
		}
	}
}

func (e *tnEnv) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := e.admin.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// tnPost posts a form from one of Tally's pages and reads the answer. No
// input may make the server fail.
func tnPost(t *testing.T, c *http.Client, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		t.Errorf("POST %s: status %d", target, resp.StatusCode)
	}
	return resp, string(body)
}

// tnID is the number at the end of a redirect's path (before suffix).
func tnID(t *testing.T, resp *http.Response, suffix string) int64 {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	loc := strings.TrimSuffix(resp.Header.Get("Location"), suffix)
	id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q: no id", resp.Header.Get("Location"))
	}
	return id
}

// tenderForm is a valid tender form asking for JOB1, ENV1 and JOB6, due
// in two weeks.
func (e *tnEnv) tenderForm(ref string) url.Values {
	deadline := time.Now().In(tally.London()).AddDate(0, 0, 14)
	start := deadline.AddDate(0, 1, 0)
	return url.Values{
		"reference": {ref}, "title": {"Grounds maintenance " + ref}, "description": {"Parks, verges and cemeteries."},
		"category": {"services"}, "estimated_value": {"120,000"}, "contract_start": {start.Format("2006-01-02")},
		"contract_end": {start.AddDate(2, 0, -1).Format("2006-01-02")}, "weighting": {"20"}, "weighting_reason": {""},
		"quantitative_share": {"50"}, "scoring_method": {"relative_value"},
		"deadline_date": {deadline.Format("2006-01-02")}, "deadline_time": {"12:00"},
		"measure": {"m" + itoa64(e.job1), "m" + itoa64(e.env1), "m" + itoa64(e.job6)},
	}
}

// openTender registers and publishes a Stockport tender as its buyer.
func (e *tnEnv) openTender(t *testing.T, buyer *http.Client, ref string) int64 {
	t.Helper()
	resp, body := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", e.tenderForm(ref))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register %s: %d\n%s", ref, resp.StatusCode, body)
	}
	id := tnID(t, resp, "")
	resp, body = tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/"+itoa64(id)+"/publish", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish %s: %d\n%s", ref, resp.StatusCode, body)
	}
	return id
}

// measuresOf lists a tender's measure ids in order.
func (e *tnEnv) measuresOf(t *testing.T, tender int64) []int64 {
	t.Helper()
	rows, err := e.admin.Query(context.Background(), `SELECT id FROM tender_measures WHERE tender_id = $1 ORDER BY position`, tender)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		t.Fatalf("tender %d's measures: %v %v", tender, ids, err)
	}
	return ids
}

var tnVersionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// version reads the offer version a page's form was drawn from.
func tnVersion(t *testing.T, body string) string {
	t.Helper()
	m := tnVersionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no version in the form")
	}
	return m[1]
}

// offerForm answers JOB1, ENV1 and JOB6 with 2, 10 and 5.
func (e *tnEnv) offerForm(t *testing.T, tender int64, version string) url.Values {
	ms := e.measuresOf(t, tender)
	f := url.Values{"version": {version}, "bid_price": {"100,000"}, "action": {"review"}}
	for i, q := range []string{"2", "10", "5"} {
		f.Set("quantity-"+itoa64(ms[i]), q)
		f.Set("statement-"+itoa64(ms[i]), "We will deliver this through our apprenticeship academy.")
	}
	return f
}

// draftOffer starts and saves a supplier's offer: its path and the
// version of its confirmation form.
func (e *tnEnv) draftOffer(t *testing.T, c *http.Client, supplier string, tender int64) (string, string) {
	t.Helper()
	resp, body := tnPost(t, c, e.ts.URL+"/o/"+supplier+"/opportunities/"+itoa64(tender)+"/offer", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start an offer: %d\n%s", resp.StatusCode, body)
	}
	path := resp.Header.Get("Location")
	_, body = get(t, c, e.ts.URL+path)
	resp, body = tnPost(t, c, e.ts.URL+path, e.offerForm(t, tender, tnVersion(t, body)))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"/submit" {
		t.Fatalf("save the offer: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = get(t, c, e.ts.URL+path+"/submit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "£56,000.00") || !strings.Contains(body, "£58,500.00") {
		t.Fatalf("confirmation page: %d, want the line and offer totals\n%s", resp.StatusCode, body)
	}
	return path, tnVersion(t, body)
}

// submitOffer starts, saves and submits a supplier's offer: its path.
func (e *tnEnv) submitOffer(t *testing.T, c *http.Client, supplier string, tender int64) string {
	t.Helper()
	path, version := e.draftOffer(t, c, supplier, tender)
	resp, body := tnPost(t, c, e.ts.URL+path+"/submit", url.Values{"version": {version}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"/receipt" {
		t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
	}
	return path
}

// age moves a tender's deadline (and its offers' sealing) to the SQL
// expression at, relative to the database clock.
func (e *tnEnv) age(t *testing.T, tender int64, at string) {
	t.Helper()
	e.exec(t, `UPDATE tenders SET deadline = `+at+` WHERE id = $1`, tender)
	for _, table := range []string{"offers", "offer_lines", "offer_submissions"} {
		e.exec(t, `UPDATE `+table+` s SET sealed_until = t.deadline FROM tenders t
			WHERE t.id = s.tender_id AND s.tender_id = $1 AND s.sealed_until <> 'infinity'`, tender)
	}
}

// addBuyer gives an organisation a buyer (the demo has none for Trafford).
func (e *tnEnv) addBuyer(t *testing.T, email, org string) {
	t.Helper()
	ctx := context.Background()
	var hash string
	if err := e.admin.QueryRow(ctx, `SELECT password_hash FROM users WHERE email = 'buyer@stockport.example'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(e.ts.db.Owner)
	u, err := store.CreateUser(ctx, email, "Test buyer", hash)
	if err != nil {
		t.Fatal(err)
	}
	id := e.int(t, `SELECT id FROM organisations WHERE slug = $1`, org)
	if err := store.AddRole(ctx, tally.Scope{OrgIDs: []int64{id}, Roles: []tally.Role{tally.RoleAdmin}}, u.ID, id, tally.RoleBuyer); err != nil {
		t.Fatal(err)
	}
}

// state summarises what is stored about tenders and offers, to show that
// a refused request wrote nothing.
func (e *tnEnv) state(t *testing.T) string {
	t.Helper()
	var s string
	err := e.admin.QueryRow(context.Background(), `SELECT concat_ws(' | ',
		(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM tenders t),
		(SELECT md5(coalesce(string_agg(m::text, ',' ORDER BY m.id), '')) FROM tender_measures m),
		(SELECT md5(coalesce(string_agg(o::text, ',' ORDER BY o.id), '')) FROM offers o),
		(SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY l.offer_id, l.tender_measure_id), '')) FROM offer_lines l),
		(SELECT md5(coalesce(string_agg(s::text, ',' ORDER BY s.offer_id, s.revision), '')) FROM offer_submissions s),
		(SELECT count(*) FROM audit_log))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTenderBelowThresholdIsRefused(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	before := e.state(t)
	for _, value := range []string{"49,999.99", "0", "0.01"} {
		f := e.tenderForm("STK-LOW")
		f.Set("estimated_value", value)
		resp, body := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", f)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("£%s: status %d, want 422", value, resp.StatusCode)
		}
		if !strings.Contains(body, "£50,000.00") || !strings.Contains(body, "There is a problem") {
			t.Errorf("£%s: the message does not name the £50,000.00 threshold", value)
		}
		if !strings.Contains(body, `value="`+value+`"`) {
			t.Errorf("£%s: the form does not keep what was typed", value)
		}
	}
	if after := e.state(t); after != before {
		t.Errorf("a refused tender wrote something: %s → %s", before, after)
	}
	// At the threshold it is accepted.
	f := e.tenderForm("STK-AT")
	f.Set("estimated_value", "£50,000")
	if resp, body := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", f); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("£50,000: status %d, want 303\n%s", resp.StatusCode, body)
	}

	// A shared service's buyer picks the partner, and may use the measures
	// the shared service chose for its partners (with their plug-in).
	star := measuresLogin(t, e.ts, "buyer@star.example")
	_, form := get(t, star, e.ts.URL+"/o/star/tenders/new")
	for _, want := range []string{`value="m` + itoa64(e.job1) + `"`, ">COV1<", `name="partner"`, "Trafford Council"} {
		if !strings.Contains(form, want) {
			t.Errorf("the shared service's tender form lacks %q", want)
		}
	}
	f = e.tenderForm("TRA-1")
	f.Set("partner", "trafford")
	resp, body := tnPost(t, star, e.ts.URL+"/o/star/tenders/new", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("shared service registers for Trafford: %d\n%s", resp.StatusCode, body)
	}
	if n := e.int(t, `SELECT count(*) FROM tenders t JOIN organisations o ON o.id = t.partner_id
		WHERE t.id = $1 AND o.slug = 'trafford'`, tnID(t, resp, "")); n != 1 {
		t.Error("the tender is not Trafford's")
	}
	f.Set("partner", "northernbuild")
	if resp, _ := tnPost(t, star, e.ts.URL+"/o/star/tenders/new", f); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a partner outside the shared service: %d, want 422", resp.StatusCode)
	}
}

func TestBuyerSeesOnlyTheCountUntilTheDeadline(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-SEAL")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	offerPath := e.submitOffer(t, supplier, "northernbuild", tender)
	drafter := measuresLogin(t, e.ts, "bids@communitycare.example")
	e.draftOffer(t, drafter, "communitycare", tender)
	receipt := fmt.Sprintf("OFR-%06d-1", tnOfferID(t, offerPath))
	tenderPath := "/o/stockport/tenders/" + itoa64(tender)
	secrets := []string{"Northern Build", "Community Care", receipt, "£100,000.00", "£58,500.00", "apprenticeship academy"}

	// Before the deadline: the count, nothing more, on every buyer-side page.
	e.e2eSealed(t, buyer, tenderPath, secrets)
	star := measuresLogin(t, e.ts, "buyer@star.example")
	e.e2eSealed(t, star, "/o/star/tenders/"+itoa64(tender), secrets)
	director := measuresLogin(t, e.ts, "director@star.example")
	e.e2eSealed(t, director, "/o/star/tenders/"+itoa64(tender), secrets)
	_, list := get(t, buyer, e.ts.URL+"/o/stockport/tenders?q=STK-SEAL")
	if !strings.Contains(list, "STK-SEAL") || strings.Contains(list, "Northern Build") {
		t.Error("the tender list should show the tender without its offers")
	}
	// The supplier's own pages are not the buyer's to open.
	for _, p := range []string{offerPath, offerPath + "/receipt", offerPath + "/submit"} {
		if resp, _ := get(t, buyer, e.ts.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("buyer GET %s: %d, want 404", p, resp.StatusCode)
		}
	}

	// After the deadline: the submitted offer, never the draft.
	e.age(t, tender, "now() - interval '1 minute'")
	resp, body := get(t, buyer, e.ts.URL+tenderPath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tender page after the deadline: %d", resp.StatusCode)
	}
	for _, want := range []string{"Closed", "Submitted offers", "Northern Build Ltd", receipt, "£100,000.00", "£58,500.00", "58.5%"} {
		if !strings.Contains(body, want) {
			t.Errorf("after the deadline the tender page lacks %q", want)
		}
	}
	if strings.Contains(body, "Community Care") {
		t.Error("after the deadline the tender page shows a draft offer")
	}
	// The supplier's pages stay the supplier's.
	if resp, _ := get(t, buyer, e.ts.URL+offerPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("buyer GET %s after the deadline: %d, want 404", offerPath, resp.StatusCode)
	}
}

// e2eSealed checks a buyer-side tender page before the deadline: it says
// how many offers there are and shows nothing of them.
func (e *tnEnv) e2eSealed(t *testing.T, c *http.Client, path string, secrets []string) {
	t.Helper()
	resp, body := get(t, c, e.ts.URL+path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	if !strings.Contains(body, "<strong>1</strong> offer has been submitted") || !strings.Contains(body, "sealed") {
		t.Errorf("%s: the count of sealed offers is missing", path)
	}
	for _, s := range secrets {
		if strings.Contains(body, s) {
			t.Errorf("%s shows %q before the deadline", path, s)
		}
	}
}

func tnOfferID(t *testing.T, path string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("offer path %q", path)
	}
	return id
}

func TestOtherPartnersBuyerCannotSeeATender(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	e.addBuyer(t, "buyer@trafford.example", "trafford")
	stockport := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, stockport, "STK-MINE")
	trafford := measuresLogin(t, e.ts, "buyer@trafford.example")
	id := itoa64(tender)
	before := e.state(t)
	for _, p := range []string{"/o/stockport/tenders/" + id, "/o/trafford/tenders/" + id, "/o/trafford/tenders/" + id + "/edit",
		"/o/trafford/tenders/" + id + "/extend", "/o/trafford/tenders/" + id + "/cancel"} {
		if resp, body := get(t, trafford, e.ts.URL+p); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "STK-MINE") {
			t.Errorf("Trafford's buyer GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/publish", "/extend", "/cancel", "/copy", "/edit"} {
		f := e.tenderForm("STK-MINE")
		f.Set("reason", "mine now")
		f.Set("deadline_date", time.Now().AddDate(0, 2, 0).Format("2006-01-02"))
		if resp, _ := tnPost(t, trafford, e.ts.URL+"/o/trafford/tenders/"+id+p, f); resp.StatusCode != http.StatusNotFound {
			t.Errorf("Trafford's buyer POST %s: %d, want 404", p, resp.StatusCode)
		}
	}
	_, list := get(t, trafford, e.ts.URL+"/o/trafford/tenders?q=STK-MINE")
	if strings.Contains(list, "Grounds maintenance STK-MINE") || strings.Contains(list, "/tenders/"+id+`"`) {
		t.Error("Trafford's tender list shows Stockport's tender")
	}
	if after := e.state(t); after != before {
		t.Errorf("Trafford's requests changed something: %s → %s", before, after)
	}
}

func TestExtensionMovesTheSealAndTellsSuppliers(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-EXT")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	e.submitOffer(t, supplier, "northernbuild", tender)
	base := e.ts.URL + "/o/stockport/tenders/" + itoa64(tender)

	// An earlier deadline is refused, with nothing changed.
	before := e.state(t)
	past := time.Now().In(tally.London()).AddDate(0, 0, 1)
	resp, body := tnPost(t, buyer, base+"/extend", url.Values{"deadline_date": {past.Format("2006-01-02")}, "deadline_time": {"12:00"},
		"reason": {"Too soon"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "later than the current one") {
		t.Errorf("earlier deadline: %d, want 422 with a message", resp.StatusCode)
	}
	resp, _ = tnPost(t, buyer, base+"/extend", url.Values{"deadline_date": {"2099-02-30"}, "deadline_time": {"12:00"}, "reason": {"x"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("impossible date: %d, want 422", resp.StatusCode)
	}
	if after := e.state(t); after != before {
		t.Errorf("a refused extension changed something: %s → %s", before, after)
	}

	later := time.Now().In(tally.London()).AddDate(0, 0, 21)
	want, _ := time.ParseInLocation("2006-01-02 15:04", later.Format("2006-01-02")+" 16:30", tally.London())
	resp, body = tnPost(t, buyer, base+"/extend", url.Values{"deadline_date": {later.Format("2006-01-02")}, "deadline_time": {"16:30"},
		"reason": {"A clarification was issued"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("extend: %d\n%s", resp.StatusCode, body)
	}
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE id = $1 AND deadline = $2`, tender, want); n != 1 {
		t.Error("the deadline did not move")
	}
	for _, table := range []string{"offers", "offer_lines", "offer_submissions"} {
		if n := e.int(t, `SELECT count(*) FROM `+table+` WHERE tender_id = $1 AND sealed_until = $2`, tender, want); n == 0 {
			t.Errorf("%s not resealed to the new deadline", table)
		}
		if n := e.int(t, `SELECT count(*) FROM `+table+` WHERE tender_id = $1 AND sealed_until <> $2`, tender, want); n != 0 {
			t.Errorf("%d rows of %s sealed to another time", n, table)
		}
	}
	var mails []string
	for _, line := range e.ts.mailLines() {
		var m struct{ To, Subject, Body string }
		if json.Unmarshal([]byte(line), &m) == nil && m.To == "bids@northernbuild.example" && strings.Contains(m.Subject, "Deadline extended") {
			mails = append(mails, m.Subject+"\n"+m.Body)
		}
	}
	if len(mails) != 1 || !strings.Contains(mails[0], "STK-EXT") || !strings.Contains(mails[0], "A clarification was issued") ||
		!strings.Contains(mails[0], "4:30pm") {
		t.Errorf("emails to the supplier: %q, want one about the extension", mails)
	}
	if strings.Contains(strings.Join(mails, ""), "£58,500") {
		t.Error("the email carries offer content")
	}
	_, body = get(t, buyer, base)
	if !strings.Contains(body, "4:30pm") || !strings.Contains(body, "<strong>1</strong> offer has been submitted") {
		t.Error("the tender page does not show the new deadline and the count")
	}

	// Past the old deadline, before the new one: still sealed.
	e.exec(t, `UPDATE tenders SET deadline = now() + interval '1 hour' WHERE id = $1`, tender)
	e.age(t, tender, "deadline")
	if _, body := get(t, buyer, base); strings.Contains(body, "Northern Build") {
		t.Error("offers opened before the new deadline")
	}
	e.age(t, tender, "now() - interval '1 second'")
	if _, body := get(t, buyer, base); !strings.Contains(body, "Northern Build") {
		t.Error("offers did not open at the new deadline")
	}
}

// tnHostile are inputs no form may fail on.
var tnHostile = []string{
	"'; DROP TABLE tenders; --", `" OR 1=1 --`, "<script>alert(1)</script>", "\xff\xfe\xfd", "a\x00b",
	strings.Repeat("x", 10_000), "١٢٣", "1e9999", "-1", "NaN", "\u202e", "%00", "{{.}}",
}

func TestHostileInputInTenderForms(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@star.example")
	fields := []string{"partner", "reference", "title", "description", "category", "estimated_value", "contract_start", "contract_end",
		"weighting", "weighting_reason", "quantitative_share", "scoring_method", "deadline_date", "deadline_time", "measure",
		"target-m" + itoa64(e.job1)}
	n := 0
	for _, field := range fields {
		for _, bad := range tnHostile {
			n++
			f := e.tenderForm(fmt.Sprintf("HOST-%d", n))
			f.Set("partner", "stockport")
			f.Set(field, bad)
			resp, body := tnPost(t, buyer, e.ts.URL+"/o/star/tenders/new", f)
			switch resp.StatusCode {
			case http.StatusUnprocessableEntity:
				if !strings.Contains(body, "There is a problem") {
					t.Errorf("%s=%.20q: 422 without messages", field, bad)
				}
			case http.StatusSeeOther:
				// Accepted as text: shown literally, never as markup.
				_, page := get(t, buyer, e.ts.URL+resp.Header.Get("Location"))
				if strings.Contains(page, "<script>alert(1)</script>") {
					t.Errorf("%s=%q: shown as markup", field, bad)
				}
			default:
				t.Errorf("%s=%.20q: status %d", field, bad, resp.StatusCode)
			}
			if strings.Contains(body, "<script>alert(1)</script>") {
				t.Errorf("%s=%q: echoed as markup", field, bad)
			}
		}
	}
	// Invalid text is never stored.
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE reference LIKE 'HOST-%' AND (title LIKE '%'||chr(65533)||'%' OR length(title) > 200)`); n != 0 {
		t.Errorf("%d tenders stored with unreadable or overlong text", n)
	}
	// SQL stays data.
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE title = $1`, "'; DROP TABLE tenders; --"); n != 1 {
		rows, _ := e.admin.Query(context.Background(), `SELECT reference || ' ' || left(title, 40) FROM tenders WHERE reference LIKE 'HOST-%' ORDER BY id`)
		got, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		t.Logf("stored: %q", got)
		t.Errorf("the SQL-like title was stored %d times, want once and literally", n)
	}

	// The extend and cancel forms too.
	tender := e.openTender(t, measuresLogin(t, e.ts, "buyer@stockport.example"), "HOST-LIFE")
	base := e.ts.URL + "/o/star/tenders/" + itoa64(tender)
	for _, bad := range tnHostile {
		for _, field := range []string{"deadline_date", "deadline_time", "reason"} {
			f := url.Values{"deadline_date": {"2099-01-01"}, "deadline_time": {"12:00"}, "reason": {"Because"}}
			f.Set(field, bad)
			resp, _ := tnPost(t, buyer, base+"/extend", f)
			if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusSeeOther {
				t.Errorf("extend %s=%.20q: %d", field, bad, resp.StatusCode)
			}
		}
	}
	for _, bad := range []string{"\xff\xfe\xfd", "a\x00b", strings.Repeat("x", 10_000), "   "} {
		resp, body := tnPost(t, buyer, base+"/cancel", url.Values{"reason": {bad}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "There is a problem") {
			t.Errorf("cancel reason=%.20q: %d, want 422 with a message", bad, resp.StatusCode)
		}
	}
	resp, _ := tnPost(t, buyer, base+"/cancel", url.Values{"reason": {"<script>alert(1)</script>"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	if _, page := get(t, buyer, base); strings.Contains(page, "<script>alert(1)</script>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the cancel reason is not shown literally")
	}
}

func TestCancelledTenderKeepsItsOffersSealedAndCopies(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-CAN")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	e.submitOffer(t, supplier, "northernbuild", tender)
	base := e.ts.URL + "/o/stockport/tenders/" + itoa64(tender)
	if resp, _ := tnPost(t, buyer, base+"/cancel", url.Values{"reason": {"The requirement changed"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	e.age(t, tender, "now() - interval '1 day'")
	_, body := get(t, buyer, base)
	if !strings.Contains(body, "Cancelled") || !strings.Contains(body, "<strong>1</strong> offer was submitted") ||
		!strings.Contains(body, "stay sealed") || strings.Contains(body, "Northern Build") || strings.Contains(body, "£58,500.00") {
		t.Error("a cancelled tender's page should count its offers and keep them sealed")
	}
	if resp, _ := get(t, buyer, base+"/extend"); resp.StatusCode != http.StatusConflict {
		t.Errorf("extending a cancelled tender: %d, want 409", resp.StatusCode)
	}
	if resp, _ := tnPost(t, buyer, base+"/cancel", url.Values{"reason": {"Again"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("cancelling twice: %d, want 409", resp.StatusCode)
	}

	// A copy is a new draft with the same measures, at the catalogue's
	// values, for the buyer to check.
	resp, _ := tnPost(t, buyer, base+"/copy", url.Values{})
	copied := tnID(t, resp, "/edit")
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE id = $1 AND reference = 'STK-CAN-COPY' AND status = 'draft'
		AND deadline > now() AND submitted_offers = 0`, copied); n != 1 {
		t.Error("the copy is not a fresh draft")
	}
	if n := e.int(t, `SELECT count(*) FROM tender_measures WHERE tender_id = $1 AND NOT published`, copied); n != 3 {
		t.Errorf("the copy has %d draft measures, want 3", n)
	}
	if resp, body := get(t, buyer, e.ts.URL+resp.Header.Get("Location")); resp.StatusCode != http.StatusOK || !strings.Contains(body, "STK-CAN-COPY") {
		t.Errorf("the copy's form: %d", resp.StatusCode)
	}
	// Created, published, cancelled and copied: each list counts right.
	e.listCountsMatch(t, buyer, "stockport")
	// When a measure is no longer available the copy is refused with a
	// message, and nothing is written.
	e.exec(t, `DELETE FROM edition_choices`)
	before := e.state(t)
	resp, body = tnPost(t, buyer, base+"/copy", url.Values{})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no longer available") {
		t.Errorf("copy with a withdrawn measure: %d, want 422 with a message", resp.StatusCode)
	}
	if after := e.state(t); after != before {
		t.Errorf("a refused copy wrote something: %s → %s", before, after)
	}
}

// TestTenderListSortsAndFiltersByCategory: the buyer's list sorts by value,
// deadline and reference, and a category filter shows only that category.
func TestTenderListSortsAndFiltersByCategory(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	base := e.ts.URL + "/o/stockport/tenders"
	n := e.int(t, `SELECT count(*) FROM tenders WHERE partner_id = (SELECT id FROM organisations WHERE slug = 'stockport') AND category = 'works'`)
	_, body := get(t, buyer, base+"?category=works")
	want := `aria-live="polite">` + tally.Count{N: int(n)}.Text("tender", "tenders") + "<"
	if !strings.Contains(body, want) {
		t.Errorf("category=works does not say %s", want)
	}
	cells := func(body, re string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	_, body = get(t, buyer, base+"?sort=value")
	values := cells(body, `<td class="govuk-table__cell govuk-table__cell--numeric">£([0-9,.]+)</td>`)
	if len(values) < 2 {
		t.Fatalf("sort=value: %d values", len(values))
	}
	for i := 1; i < len(values); i++ {
		a, _ := strconv.ParseFloat(strings.ReplaceAll(values[i-1], ",", ""), 64)
		b, _ := strconv.ParseFloat(strings.ReplaceAll(values[i], ",", ""), 64)
		if b > a {
			t.Fatalf("sort=value: £%s before £%s", values[i-1], values[i])
		}
	}
	_, body = get(t, buyer, base+"?sort=reference")
	refs := cells(body, `<span class="govuk-hint govuk-!-font-size-16">([^<]+)</span>`)
	for i := 1; i < len(refs); i++ {
		if strings.ToLower(refs[i]) < strings.ToLower(refs[i-1]) {
			t.Fatalf("sort=reference: %s before %s", refs[i-1], refs[i])
		}
	}
	if !strings.Contains(body, `<option value="reference" selected`) {
		t.Error("the sort chosen is not shown as chosen")
	}
}
