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
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Delivery returns through the real router, on the demo (SPEC §7). Each
// test takes its own contract's latest ended quarter and clears whatever
// return the demo left on it, so it starts from nothing.

// rtPeriod is an ended reporting period of a contract, with no return.
type rtPeriod struct {
	Contract  int64
	Reference string
	Partner   string // slug
	Supplier  string // slug
	Period    int
	KPIs      []int64 // in order
}

// rtServer is the demo's test server; the test fails if the server logs an
// error, since a 500 can hide behind a friendly page.
func rtServer(t *testing.T) *testServer {
	t.Helper()
	ts := demoServer(t)
	t.Cleanup(func() {
		for _, line := range strings.Split(ts.log.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("server logged an error: %s", line)
			}
		}
	})
	return ts
}

// rtAdmins holds one superuser connection per test server.
var rtAdmins sync.Map // *testServer → *pgx.Conn

// rtAdmin is a superuser connection to the test's database: it sees past
// row-level security, to arrange and inspect. It is opened once per test
// server, and is not for concurrent use.
func rtAdmin(t *testing.T, ts *testServer) *pgx.Conn {
	t.Helper()
	if c, ok := rtAdmins.Load(ts); ok {
		return c.(*pgx.Conn)
	}
	conn, err := pgx.Connect(context.Background(), ts.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	rtAdmins.Store(ts, conn)
	t.Cleanup(func() {
		rtAdmins.Delete(ts)
		conn.Close(context.Background())
	})
	return conn
}

// rtEndedPeriod finds a contract of the partner with at least minKPIs KPIs
// and an ended quarter (other than the contracts in skip), and deletes the
// return on its latest ended quarter, if any.
func rtEndedPeriod(t *testing.T, ts *testServer, partner string, minKPIs int, skip ...int64) rtPeriod {
	t.Helper()
	ctx := context.Background()
	db := rtAdmin(t, ts)
	p := rtPeriod{Partner: partner}
	err := db.QueryRow(ctx, `
		SELECT c.id, c.reference, s.slug, t.period
		FROM contracts c JOIN organisations o ON o.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
		JOIN LATERAL (SELECT max(period) AS period FROM kpi_targets t WHERE t.contract_id = c.id AND t.period_end <= current_date) t
		  ON t.period IS NOT NULL
		WHERE o.slug = $1 AND (SELECT count(*) FROM kpis k WHERE k.contract_id = c.id) >= $2 AND NOT c.id = ANY ($3)
		ORDER BY c.id LIMIT 1`, partner, minKPIs, append(skip, 0)).Scan(&p.Contract, &p.Reference, &p.Supplier, &p.Period)
	if err != nil {
		t.Fatalf("no %s contract with %d KPIs and an ended quarter: %v", partner, minKPIs, err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM returns WHERE contract_id = $1 AND period = $2`, p.Contract, p.Period); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.Query(ctx, `SELECT id FROM kpis WHERE contract_id = $1 ORDER BY position`, p.Contract)
	if p.KPIs, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	return p
}

// rtOtherSupplier is a demo supplier other than slug.
func rtOtherSupplier(t *testing.T, ts *testServer, slug string) string {
	t.Helper()
	var other string
	if err := rtAdmin(t, ts).QueryRow(context.Background(), `
		SELECT o.slug FROM organisations o JOIN memberships m ON m.org_id = o.id JOIN users u ON u.id = m.user_id
		WHERE o.kind = 'supplier' AND o.slug <> $1 AND u.email = 'bids@' || o.slug || '.example' ORDER BY o.slug LIMIT 1`, slug).Scan(&other); err != nil {
		t.Fatal(err)
	}
	return other
}

// rtPost sends a form as a browser would from Tally's own page.
func rtPost(t *testing.T, c *http.Client, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	if page, ok := strings.CutSuffix(target, "/verify"); ok && form.Get("version") == "" {
		// Decisions as from the page just opened: the version of the
		// decisions it shows (none when the page has no decision form).
		form = withDecisionsVersion(t, c, page, form)
	}
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
	return resp, string(body)
}

// rtStart opens the return for the period as the signed-in supplier (or
// contract manager, at org) and returns its id.
func rtStart(t *testing.T, ts *testServer, c *http.Client, org string, p rtPeriod) int64 {
	t.Helper()
	resp, body := rtPost(t, c, fmt.Sprintf("%s/o/%s/contracts/%d/returns", ts.URL, org, p.Contract), url.Values{"period": {strconv.Itoa(p.Period)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start return: %d\n%s", resp.StatusCode, body)
	}
	loc := strings.TrimSuffix(resp.Header.Get("Location"), "/on-behalf")
	id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	if err != nil || !strings.HasPrefix(loc, "/o/"+org+"/returns/") {
		t.Fatalf("start return: redirected to %q", loc)
	}
	return id
}

var rtVersionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// rtVersion is the version the return's page carries in its forms.
func rtVersion(t *testing.T, c *http.Client, page string) string {
	t.Helper()
	resp, body := get(t, c, page)
	m := rtVersionRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d, no version in the form", page, resp.StatusCode)
	}
	return m[1]
}

// rtForm is the return form with every KPI's quantity, the narrative and
// the attestations named, for action ("save" or "submit").
func rtForm(p rtPeriod, version, action string, attest ...string) url.Values {
	form := url.Values{"version": {version}, "action": {action}, "narrative": {"Apprentices started on site; timesheets attached."}}
	for i, k := range p.KPIs {
		form.Set(fmt.Sprintf("quantity-%d", k), strconv.Itoa(i+3))
	}
	for _, a := range attest {
		form.Set(a, "yes")
	}
	return form
}

// rtSubmit fills in and submits the return, attesting to both. form is
// the page with the form: the return's own, or a contract manager's
// on-behalf page.
func rtSubmit(t *testing.T, c *http.Client, page string, p rtPeriod, formPage ...string) {
	t.Helper()
	from := page
	if len(formPage) > 0 {
		from = formPage[0]
	}
	rtSubmitForm(t, c, page, rtForm(p, rtVersion(t, c, from), "submit", "attest_contract", "attest_period"))
}

// rtSubmitForm posts the form to continue, which saves it and leads to
// "Check your answers", then submits from there.
func rtSubmitForm(t *testing.T, c *http.Client, page string, form url.Values) {
	t.Helper()
	resp, body := rtPost(t, c, page, form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/check") {
		t.Fatalf("continue %s: %d to %q\n%s", page, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	check := page + "/check"
	resp, body = get(t, c, check)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your return before submitting it") {
		t.Fatalf("GET %s: %d\n%s", check, resp.StatusCode, body)
	}
	resp, body = rtPost(t, c, page+"/submit", url.Values{"version": {rtVersionRE.FindStringSubmatch(body)[1]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit %s: %d\n%s", page, resp.StatusCode, body)
	}
}

func rtStatus(t *testing.T, ts *testServer, id int64) string {
	t.Helper()
	var s string
	if err := rtAdmin(t, ts).QueryRow(context.Background(), `SELECT status FROM returns WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// rtDecisions lists the return's line decisions in KPI order.
func rtDecisions(t *testing.T, ts *testServer, id int64) string {
	t.Helper()
	var s string
	if err := rtAdmin(t, ts).QueryRow(context.Background(), `
		SELECT string_agg(l.decision, ' ' ORDER BY k.position) FROM return_lines l JOIN kpis k ON k.id = l.kpi_id
		WHERE l.return_id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// rtMail is an email the server wrote to its log.
type rtMail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
}

// rtMailsTo lists the subjects of the emails logged for address.
func rtMailsTo(ts *testServer, address string) []string {
	var out []string
	for _, line := range ts.mailLines() {
		var m rtMail
		if json.Unmarshal([]byte(line), &m) == nil && m.To == address && m.Subject != "" {
			out = append(out, m.Subject)
		}
	}
	return out
}

func rtHasFieldError(body, field string) bool {
	return strings.Contains(body, `id="`+field+`-error"`)
}

func TestRtVerificationFlow(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	ctx := context.Background()
	admin := rtAdmin(t, ts)
	p := rtEndedPeriod(t, ts, "tameside", 3)
	k1, k2, k3 := p.KPIs[0], p.KPIs[1], p.KPIs[2]
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)

	// Submission needs both attestations: the draft is saved, not submitted.
	for _, tt := range []struct {
		attest  []string
		missing []string
	}{
		{nil, []string{"attest_contract", "attest_period"}},
		{[]string{"attest_contract"}, []string{"attest_period"}},
		{[]string{"attest_period"}, []string{"attest_contract"}},
	} {
		resp, body := rtPost(t, sup, page, rtForm(p, rtVersion(t, sup, page), "submit", tt.attest...))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("submit attesting %v: %d, want 422", tt.attest, resp.StatusCode)
		}
		for _, f := range tt.missing {
			if !rtHasFieldError(body, f) {
				t.Errorf("submit attesting %v: no message on %s", tt.attest, f)
			}
		}
		for _, f := range tt.attest {
			if rtHasFieldError(body, f) {
				t.Errorf("submit attesting %v: a message on %s", tt.attest, f)
			}
		}
		if s := rtStatus(t, ts, id); s != "draft" {
			t.Fatalf("after a refused submission: %s, want draft", s)
		}
	}

	// Another supplier cannot see it, fill it in or start one; the supplier
	// cannot verify its own.
	other := rtOtherSupplier(t, ts, p.Supplier)
	oc := measuresLogin(t, ts, "bids@"+other+".example")
	otherPage := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, other, id)
	if resp, _ := get(t, oc, otherPage); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another supplier opening the return: %d, want 404", resp.StatusCode)
	}
	if resp, _ := rtPost(t, oc, otherPage, rtForm(p, "1", "submit", "attest_contract", "attest_period")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another supplier submitting the return: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, oc, page); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another supplier at the supplier's own URL: %d, want 404", resp.StatusCode)
	}
	if resp, _ := rtPost(t, oc, fmt.Sprintf("%s/o/%s/contracts/%d/returns", ts.URL, other, p.Contract), url.Values{"period": {strconv.Itoa(p.Period)}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another supplier starting a return on the contract: %d, want 404", resp.StatusCode)
	}

	rtSubmit(t, sup, page, p)
	if s := rtStatus(t, ts, id); s != "submitted" {
		t.Fatalf("after submitting: %s", s)
	}
	if got := rtMailsTo(ts, "contracts@star.example"); len(got) != 1 || !strings.HasPrefix(got[0], "Return submitted: "+p.Reference) {
		t.Errorf("contract manager's emails: %q, want one saying the return is submitted", got)
	}
	verify := fmt.Sprintf("%s/o/star/returns/%d/verify", ts.URL, id)
	decide := url.Values{fmt.Sprintf("decision-%d", k1): {"verified"}}
	if resp, _ := rtPost(t, sup, fmt.Sprintf("%s/o/%s/returns/%d/verify", ts.URL, p.Supplier, id), decide); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the supplier verifying its own return: %d, want 404", resp.StatusCode)
	}
	// A contract manager of another partner cannot reach it either.
	tc := measuresLogin(t, ts, "contracts@trafford.example")
	if resp, _ := rtPost(t, tc, fmt.Sprintf("%s/o/trafford/returns/%d/verify", ts.URL, id), decide); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Trafford's contract manager verifying a Tameside return: %d, want 404", resp.StatusCode)
	}
	if d := rtDecisions(t, ts, id); d != strings.TrimSpace(strings.Repeat("pending ", len(p.KPIs))) {
		t.Fatalf("after refused verifications: %s", d)
	}

	// The contract manager: a query and a rejection need a note.
	cm := measuresLogin(t, ts, "contracts@star.example")
	resp, body := get(t, cm, fmt.Sprintf("%s/o/star/returns/%d", ts.URL, id))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Save decisions") || !strings.Contains(body, fmt.Sprintf(`name="decision-%d"`, k1)) {
		t.Fatalf("verifier's page: %d, no decision form", resp.StatusCode)
	}
	resp, body = rtPost(t, cm, verify, url.Values{
		fmt.Sprintf("decision-%d", k1): {"queried"}, fmt.Sprintf("decision-%d", k2): {"rejected"}, fmt.Sprintf("decision-%d", k3): {"verified"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !rtHasFieldError(body, fmt.Sprintf("note-%d", k1)) || !rtHasFieldError(body, fmt.Sprintf("note-%d", k2)) {
		t.Errorf("query and reject without notes: %d, want 422 with a message on each note", resp.StatusCode)
	}
	if rtHasFieldError(body, fmt.Sprintf("note-%d", k3)) {
		t.Error("verifying needs no note, but got a message")
	}
	if resp, _ := rtPost(t, cm, verify, url.Values{fmt.Sprintf("decision-%d", k1): {"approved"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an unknown decision: %d, want 422", resp.StatusCode)
	}
	if resp, _ := rtPost(t, cm, verify, url.Values{}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no decision at all: %d, want 422", resp.StatusCode)
	}
	if d := rtDecisions(t, ts, id); !strings.HasPrefix(d, "pending pending pending") {
		t.Fatalf("after refused decisions: %s, want all pending", d)
	}

	const question, reason = "Which sites were these apprentices on?", "These figures belong to another contract."
	decisions := url.Values{
		fmt.Sprintf("decision-%d", k1): {"queried"}, fmt.Sprintf("note-%d", k1): {question},
		fmt.Sprintf("decision-%d", k2): {"rejected"}, fmt.Sprintf("note-%d", k2): {reason}}
	for _, k := range p.KPIs[2:] {
		decisions.Set(fmt.Sprintf("decision-%d", k), "verified")
	}
	resp, body = rtPost(t, cm, verify, decisions)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("decide: %d\n%s", resp.StatusCode, body)
	}
	if s, d := rtStatus(t, ts, id), rtDecisions(t, ts, id); s != "queried" || !strings.HasPrefix(d, "queried rejected verified") {
		t.Fatalf("after a query: %s, %s", s, d)
	}

	// The supplier is told in the app and by email, and answers.
	var supplierID int64
	if err := admin.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = $1`, p.Supplier).Scan(&supplierID); err != nil {
		t.Fatal(err)
	}
	notices := func() []string {
		rows, _ := admin.Query(ctx, `SELECT subject FROM notifications WHERE org_id = $1 ORDER BY id`, supplierID)
		list, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	wantQuestion := fmt.Sprintf("Question about your return for %s, quarter %d", p.Reference, p.Period)
	if got := notices(); len(got) != 1 || got[0] != wantQuestion {
		t.Errorf("supplier's notifications: %q, want %q", got, wantQuestion)
	}
	supplierMail := "bids@" + p.Supplier + ".example"
	if got := rtMailsTo(ts, supplierMail); len(got) != 1 || got[0] != wantQuestion {
		t.Errorf("supplier's emails: %q, want %q", got, wantQuestion)
	}
	_, body = get(t, sup, page)
	if !strings.Contains(body, question) || !strings.Contains(body, fmt.Sprintf(`name="answer-%d"`, k1)) {
		t.Error("the supplier's page lacks the question or the answer field")
	}
	if strings.Contains(body, fmt.Sprintf(`name="quantity-%d"`, k2)) {
		t.Error("the supplier may change a rejected line while answering a query")
	}
	answer := rtForm(p, rtVersion(t, sup, page), "submit", "attest_contract", "attest_period")
	resp, body = rtPost(t, sup, page, answer)
	if resp.StatusCode != http.StatusUnprocessableEntity || !rtHasFieldError(body, fmt.Sprintf("answer-%d", k1)) {
		t.Errorf("resubmit without an answer: %d, want 422 with a message on the answer", resp.StatusCode)
	}
	answer = rtForm(p, rtVersion(t, sup, page), "submit", "attest_contract", "attest_period")
	answer.Set(fmt.Sprintf("answer-%d", k1), "Stockport Road and Hyde depots; the site registers are attached.")
	rtSubmitForm(t, sup, page, answer)
	if s, d := rtStatus(t, ts, id), rtDecisions(t, ts, id); s != "submitted" || !strings.HasPrefix(d, "pending rejected verified") {
		t.Fatalf("after answering: %s, %s; want submitted with the queried line pending", s, d)
	}
	if got := rtMailsTo(ts, "contracts@star.example"); len(got) != 2 {
		t.Errorf("contract manager's emails after resubmission: %q, want two", got)
	}

	// Verified: the return is complete.
	_, body = get(t, cm, fmt.Sprintf("%s/o/star/returns/%d", ts.URL, id))
	if !strings.Contains(body, "Stockport Road and Hyde depots") {
		t.Error("the verifier does not see the supplier's answer")
	}
	if strings.Contains(body, fmt.Sprintf(`name="decision-%d"`, k2)) {
		t.Error("a rejected line can be decided again")
	}
	if resp, body := rtPost(t, cm, verify, url.Values{fmt.Sprintf("decision-%d", k1): {"verified"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify the answer: %d\n%s", resp.StatusCode, body)
	}
	if s, d := rtStatus(t, ts, id), rtDecisions(t, ts, id); s != "complete" || !strings.HasPrefix(d, "verified rejected verified") {
		t.Errorf("after verifying: %s, %s; want complete", s, d)
	}
	wantChecked := fmt.Sprintf("Your return for %s, quarter %d, has been checked", p.Reference, p.Period)
	if got := notices(); len(got) != 2 || got[1] != wantChecked {
		t.Errorf("supplier's notifications: %q, want a second saying %q", got, wantChecked)
	}
	if got := rtMailsTo(ts, supplierMail); len(got) != 2 || got[1] != wantChecked {
		t.Errorf("supplier's emails: %q, want a second saying %q", got, wantChecked)
	}
	// Nothing more to decide.
	if resp, _ := rtPost(t, cm, verify, url.Values{fmt.Sprintf("decision-%d", k2): {"verified"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("deciding a complete return: %d, want 422", resp.StatusCode)
	}

	// Each decision is in the partner's audit log, by the contract manager.
	rows, _ := admin.Query(ctx, `
		SELECT a.action || ' ' || (a.detail->>'kpi') || ' ' || u.email FROM audit_log a JOIN users u ON u.id = a.user_id
		JOIN organisations o ON o.id = a.org_id
		WHERE a.action LIKE 'return.%' AND a.action <> 'return.submit' AND a.detail->>'return' = $1 AND o.slug = 'tameside'
		ORDER BY a.seq`, strconv.FormatInt(id, 10))
	audit, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("return.queried %d contracts@star.example", k1),
		fmt.Sprintf("return.rejected %d contracts@star.example", k2),
	}
	for _, k := range p.KPIs[2:] {
		want = append(want, fmt.Sprintf("return.verified %d contracts@star.example", k))
	}
	want = append(want, fmt.Sprintf("return.verified %d contracts@star.example", k1))
	if strings.Join(audit, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(audit, "\n"), strings.Join(want, "\n"))
	}
	var submits int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'return.submit' AND detail->>'return' = $1`,
		strconv.FormatInt(id, 10)).Scan(&submits); err != nil || submits != 2 {
		t.Errorf("submissions audited: %d (%v), want 2", submits, err)
	}

	// A contract manager may report on the supplier's behalf, and the
	// supplier sees the return as its own; a director reads but cannot
	// decide.
	p = rtEndedPeriod(t, ts, "trafford", 1)
	id = rtStart(t, ts, tc, "trafford", p)
	page = fmt.Sprintf("%s/o/trafford/returns/%d", ts.URL, id)
	rtSubmit(t, tc, page, p, page+"/on-behalf")
	if s := rtStatus(t, ts, id); s != "submitted" {
		t.Fatalf("after submitting: %s", s)
	}
	sup = measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	if resp, _ := get(t, sup, fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)); resp.StatusCode != http.StatusOK {
		t.Errorf("the supplier opening the return made for it: %d", resp.StatusCode)
	}
	dc := measuresLogin(t, ts, "director@star.example")
	if resp, _ := get(t, dc, fmt.Sprintf("%s/o/star/returns/%d", ts.URL, id)); resp.StatusCode != http.StatusOK {
		t.Errorf("a director opening the return: %d", resp.StatusCode)
	}
	if resp, _ := rtPost(t, dc, fmt.Sprintf("%s/o/star/returns/%d/verify", ts.URL, id),
		url.Values{fmt.Sprintf("decision-%d", p.KPIs[0]): {"verified"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a director verifying: %d, want 404", resp.StatusCode)
	}
}
