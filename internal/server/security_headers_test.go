package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSecHeadersOnEveryKindOfResponse asks for one response of every kind
// the server gives, errors first (404, 405, a forced 500, a refused
// cross-site post, an unreadable form, an invalid form), then redirects,
// static files, health checks, CSV and Excel downloads and an evidence
// download, and checks each for the security headers. TestSecCrawl checks
// every page a crawl reaches the same way.
func TestSecHeadersOnEveryKindOfResponse(t *testing.T) {
	t.Parallel()
	ts := demoServer(t) // the forced panic logs an error, as it should
	ts.srv.Router().Get("/sec-panic", func(http.ResponseWriter, *http.Request) { panic("forced by the test") })

	anon := ts.client(t)
	buyer := signIn(t, ts, "buyer@stockport.example")
	cm := signIn(t, ts, "contracts@star.example")
	ret := secInt(t, ts, `SELECT min(return_id) FROM evidence`)
	supplier := secStrings(t, ts, `SELECT o.slug FROM returns r JOIN organisations o ON o.id = r.supplier_id WHERE r.id = $1`, ret)[0]
	sup := signIn(t, ts, "bids@"+supplier+".example")
	file := itoa64(secInt(t, ts, `SELECT min(id) FROM evidence WHERE return_id = $1`, ret))
	awarded := itoa64(secInt(t, ts, `SELECT max(c.tender_id) FROM contracts c JOIN organisations p ON p.id = c.partner_id WHERE p.slug = 'stockport'`))
	offer := itoa64(secInt(t, ts, `SELECT min(id) FROM offers WHERE supplier_id = $1`, orgID(t, ts, supplier)))
	edition := itoa64(secInt(t, ts, `SELECT id FROM editions WHERE name = 'Open Demo Measures 2026'`))
	crossSite := map[string]string{"Sec-Fetch-Site": "cross-site"}
	sameSite := map[string]string{"Sec-Fetch-Site": "same-origin"}
	bad := url.Values{"email": {"not an email"}}

	for _, tc := range []struct {
		what     string
		c        *http.Client
		signedIn bool
		method   string
		path     string
		form     url.Values
		headers  map[string]string
		want     int
		kind     string // the start of the Content-Type
	}{
		{"an unknown page", anon, false, "GET", "/no/such/page", nil, nil, 404, "text/html"},
		{"an unknown page, signed in", buyer, true, "GET", "/o/stockport/no/such/page", nil, nil, 404, "text/html"},
		{"another organisation", buyer, true, "GET", "/o/trafford", nil, nil, 404, "text/html"},
		{"a record that does not exist", buyer, true, "GET", "/o/stockport/tenders/999999999", nil, nil, 404, "text/html"},
		{"a missing static file", anon, false, "GET", "/static/nothing.css", nil, nil, 404, "text/html"},
		{"a method not allowed", anon, false, "PUT", "/login", url.Values{}, nil, 405, "text/html"},
		{"a method not allowed, signed in", buyer, true, "DELETE", "/o/stockport/tenders", nil, nil, 405, "text/html"},
		{"a server error", anon, false, "GET", "/sec-panic", nil, nil, 500, "text/html"},
		// Refused before the session is read, so it shows nothing personal.
		{"a cross-site post", buyer, false, "POST", "/o/stockport/tenders/new", url.Values{}, crossSite, 403, "text/html"},
		{"an unreadable form", anon, false, "POST", "/login", url.Values{"email": {strings.Repeat("a", 300<<10)}}, sameSite, 400, "text/html"},
		{"an invalid form", anon, false, "POST", "/login", bad, sameSite, 422, "text/html"},
		{"an invalid form, signed in", buyer, true, "POST", "/o/stockport/tenders/new", url.Values{}, sameSite, 422, "text/html"},
		{"the start page", anon, false, "GET", "/", nil, nil, 200, "text/html"},
		{"a redirect to sign in", anon, false, "GET", "/o/stockport", nil, nil, 303, ""},
		{"a redirect, signed in", buyer, true, "GET", "/", nil, nil, 303, ""},
		{"a page, signed in", buyer, true, "GET", "/o/stockport/tenders", nil, nil, 200, "text/html"},
		{"a stylesheet", anon, false, "GET", "/static/tally.css", nil, nil, 200, "text/css"},
		{"a script", anon, false, "GET", "/static/tally.js", nil, nil, 200, "text/javascript"},
		{"a font", buyer, true, "GET", "/static/fonts/inter-latin-400-normal.woff2", nil, nil, 200, "font/woff2"},
		{"an image", anon, false, "GET", "/static/images/favicon.svg", nil, nil, 200, "image/svg+xml"},
		{"the health check", anon, false, "GET", "/healthz", nil, nil, 200, ""},
		{"the readiness check", anon, false, "GET", "/readyz", nil, nil, 200, ""},
		{"a dashboard CSV", buyer, true, "GET", "/o/stockport/dashboard.csv", nil, nil, 200, "text/csv"},
		{"a dashboard Excel table", buyer, true, "GET", "/o/stockport/dashboard/themes.xlsx", nil, nil, 200, "application/vnd.openxmlformats"},
		{"an evaluation CSV", buyer, true, "GET", "/o/stockport/tenders/" + awarded + "/evaluation.csv", nil, nil, 200, "text/csv"},
		{"an evaluation Excel file", buyer, true, "GET", "/o/stockport/tenders/" + awarded + "/evaluation.xlsx", nil, nil, 200, "application/vnd.openxmlformats"},
		{"an edition CSV", buyer, true, "GET", "/o/stockport/measures/" + edition + "/export.csv", nil, nil, 200, "text/csv"},
		{"an offer template", sup, true, "GET", "/o/" + supplier + "/offers/" + offer + "/template.xlsx", nil, nil, 200, "application/vnd.openxmlformats"},
		{"evidence, to the supplier", sup, true, "GET", "/o/" + supplier + "/returns/" + itoa64(ret) + "/evidence/" + file, nil, nil, 200, ""},
		{"evidence, to the contract manager", cm, true, "GET", "/o/star/returns/" + itoa64(ret) + "/evidence/" + file, nil, nil, 200, ""},
		{"signing out", buyer, true, "POST", "/logout", url.Values{}, sameSite, 303, ""},
	} {
		var body io.Reader
		if tc.form != nil {
			body = strings.NewReader(tc.form.Encode())
		}
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, body)
		if tc.form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		resp, err := tc.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s %s: %d, want %d", tc.what, tc.method, tc.path, resp.StatusCode, tc.want)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.kind) {
			t.Errorf("%s: Content-Type %q, want %s", tc.what, ct, tc.kind)
		}
		for _, bad := range secHeaderProblems(resp, tc.signedIn) {
			t.Errorf("%s: %s %s: %s", tc.what, tc.method, tc.path, bad)
		}
		if strings.Contains(tc.what, "evidence") {
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("%s: CSP %q, want a sandbox that loads nothing", tc.what, csp)
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
				t.Errorf("%s: Content-Disposition %q, want an attachment", tc.what, cd)
			}
		}
	}
}
