package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The return form as a user meets it, making mistakes (issue 14): typed
// work survives uploads and errors, each role sees its own actions, and
// nothing answers with the error page.

// rtMultipart posts the whole return form as the browser sends it, fields
// first and the file (if any) where the file input is.
func rtMultipart(t *testing.T, c *http.Client, target string, fields url.Values, name string, data []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, target, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// rtSaved is the return's narrative and quantities (in thousandths, in KPI
// order) as stored.
func rtSaved(t *testing.T, ts *testServer, id int64) (string, string) {
	t.Helper()
	var narrative, quantities string
	if err := rtAdmin(t, ts).QueryRow(context.Background(), `
		SELECT r.narrative, string_agg(l.quantity::text, ' ' ORDER BY k.position)
		FROM returns r JOIN return_lines l ON l.return_id = r.id JOIN kpis k ON k.id = l.kpi_id
		WHERE r.id = $1 GROUP BY r.narrative`, id).Scan(&narrative, &quantities); err != nil {
		t.Fatal(err)
	}
	return narrative, quantities
}

func rtChecked(body, name, value string) bool {
	return regexp.MustCompile(`name="` + name + `" type="radio" value="` + value + `" checked`).MatchString(body)
}

func TestRtUploadMidFormKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	p := rtEndedPeriod(t, ts, "rochdale", 2)
	k1, k2 := p.KPIs[0], p.KPIs[1]
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)
	q1, q2 := fmt.Sprintf("quantity-%d", k1), fmt.Sprintf("quantity-%d", k2)

	// Typed, not saved, then "Upload file": both are kept.
	form := url.Values{"version": {rtVersion(t, sup, page)}, "action": {"upload"}, q1: {"12.5"}, q2: {"3"},
		"narrative": {"Twelve and a half weeks of placements."}}
	resp, body := rtMultipart(t, sup, page, form, "placements.pdf", rtPDF(400, 'p'))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload mid-form: %d\n%.2000s", resp.StatusCode, body)
	}
	if n, q := rtSaved(t, ts, id); n != "Twelve and a half weeks of placements." || !strings.HasPrefix(q, "12500 3000") {
		t.Errorf("after uploading mid-form: %q, %q; want what was typed saved", n, q)
	}
	if files := rtEvidence(t, ts, id); len(files) != 1 || !strings.Contains(files[0], "placements.pdf") {
		t.Fatalf("files: %q", files)
	}
	_, body = get(t, sup, page)
	if !strings.Contains(body, "placements.pdf is attached, and your draft is saved.") || !strings.Contains(body, `value="12.5"`) {
		t.Error("the page after the upload does not say so, or lost the quantity")
	}

	// A file that is refused: what was typed is saved and shown again.
	form.Set("version", rtVersion(t, sup, page))
	form.Set("narrative", "Now with the timesheets.")
	form.Set(q2, "4")
	resp, body = rtMultipart(t, sup, page, form, "timesheets.pdf", []byte("<html><script>alert(1)</script></html>"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !rtHasFieldError(body, "file") || !strings.Contains(body, "Now with the timesheets.") || !strings.Contains(body, `value="4"`) {
		t.Errorf("a refused file: %d; want 422 with the message and everything typed", resp.StatusCode)
	}
	if n, q := rtSaved(t, ts, id); n != "Now with the timesheets." || !strings.HasPrefix(q, "12500 4000") {
		t.Errorf("after a refused file: %q, %q; want the draft saved", n, q)
	}

	// The same file twice is refused by its content, whatever its name.
	form.Set("version", rtVersion(t, sup, page))
	resp, body = rtMultipart(t, sup, page, form, "copy of placements.pdf", rtPDF(400, 'p'))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "This file is already attached to this return, as placements.pdf") {
		t.Errorf("the same file twice: %d, want 422 naming the first copy", resp.StatusCode)
	}
	if files := rtEvidence(t, ts, id); len(files) != 1 {
		t.Errorf("files after a duplicate: %q", files)
	}

	// "Upload file" with no file chosen: a message, the draft saved.
	form.Set("version", rtVersion(t, sup, page))
	form.Set("narrative", "No file this time.")
	resp, body = rtMultipart(t, sup, page, form, "", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Choose a file to upload") || !strings.Contains(body, "No file this time.") {
		t.Errorf("upload with no file: %d, want 422 asking for a file", resp.StatusCode)
	}

	// Letters in a quantity: nothing is saved, nothing typed is lost.
	form.Set("version", rtVersion(t, sup, page))
	form.Set(q1, "ten")
	form.Set("narrative", "Letters typed.")
	resp, body = rtMultipart(t, sup, page, form, "register.pdf", rtPDF(300, 'r'))
	if resp.StatusCode != http.StatusUnprocessableEntity || !rtHasFieldError(body, q1) || !strings.Contains(body, `value="ten"`) || !strings.Contains(body, "Letters typed.") {
		t.Errorf("letters in a quantity: %d, want 422 with the quantity and narrative as typed", resp.StatusCode)
	}
	if n, _ := rtSaved(t, ts, id); n != "No file this time." {
		t.Errorf("a form with an error was saved: %q", n)
	}

	// Removing a file from the form saves what was typed too.
	files := rtEvidence(t, ts, id)
	form = url.Values{"version": {rtVersion(t, sup, page)}, "remove": {fmt.Sprint(rtEvidenceID(t, files[0]))}, q1: {"7"}, q2: {"1"}, "narrative": {"Removed the placements."}}
	if resp, body := rtMultipart(t, sup, page, form, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove from the form: %d\n%.2000s", resp.StatusCode, body)
	}
	if n, q := rtSaved(t, ts, id); n != "Removed the placements." || !strings.HasPrefix(q, "7000 1000") || len(rtEvidence(t, ts, id)) != 0 {
		t.Errorf("after removing: %q, %q, %d files", n, q, len(rtEvidence(t, ts, id)))
	}

	// A file chosen and "Continue": the file is kept and shown on the check page.
	form = rtForm(p, rtVersion(t, sup, page), "submit", "attest_contract", "attest_period")
	resp, body = rtMultipart(t, sup, page, form, "final.csv", []byte("Site,People\nHyde,3\n"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/check") {
		t.Fatalf("continue with a file: %d to %q\n%.2000s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, body = get(t, sup, page+"/check")
	for _, want := range []string{"final.csv", "Apprentices started on site; timesheets attached.", fmt.Sprintf(`href="/o/%s/returns/%d#quantity-%d"`, p.Supplier, id, k1),
		`href="/o/` + p.Supplier + fmt.Sprintf(`/returns/%d#narrative"`, id), "The figures relate only to this contract", "Submit return"} {
		if !strings.Contains(body, want) {
			t.Errorf("check page: no %q", want)
		}
	}
	if s := rtStatus(t, ts, id); s != "draft" {
		t.Errorf("after continuing: %s, want still a draft until submitted", s)
	}
	// A stale check page cannot submit what was not checked.
	if resp, body := rtPost(t, sup, page+"/submit", url.Values{"version": {"1"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "changed in another window or tab") {
		t.Errorf("submit from a stale check page: %d, want 422 saying why", resp.StatusCode)
	}
	resp, _ = rtPost(t, sup, page+"/submit", url.Values{"version": {rtVersionRE.FindStringSubmatch(body)[1]}})
	if resp.StatusCode != http.StatusSeeOther || rtStatus(t, ts, id) != "submitted" {
		t.Errorf("submit from the check page: %d, %s", resp.StatusCode, rtStatus(t, ts, id))
	}
}

func TestRtQueryingOneLineLeavesTheOthersToCheck(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	p := rtEndedPeriod(t, ts, "tameside", 3)
	k1, k2, k3 := p.KPIs[0], p.KPIs[1], p.KPIs[2]
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)
	rtSubmit(t, sup, page, p)
	cm := measuresLogin(t, ts, "contracts@star.example")
	cmPage := fmt.Sprintf("%s/o/star/returns/%d", ts.URL, id)
	verify := cmPage + "/verify"
	d := func(k int64) string { return fmt.Sprintf("decision-%d", k) }
	n := func(k int64) string { return fmt.Sprintf("note-%d", k) }

	// A wrong radio value and a query without its question: the choices
	// and the text typed come back as sent.
	resp, body := rtPost(t, cm, verify, url.Values{d(k1): {"queried"}, d(k2): {"verified"}, d(k3): {"rejected"}, n(k3): {"Figures for another contract."}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !rtHasFieldError(body, n(k1)) {
		t.Fatalf("query without a question: %d, want 422 with a message", resp.StatusCode)
	}
	if !rtChecked(body, d(k1), "queried") || !rtChecked(body, d(k2), "verified") || !rtChecked(body, d(k3), "rejected") || !strings.Contains(body, "Figures for another contract.") {
		t.Errorf("after a refused decision the choices are not as sent")
	}
	resp, body = rtPost(t, cm, verify, url.Values{d(k1): {"approved"}, d(k2): {"verified"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !rtHasFieldError(body, d(k1)) || !rtChecked(body, d(k2), "verified") {
		t.Errorf("an unknown decision: %d, want 422 keeping the other choice", resp.StatusCode)
	}

	// Query one line only.
	if resp, body := rtPost(t, cm, verify, url.Values{d(k1): {"queried"}, n(k1): {"Which sites?"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("query one line: %d\n%.2000s", resp.StatusCode, body)
	}
	if s, dd := rtStatus(t, ts, id), rtDecisions(t, ts, id); s != "queried" || !strings.HasPrefix(dd, "queried pending pending") {
		t.Fatalf("after the query: %s, %s", s, dd)
	}
	// The others can still be checked, and the manager never sees the
	// supplier's form.
	_, body = get(t, cm, cmPage)
	if !strings.Contains(body, `name="`+d(k2)+`"`) || !strings.Contains(body, `name="`+d(k3)+`"`) || strings.Contains(body, `name="`+d(k1)+`"`) {
		t.Error("the manager cannot decide the unchecked lines of a queried return, or can decide the queried one again")
	}
	for _, leak := range []string{"Your answer", `value="submit"`, `name="remove"`, `name="narrative"`} {
		if strings.Contains(body, leak) {
			t.Errorf("the manager sees the supplier's form: %q", leak)
		}
	}
	others := url.Values{}
	for _, k := range p.KPIs[1:] {
		others.Set(d(k), "verified")
	}
	if resp, body := rtPost(t, cm, verify, others); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify the other lines: %d\n%.2000s", resp.StatusCode, body)
	}
	if s, dd := rtStatus(t, ts, id), rtDecisions(t, ts, id); s != "queried" || !strings.HasPrefix(dd, "queried verified verified") {
		t.Fatalf("after verifying the others: %s, %s", s, dd)
	}
	// The supplier answers; the manager verifies the answered line.
	answer := rtForm(p, rtVersion(t, sup, page), "submit", "attest_contract", "attest_period")
	answer.Set(fmt.Sprintf("answer-%d", k1), "Hyde and Denton.")
	rtSubmitForm(t, sup, page, answer)
	if resp, _ := rtPost(t, cm, verify, url.Values{d(k1): {"verified"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify the answer: %d", resp.StatusCode)
	}
	if s := rtStatus(t, ts, id); s != "complete" {
		t.Errorf("at the end: %s, want complete", s)
	}
}

func TestRtAnsweringAQueryWithoutAnAttestationIsAMessage(t *testing.T) {
	t.Parallel()
	ts := rtServer(t) // fails on any logged server error
	p := rtEndedPeriod(t, ts, "stockport", 1)
	k1 := p.KPIs[0]
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)
	rtSubmit(t, sup, page, p)
	cm := measuresLogin(t, ts, "contracts@star.example")
	if resp, _ := rtPost(t, cm, fmt.Sprintf("%s/o/star/returns/%d/verify", ts.URL, id),
		url.Values{fmt.Sprintf("decision-%d", k1): {"queried"}, fmt.Sprintf("note-%d", k1): {"Which sites?"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("query: %d", resp.StatusCode)
	}
	for _, action := range []string{"submit", "save", "upload"} {
		form := rtForm(p, rtVersion(t, sup, page), action, "attest_period") // attest_contract unticked
		form.Set(fmt.Sprintf("answer-%d", k1), "Typed answer "+action)
		resp, body := rtPost(t, sup, page, form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !rtHasFieldError(body, "attest_contract") || !strings.Contains(body, "Typed answer "+action) {
			t.Errorf("%s without an attestation: %d, want 422 with a message and the answer kept", action, resp.StatusCode)
		}
	}
	if s := rtStatus(t, ts, id); s != "queried" {
		t.Errorf("after the refusals: %s, want queried", s)
	}
}
