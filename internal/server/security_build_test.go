package server_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/oidctest"
	"github.com/tally-sv/tally/internal/tally"
)

// secBuildJourney stores hostile text through every form in the product,
// each post carrying extras.
func secBuildJourney(t *testing.T, ts *testServer, extras url.Values) *secJourney {
	t.Helper()
	j := &secJourney{ts: ts, markers: map[string]string{}, shown: map[string][]string{}, posted: map[string]bool{}}
	long := func(marker, field string) string { j.markers[marker] = field; return secPayload(marker) }
	short := func(marker, field string) string { j.markers[marker] = field; return secShort(marker) }
	p := func(c *http.Client, path string, form url.Values) secResult {
		t.Helper()
		j.posted["POST "+secPattern(ts, http.MethodPost, path)] = true
		resp, body := post(t, c, ts.URL+path, secWith(form, extras))
		return secResult{resp, body}
	}
	multipart := func(c *http.Client, path string, form url.Values, name string, data []byte) secResult {
		t.Helper()
		j.posted["POST "+secPattern(ts, http.MethodPost, path)] = true
		resp, body := secMultipart(t, c, ts.URL+path, secWith(form, extras), "file", name, data)
		return secResult{resp, body}
	}
	const strong = "correct horse battery staple"

	// A supplier registers; an administrator invites a buyer, who joins.
	sc := ts.client(t)
	reg := registration(long("XSS01", "register: organisation name"), "SK1 3XE", "xss@supplier.example")
	reg.Set("name", long("XSS02", "register: your name"))
	if r := p(sc, "/register", reg); r.resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d", r.resp.StatusCode)
	}
	j.supplier = strings.TrimPrefix(p(sc, lastLink(t, ts, "xss@supplier.example"), choosePassword(strong)).seeOther(t), "/o/")
	anon := ts.client(t)
	p(anon, "/login", url.Values{"email": {"admin@star.example"}, "password": {"wrong"}})
	admin := signIn(t, ts, "admin@star.example")
	p(admin, "/login", url.Values{"email": {"admin@star.example"}, "password": {"tally-demo-password"}})
	p(admin, "/o/star/users", url.Values{"email": {"invitee@star.example"}, "roles": {"buyer"}}).seeOther(t)
	invitee := ts.client(t)
	p(invitee, lastLink(t, ts, "invitee@star.example"),
		url.Values{"name": {long("XSS03", "invitation: name")}, "password": {strong}, "confirm": {strong}}).seeOther(t)
	j.invitee = userID(t, ts, "invitee@star.example")
	p(admin, "/o/star/users/"+itoa64(j.invitee), url.Values{"roles": {"buyer", "evaluator"}}).seeOther(t)
	p(admin, "/o/star/settings/stockport", withVersion(t, ts, admin, "/o/star/settings/stockport", url.Values{"threshold": {"50000"}, "default_weighting": {"20"},
		"local_area": {"M, SK, OL, WN, BL, WA"}, "max_measures": {"10"}, "band_good": {"95"}, "band_approaching": {"85"},
		"band_requires_improvement": {"70"}, "confirmed": {"yes"}})).seeOther(t)
	// Single sign-on through a provider started here, and a sign-in
	// started with it.
	idp := oidctest.New(t, "journey-client", "journey-secret")
	p(admin, "/o/star/settings/single-sign-on", url.Values{"issuer": {idp.URL}, "client_id": {long("XSS30", "single sign-on: client id")},
		"client_secret": {"journey-secret"}, "domains": {"sso.star.example"}}).seeOther(t)
	if r := p(ts.client(t), "/login/sso", url.Values{"email": {"someone@sso.star.example"}}); r.resp.StatusCode != http.StatusOK {
		t.Fatalf("start single sign-on: %d", r.resp.StatusCode)
	}
	if r := p(admin, "/o/star/settings/single-sign-on/remove", url.Values{}); r.resp.StatusCode != http.StatusOK {
		t.Fatalf("ask to turn off single sign-on: %d", r.resp.StatusCode)
	}
	// An invitation with two roles, sent again and revoked; its first,
	// dead link asks for another.
	p(admin, "/o/star/users", url.Values{"email": {"twice@star.example"}, "roles": {"buyer", "director"}}).seeOther(t)
	inv := itoa64(secInt(t, ts, `SELECT id FROM invitations WHERE email = 'twice@star.example'`))
	p(admin, "/o/star/users/invitations/"+inv+"/resend", url.Values{}).seeOther(t)
	deadLink := lastLink(t, ts, "twice@star.example")
	p(admin, "/o/star/users/invitations/"+inv+"/revoke", url.Values{}).seeOther(t)
	if r := p(ts.client(t), deadLink+"/again", url.Values{}); r.resp.StatusCode != http.StatusOK {
		t.Fatalf("ask for a new invitation: %d", r.resp.StatusCode)
	}
	// An email that could not be delivered, tried again.
	lost := undeliveredEmail(t, ts, orgID(t, ts, "stockport"), orgID(t, ts, "stockport"), "lost@supplier.example", "Outcome")
	p(admin, "/o/star/notifications/undelivered/"+itoa64(lost)+"/retry", url.Values{}).seeOther(t)
	// A password reset, and signing out everywhere, from a throwaway session.
	resp := p(anon, "/password-reset", url.Values{"email": {"invitee@star.example"}}).resp
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("password reset request: %d", resp.StatusCode)
	}
	p(anon, lastLink(t, ts, "invitee@star.example"), url.Values{"password": {strong + "!"}, "confirm": {strong + "!"}}).seeOther(t)
	changer := ts.client(t)
	p(changer, "/login", url.Values{"email": {"invitee@star.example"}, "password": {strong + "!"}}).seeOther(t)
	p(changer, "/account/password", url.Values{"current": {strong + "!"}, "password": {strong + "?"}, "confirm": {strong + "?"}}).seeOther(t)
	p(sc, "/account/emails", url.Values{"emails": {"reminders"}}).seeOther(t)
	// A sign-in link, asked for and used.
	if r := p(anon, "/login/link", url.Values{"email": {"invitee@star.example"}, "next": {"/account"}}); r.resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in link request: %d", r.resp.StatusCode)
	}
	p(ts.client(t), lastLink(t, ts, "invitee@star.example"), url.Values{}).seeOther(t)
	// One of two sessions ended from the account page; an account
	// disabled and enabled again.
	ender := signIn(t, ts, "director@star.example")
	signIn(t, ts, "director@star.example")
	end := endSession.FindStringSubmatch(accountBody(t, ender, ts.URL+"/account"))
	if end == nil {
		t.Fatal("the account page offers no session to end")
	}
	p(ender, end[1], url.Values{}).seeOther(t)
	p(admin, "/o/star/users/"+itoa64(j.invitee)+"/account", url.Values{"action": {"disable"}}).seeOther(t)
	p(admin, "/o/star/users/"+itoa64(j.invitee)+"/account", url.Values{"action": {"enable"}}).seeOther(t)
	throwaway := signIn(t, ts, "director@star.example")
	p(throwaway, "/account/sign-out-everywhere", url.Values{}).seeOther(t)
	p(signIn(t, ts, "director@star.example"), "/logout", url.Values{}).seeOther(t)
	secTwoStep(t, ts, p, admin)

	// Measures: a local measure, and an imported edition chosen for use.
	local := url.Values{"theme": {long("XSS04", "local measure: theme")}, "outcome": {long("XSS05", "local measure: outcome")},
		"code": {short("XSS06", "local measure: code")}, "title": {long("XSS07", "local measure: title")},
		"unit": {short("XSS08", "local measure: unit")}, "proxy": {"100"}, "description": {long("XSS09", "local measure: guidance")},
		"local": {"yes"}}
	p(admin, "/o/star/measures/local/new", local).seeOther(t)
	j.local = secInt(t, ts, `SELECT id FROM local_measures WHERE code = $1`, secShort("XSS06"))
	p(admin, "/o/star/measures/local/"+itoa64(j.local), withVersion(t, ts, admin, "/o/star/measures/local/"+itoa64(j.local), local)).seeOther(t)
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	w.Write([]string{"edition", "theme", "outcome", "code", "title", "unit", "proxy_gbp", "local", "plugin", "max_per_million", "description"})
	w.Write([]string{long("XSS10", "imported edition: name"), "Jobs", "More local people in work", "XJ1",
		long("XSS11", "imported measure: title"), "FTE", "100", "yes", "", "", "Guidance"})
	w.Flush()
	loc := multipart(admin, "/o/star/measures/import", url.Values{}, "edition.csv", file.Bytes()).seeOther(t)
	j.edition, _ = strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	p(admin, loc+"/choice", url.Values{"chosen": {"yes"}}).seeOther(t)

	// A buyer registers and publishes tenders asking for a demo measure and
	// the local one.
	buyer := signIn(t, ts, "buyer@stockport.example")
	job1 := secInt(t, ts, `SELECT m.id FROM measures m JOIN editions e ON e.id = m.edition_id
		WHERE e.name = 'Open Demo Measures 2026' AND m.code = 'JOB1'`)
	deadline := time.Now().In(tally.London()).AddDate(0, 0, 14)
	contractStart := deadline.AddDate(0, 1, 0)
	tender := func(ref, title string) url.Values {
		return url.Values{"reference": {ref}, "title": {title}, "description": {long("XSS14", "tender: description")},
			"category": {"services"}, "estimated_value": {"120,000"}, "contract_start": {contractStart.Format("2006-01-02")},
			"contract_end": {contractStart.AddDate(2, 0, -1).Format("2006-01-02")}, "weighting": {"25"},
			"weighting_reason": {long("XSS15", "tender: weighting reason")}, "quantitative_share": {"50"},
			"scoring_method": {"relative_value"}, "deadline_date": {deadline.Format("2006-01-02")}, "deadline_time": {"12:00"},
			"measure": {"m" + itoa64(job1), "l" + itoa64(j.local)}}
	}
	newTender := func(form url.Values) int64 {
		t.Helper()
		loc := p(buyer, "/o/stockport/tenders/new", form).seeOther(t)
		id, err := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
		if err != nil {
			t.Fatalf("new tender: redirected to %q", loc)
		}
		return id
	}
	tenderPath := func(id int64) string { return "/o/stockport/tenders/" + itoa64(id) }
	j.tender1 = newTender(tender(short("XSS12", "tender: reference"), long("XSS13", "tender: title")))
	p(buyer, tenderPath(j.tender1)+"/publish", url.Values{}).seeOther(t)
	j.tender2 = newTender(tender("SEC-T2", "Plain"))
	p(buyer, tenderPath(j.tender2)+"/edit", withVersion(t, ts, buyer, tenderPath(j.tender2)+"/edit", tender("SEC-T2", long("XSS29", "tender: title, edited")))).seeOther(t)
	p(buyer, tenderPath(j.tender2)+"/publish", url.Values{}).seeOther(t)
	j.t3 = newTender(tender("SEC-T3", secPayload("XSS13")))
	p(buyer, tenderPath(j.t3)+"/publish", url.Values{}).seeOther(t)

	// The supplier offers on the first: a form with a stale version is
	// refused, then the form and the offline file are accepted.
	offerPath := p(sc, "/o/"+j.supplier+"/opportunities/"+itoa64(j.tender1)+"/offer", url.Values{}).seeOther(t)
	j.offer, _ = strconv.ParseInt(offerPath[strings.LastIndex(offerPath, "/")+1:], 10, 64)
	tms := secStrings(t, ts, `SELECT id::text FROM tender_measures WHERE tender_id = $1 ORDER BY position`, j.tender1)
	offer := url.Values{"bid_price": {"100,000"}, "action": {"review"},
		"quantity-" + tms[0]: {"2"}, "statement-" + tms[0]: {long("XSS16", "offer: statement")},
		"quantity-" + tms[1]: {"10"}, "statement-" + tms[1]: {long("XSS17", "offer: statement of the local measure")}}
	offer.Set("version", "99")
	if resp := p(sc, offerPath, offer).resp; resp.StatusCode != http.StatusConflict {
		t.Errorf("an offer saved with a tampered version: %d, want 409", resp.StatusCode)
	}
	if n := secInt(t, ts, `SELECT count(*) FROM offer_lines WHERE offer_id = $1`, j.offer); n != 0 {
		t.Errorf("an offer saved with a tampered version stored %d lines", n)
	}
	offer.Set("version", secVersion(t, sc, ts.URL+offerPath))
	if loc := p(sc, offerPath, offer).seeOther(t); loc != offerPath+"/submit" {
		t.Errorf("saving the offer redirected to %q", loc)
	}
	_, tpl := get(t, sc, ts.URL+offerPath+"/template.csv")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(tpl, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) < 3 {
		t.Fatalf("offer template: %v\n%s", err, tpl)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	file.Reset()
	w = csv.NewWriter(&file)
	for i, row := range rows {
		switch {
		case i == 0:
		case row[col["code"]] == "BID_PRICE":
			row[col["quantity"]] = "100000"
		case row[col["code"]] == "JOB1":
			row[col["quantity"]], row[col["statement"]] = "2", secPayload("XSS16")
		default:
			row[col["quantity"]], row[col["statement"]] = "10", secPayload("XSS17")
		}
		w.Write(row)
	}
	w.Flush()
	multipart(sc, offerPath+"/upload", url.Values{"version": {secVersion(t, sc, ts.URL+offerPath)}}, "offer.csv", file.Bytes()).seeOther(t)
	if loc := p(sc, offerPath+"/submit", url.Values{"version": {secVersion(t, sc, ts.URL+offerPath+"/submit")}}).seeOther(t); loc != offerPath+"/receipt" {
		t.Errorf("submitting redirected to %q", loc)
	}

	// Another supplier submits on the second tender and withdraws; the
	// buyer extends it, cancels it and copies it.
	nb := signIn(t, ts, "bids@northernbuild.example")
	nbPath := p(nb, "/o/northernbuild/opportunities/"+itoa64(j.tender2)+"/offer", url.Values{}).seeOther(t)
	tms2 := secStrings(t, ts, `SELECT id::text FROM tender_measures WHERE tender_id = $1 ORDER BY position`, j.tender2)
	p(nb, nbPath, url.Values{"version": {secVersion(t, nb, ts.URL+nbPath)}, "bid_price": {"90,000"}, "action": {"review"},
		"quantity-" + tms2[0]: {"1"}, "statement-" + tms2[0]: {"One apprentice"}, "quantity-" + tms2[1]: {"0"}}).seeOther(t)
	p(nb, nbPath+"/submit", url.Values{"version": {secVersion(t, nb, ts.URL+nbPath+"/submit")}}).seeOther(t)
	p(nb, nbPath+"/withdraw", url.Values{"version": {secVersion(t, nb, ts.URL+nbPath)}}).seeOther(t)
	later := deadline.AddDate(0, 0, 7)
	p(buyer, tenderPath(j.tender2)+"/extend", url.Values{"deadline_date": {later.Format("2006-01-02")},
		"deadline_time": {"16:30"}, "reason": {long("XSS21", "extension: reason")}}).seeOther(t)
	p(buyer, tenderPath(j.tender2)+"/cancel", url.Values{"reason": {long("XSS22", "cancellation: reason")}}).seeOther(t)
	p(buyer, tenderPath(j.tender2)+"/copy", url.Values{}).seeOther(t)

	// The first tender closes: the buyer moderates, marks and awards, then
	// changes a KPI's targets.
	admin1 := evAdmin(t, ts)
	e := &tnEnv{ts: ts, admin: admin1}
	e.age(t, j.tender1, "now() - interval '1 minute'")
	eval := tenderPath(j.tender1) + "/evaluation"
	_, page := get(t, buyer, ts.URL+eval)
	m := regexp.MustCompile(`name="measure" value="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no moderation form on the evaluation page")
	}
	offerID := itoa64(j.offer)
	p(buyer, eval+"/moderate", url.Values{"offer": {offerID}, "measure": {m[1]}, "accepted": {"1"},
		"reason": {long("XSS18", "moderation: reason")}}).seeOther(t)
	p(buyer, eval+"/scores", url.Values{"mark-" + offerID: {"4"}, "price-" + offerID: {"50"}, "quality-" + offerID: {"20"}}).seeOther(t)
	today := time.Now().In(tally.London())
	loc = p(buyer, eval+"/award", url.Values{"offer": {offerID}, "reason": {long("XSS19", "award: reason")}, "confirm": {"yes"},
		"awarded-day": {strconv.Itoa(today.Day())}, "awarded-month": {strconv.Itoa(int(today.Month()))}, "awarded-year": {strconv.Itoa(today.Year())}}).seeOther(t)
	j.contract1, _ = strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	j.kpi1 = secInt(t, ts, `SELECT id FROM kpis WHERE contract_id = $1 ORDER BY position LIMIT 1`, j.contract1)
	targets := url.Values{"reason": {long("XSS20", "KPI change: reason")}}
	for i := range secInt(t, ts, `SELECT count(*) FROM kpi_targets WHERE kpi_id = $1`, j.kpi1) {
		targets.Set("target-"+strconv.Itoa(int(i)+1), "1")
	}
	p(buyer, loc+"/kpis/"+itoa64(j.kpi1), withVersion(t, ts, buyer, loc+"/kpis/"+itoa64(j.kpi1), targets)).seeOther(t)

	// A direct contract from an earlier year, so that a quarter has ended:
	// the supplier reports, the contract manager queries, the supplier
	// answers, and the return is verified.
	loc = p(buyer, "/o/stockport/contracts/new", url.Values{"supplier": {j.supplier},
		"reference": {short("XSS23", "direct contract: reference")}, "title": {long("XSS24", "direct contract: title")},
		"value": {"250,000"}, "start": {"2024-04-01"}, "end": {"2027-03-31"}, "awarded_on": {"2024-03-15"},
		"measure": {"l" + itoa64(j.local)}, "quantity": {"40"}}).seeOther(t)
	j.contract2, _ = strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	j.kpi2 = secInt(t, ts, `SELECT id FROM kpis WHERE contract_id = $1`, j.contract2)
	retPath := p(sc, "/o/"+j.supplier+"/contracts/"+itoa64(j.contract2)+"/returns", url.Values{"period": {"1"}}).seeOther(t)
	j.ret, _ = strconv.ParseInt(retPath[strings.LastIndex(retPath, "/")+1:], 10, 64)
	kq := "quantity-" + itoa64(j.kpi2)
	ret := url.Values{"action": {"save"}, "narrative": {long("XSS25", "return: narrative")}, kq: {"5"}}
	ret.Set("version", "99")
	if resp := p(sc, retPath, ret).resp; resp.StatusCode != http.StatusConflict {
		t.Errorf("a return saved with a tampered version: %d, want 409", resp.StatusCode)
	}
	if n := secInt(t, ts, `SELECT count(*) FROM returns WHERE id = $1 AND narrative <> ''`, j.ret); n != 0 {
		t.Error("a return saved with a tampered version was stored")
	}
	ret.Set("version", secVersion(t, sc, ts.URL+retPath))
	p(sc, retPath, ret).seeOther(t)
	pdf := rtPDF(2000, ' ')
	multipart(sc, retPath+"/evidence", url.Values{"version": {secVersion(t, sc, ts.URL+retPath)}},
		"XSS28<svg onload=alert(1)>.pdf", pdf).seeOther(t)
	j.markers["XSS28"] = "evidence: file name"
	multipart(sc, retPath+"/evidence", url.Values{"version": {secVersion(t, sc, ts.URL+retPath)}},
		"spare.pdf", rtPDF(1000, 'x')).seeOther(t)
	spare := secInt(t, ts, `SELECT id FROM evidence WHERE return_id = $1 AND name = 'spare.pdf'`, j.ret)
	p(sc, retPath+"/evidence/"+itoa64(spare)+"/remove", url.Values{"version": {secVersion(t, sc, ts.URL+retPath)}}).seeOther(t)
	j.file = secInt(t, ts, `SELECT id FROM evidence WHERE return_id = $1`, j.ret)
	ret.Set("action", "submit")
	ret.Set("attest_contract", "yes")
	ret.Set("attest_period", "yes")
	ret.Set("version", secVersion(t, sc, ts.URL+retPath))
	p(sc, retPath, ret).seeOther(t)
	p(sc, retPath+"/submit", url.Values{"version": {secVersion(t, sc, ts.URL+retPath)}}).seeOther(t) // from "Check your answers"
	cm := signIn(t, ts, "contracts@star.example")
	verify := "/o/star/returns/" + itoa64(j.ret) + "/verify"
	p(cm, verify, withDecisionsVersion(t, cm, ts.URL+"/o/star/returns/"+itoa64(j.ret),
		url.Values{"decision-" + itoa64(j.kpi2): {"queried"}, "note-" + itoa64(j.kpi2): {long("XSS26", "verification: question")}})).seeOther(t)
	// The question is on the return only while it is open.
	j.inert(t, signIn(t, ts, "contracts@star.example"), "/o/star/returns/"+itoa64(j.ret))
	j.inert(t, sc, retPath)
	ret.Set("answer-"+itoa64(j.kpi2), long("XSS27", "return: answer"))
	ret.Set("version", secVersion(t, sc, ts.URL+retPath))
	p(sc, retPath, ret).seeOther(t)
	p(sc, retPath+"/submit", url.Values{"version": {secVersion(t, sc, ts.URL+retPath)}}).seeOther(t)
	p(cm, verify, withDecisionsVersion(t, cm, ts.URL+"/o/star/returns/"+itoa64(j.ret), url.Values{"decision-" + itoa64(j.kpi2): {"verified"}})).seeOther(t)

	// Last, the local measure is retired (it stays on what used it).
	p(admin, "/o/star/measures/local/"+itoa64(j.local)+"/retire", url.Values{}).seeOther(t)
	return j
}

// secPattern is the route pattern that serves method and path.
func secPattern(ts *testServer, method, path string) string {
	u, _ := url.Parse(path)
	return strings.TrimSuffix(ts.srv.Router().Find(chi.NewRouteContext(), method, u.Path), "/")
}

// secResult is the answer to a post.
type secResult struct {
	resp *http.Response
	body string
}

// seeOther checks that a post was accepted and returns where it went.
func (r secResult) seeOther(t *testing.T) string {
	t.Helper()
	resp, body := r.resp, r.body
	if resp.StatusCode != http.StatusSeeOther {
		msgs := regexp.MustCompile(`(?s)<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>`).FindString(body)
		t.Fatalf("%s %s: status %d, want 303 %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, evTag.ReplaceAllString(msgs, " "))
	}
	return resp.Header.Get("Location")
}

var secVersionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// secVersion is the version a page's form was drawn from.
func secVersion(t *testing.T, c *http.Client, page string) string {
	t.Helper()
	resp, body := get(t, c, page)
	m := secVersionRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d, no version in the form", page, resp.StatusCode)
	}
	return m[1]
}

// secTwoStep goes through 2-step verification (twostep.go) with a person
// of its own: set up from the account, a security code and a recovery code
// at sign-in, new recovery codes, turned off, the organisation's rule, and
// a reset by the administrator.
func secTwoStep(t *testing.T, ts *testServer, p func(*http.Client, string, url.Values) secResult, admin *http.Client) {
	t.Helper()
	const email = "twostep@star.example"
	id := addUser(t, ts, email, "star", tally.RoleBuyer)
	c := signIn(t, ts, email)
	_, _, page := follow(t, ts, c, "/account/two-factor/setup")
	m := keyOnPage.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no key on the setup page")
	}
	key := strings.ReplaceAll(m[1], " ", "")
	codes := recoveryOnPage.FindAllStringSubmatch(p(c, "/account/two-factor/setup", url.Values{"code": {totpCode(t, key, 0)}}).body, -1)
	if len(codes) == 0 {
		t.Fatal("no recovery codes")
	}
	half, _ := password(t, ts, email, "/")
	p(half, "/login/code", url.Values{"code": {totpCode(t, key, 1)}}).seeOther(t)
	half, _ = password(t, ts, email, "/")
	p(half, "/login/recovery-code", url.Values{"code": {codes[0][1]}}).seeOther(t)
	timePasses(t, ts, id)
	if r := p(c, "/account/two-factor/recovery-codes", url.Values{"code": {totpCode(t, key, 0)}}); r.resp.StatusCode != http.StatusOK {
		t.Fatalf("new recovery codes: %d", r.resp.StatusCode)
	}
	p(c, "/account/two-factor/turn-off", url.Values{"off-code": {totpCode(t, key, 1)}}).seeOther(t)
	p(admin, "/o/star/settings/two-factor", url.Values{"who": {"nobody"}}).seeOther(t)
	p(admin, "/o/star/users/"+itoa64(id)+"/two-factor/reset", url.Values{"checked": {"yes"}}).seeOther(t)
}
