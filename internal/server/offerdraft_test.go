package server_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// startOffer starts a supplier's offer on a tender: its path and version.
func (e *tnEnv) startOffer(t *testing.T, c *http.Client, supplier string, tender int64) (string, string) {
	t.Helper()
	resp, body := tnPost(t, c, e.ts.URL+"/o/"+supplier+"/opportunities/"+itoa64(tender)+"/offer", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start an offer: %d\n%s", resp.StatusCode, body)
	}
	path := resp.Header.Get("Location")
	_, body = get(t, c, e.ts.URL+path)
	return path, tnVersion(t, body)
}

// lineOf reads one stored line: its quantity in thousandths ("null" when
// not answered) and its statement, or "none" when there is no line.
func (e *tnEnv) lineOf(t *testing.T, offer, measure int64) string {
	t.Helper()
	var s string
	err := e.admin.QueryRow(t.Context(), `SELECT coalesce((SELECT coalesce(quantity::text, 'null') || '|' || statement
		FROM offer_lines WHERE offer_id = $1 AND tender_measure_id = $2), 'none')`, offer, measure).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *tnEnv) bidOf(t *testing.T, offer int64) string {
	t.Helper()
	var s string
	if err := e.admin.QueryRow(t.Context(), `SELECT coalesce(bid_price::text, 'null') FROM offers WHERE id = $1`, offer).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDraftSavesWhateverWasTyped is issue 14's "Save draft refuses to
// save while a line with a quantity has no statement, and nothing is
// kept": a draft keeps everything that can be stored, a value that cannot
// comes back with its message and the rest saved, and completeness waits
// for review.
func TestDraftSavesWhateverWasTyped(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-DRAFT")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	path, version := e.startOffer(t, supplier, "northernbuild", tender)
	offer := tnOfferID(t, path)
	ms := e.measuresOf(t, tender)
	q := func(i int) string { return "quantity-" + itoa64(ms[i]) }
	st := func(i int) string { return "statement-" + itoa64(ms[i]) }

	// A quantity with no statement, a statement with no quantity, no bid.
	f := url.Values{"version": {version}, "action": {"save"}, "bid_price": {""},
		q(0): {"2"}, st(0): {""}, q(1): {""}, st(1): {"Solar panels on the depot roof"}, q(2): {""}, st(2): {""}}
	resp, body := tnPost(t, supplier, e.ts.URL+path, f)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		t.Fatalf("save an incomplete draft: %d, want 303 back to the form\n%s", resp.StatusCode, body)
	}
	if got := e.lineOf(t, offer, ms[0]); got != "2000|" {
		t.Errorf("the quantity without a statement is stored as %q", got)
	}
	if got := e.lineOf(t, offer, ms[1]); got != "null|Solar panels on the depot roof" {
		t.Errorf("the statement without a quantity is stored as %q", got)
	}
	if got := e.lineOf(t, offer, ms[2]); got != "none" {
		t.Errorf("the empty line is stored as %q", got)
	}
	if got := e.bidOf(t, offer); got != "null" {
		t.Errorf("the empty bid is stored as %s", got)
	}
	_, body = get(t, supplier, e.ts.URL+path)
	if !regexp.MustCompile(`name="` + q(0) + `"[^>]*value="2"`).MatchString(body) {
		t.Error("the saved draft does not show the quantity")
	}
	for _, want := range []string{"Your draft is saved", "Solar panels on the depot roof", "£56,000.00", "Enter a bid price"} {
		if !strings.Contains(body, want) {
			t.Errorf("the saved draft does not show %q", want)
		}
	}
	if strings.Contains(body, "There is a problem") {
		t.Error("the saved draft is shown with errors")
	}

	// Letters in a quantity and a £0 bid: those come back with messages
	// and as typed; everything else is saved.
	f = url.Values{"version": {tnVersion(t, body)}, "action": {"save"}, "bid_price": {"0"},
		q(0): {"two"}, st(0): {"Two apprentices from the college"}, q(1): {"10"}, st(1): {"Solar panels on the depot roof"},
		q(2): {"5"}, st(2): {"Living wage for all staff"}}
	resp, body = tnPost(t, supplier, e.ts.URL+path, f)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("save with letters in a quantity: %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"There is a problem", `value="two"`, `value="0"`, "Enter a bid price of more than £0",
		"JOB1: Enter a number", "Everything else you entered is saved", "Two apprentices from the college", "Living wage for all staff"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the re-rendered form does not show %q", want)
		}
	}
	if !hasFieldError(body, q(0)) || !hasFieldError(body, "bid_price") {
		t.Error("the quantity and the bid price have no message beside them")
	}
	if got := e.lineOf(t, offer, ms[0]); got != "2000|Two apprentices from the college" {
		t.Errorf("JOB1 is stored as %q: want its last good quantity and the new statement", got)
	}
	if got := e.lineOf(t, offer, ms[1]); got != "10000|Solar panels on the depot roof" {
		t.Errorf("ENV1 is stored as %q", got)
	}
	if got := e.lineOf(t, offer, ms[2]); got != "5000|Living wage for all staff" {
		t.Errorf("JOB6 is stored as %q", got)
	}
	if got := e.bidOf(t, offer); got != "null" {
		t.Errorf("a £0 bid is stored as %s", got)
	}

	// Review and submit with a statement missing and no bid: the draft is
	// saved, and the messages say what is still needed.
	f = url.Values{"version": {tnVersion(t, body)}, "action": {"review"}, "bid_price": {""},
		q(0): {"3"}, st(0): {""}, q(1): {"10"}, st(1): {"Solar panels on the depot roof"}, q(2): {"5"}, st(2): {"Living wage for all staff"}}
	resp, body = tnPost(t, supplier, e.ts.URL+path, f)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("review an incomplete offer: %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"Enter your bid price, an amount of more than £0", "Enter a delivery statement for JOB1", `value="3"`} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("review of an incomplete offer does not say %q", want)
		}
	}
	if got := e.lineOf(t, offer, ms[0]); got != "3000|" {
		t.Errorf("review did not save the draft: JOB1 is %q", got)
	}
	// A stale form (another tab saved since) saves nothing and keeps what
	// was typed.
	before := e.state(t)
	f.Set("version", "1")
	f.Set(st(0), "Typed in an old tab")
	resp, body = tnPost(t, supplier, e.ts.URL+path, f)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "This offer was saved since you started editing it") ||
		!strings.Contains(body, "Typed in an old tab") {
		t.Errorf("stale save: %d, want 409 keeping what was typed", resp.StatusCode)
	}
	if after := e.state(t); after != before {
		t.Error("a stale save wrote something")
	}
}

// TestSubmitNeedsACompleteOfferAndABidAboveZero: incompleteness is
// checked at the check-answers step and again at submit.
func TestSubmitNeedsACompleteOfferAndABidAboveZero(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-ZERO")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	path, version := e.startOffer(t, supplier, "northernbuild", tender)
	f := e.offerForm(t, tender, version)
	f.Set("action", "save")
	f.Set("bid_price", "")
	if resp, _ := tnPost(t, supplier, e.ts.URL+path, f); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save without a bid: %d", resp.StatusCode)
	}
	resp, body := get(t, supplier, e.ts.URL+path+"/submit")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "There is a problem") ||
		!strings.Contains(html.UnescapeString(body), "Enter your bid price, an amount of more than £0") || strings.Contains(body, "Submit offer") {
		t.Errorf("check answers without a bid: %d, want the form with the message", resp.StatusCode)
	}
	before := e.state(t)
	resp, body = tnPost(t, supplier, e.ts.URL+path+"/submit", url.Values{"version": {tnVersion(t, body)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), "more than £0") {
		t.Errorf("submit without a bid: %d, want 422 with the message", resp.StatusCode)
	}
	if after := e.state(t); after != before {
		t.Error("an incomplete submit wrote something")
	}
	// A zero bid is refused as it is typed, at review too.
	_, body = get(t, supplier, e.ts.URL+path)
	f.Set("version", tnVersion(t, body))
	f.Set("action", "review")
	f.Set("bid_price", "£0.00")
	if resp, body := tnPost(t, supplier, e.ts.URL+path, f); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(html.UnescapeString(body), "Enter a bid price of more than £0") {
		t.Errorf("review with a £0 bid: %d, want 422", resp.StatusCode)
	}
}

// TestCheckAnswersShowsEverythingSent: the check-answers page shows the
// bid, every line's quantity in its unit, value and statement, and the
// totals, each answer with a Change link to its field.
func TestCheckAnswersShowsEverythingSent(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-CYA")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	path, _ := e.draftOffer(t, supplier, "northernbuild", tender)
	ms := e.measuresOf(t, tender)
	_, body := get(t, supplier, e.ts.URL+path+"/submit")
	body = html.UnescapeString(body)
	for _, want := range []string{"Check your offer before you submit it", "STK-CYA", "£100,000.00", "2 FTE", "10 tCO2e", "5 people",
		"£56,000.00", "£2,500.00", "No £ value", "We will deliver this through our apprenticeship academy.", "£58,500.00", "58.5%",
		`href="` + path + `#bid_price"`, `href="` + path + `#quantity-` + itoa64(ms[0]) + `"`, `href="` + path + `#statement-` + itoa64(ms[2]) + `"`,
		"Change<span class=\"govuk-visually-hidden\"> quantity for ENV1", "Submit offer"} {
		if !strings.Contains(body, want) {
			t.Errorf("check answers does not show %q", want)
		}
	}
	// Each Change link lands on its field.
	_, form := get(t, supplier, e.ts.URL+path)
	for _, id := range []string{"bid_price", "quantity-" + itoa64(ms[0]), "statement-" + itoa64(ms[2])} {
		if !strings.Contains(form, `id="`+id+`"`) {
			t.Errorf("the form has no field %s for its Change link", id)
		}
	}
	resp, _ := tnPost(t, supplier, e.ts.URL+path+"/submit", url.Values{"version": {tnVersion(t, body)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	_, body = get(t, supplier, e.ts.URL+path+"/receipt")
	if !regexp.MustCompile(`\d{1,2}(:\d\d)?(am|pm) on \d{1,2} [A-Z][a-z]+ 20\d\d|midday on|midnight on`).MatchString(body) ||
		!strings.Contains(body, "STK-CYA") || !strings.Contains(body, "tally-receipt") {
		t.Error("the receipt does not say when, in words, and for which tender")
	}
}

var (
	offerRowRE  = regexp.MustCompile(`(?s)<tr class="govuk-table__row">(.*?)</tr>`)
	offerCellRE = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tagRE       = regexp.MustCompile(`<[^>]+>`)
)

// tableRows reads the body rows of a page's table as text cells.
func tableRows(body string) [][]string {
	tbody := body[strings.Index(body, "<tbody")+1:]
	var rows [][]string
	for _, row := range offerRowRE.FindAllStringSubmatch(tbody, -1) {
		var cells []string
		for _, c := range offerCellRE.FindAllStringSubmatch(row[1], -1) {
			cells = append(cells, strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(c[1], " "))), " "))
		}
		rows = append(rows, cells)
	}
	return rows
}

// TestSupplierOfferListTellsTheTruth: the Council column holds the
// tender's council, and each status follows the tender's and the award's
// real state, worked out here independently from the tables.
func TestSupplierOfferListTellsTheTruth(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	open := e.openTender(t, buyer, "STK-LIST-OPEN")
	cancelled := e.openTender(t, buyer, "STK-LIST-CAN")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	e.submitOffer(t, supplier, "northernbuild", open)
	e.submitOffer(t, supplier, "northernbuild", cancelled)
	if resp, _ := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/"+itoa64(cancelled)+"/cancel", url.Values{"reason": {"Budget withdrawn"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	supplierName := e.name(t, "northernbuild")

	truth := func(ref, council string) string {
		t.Helper()
		var s string
		err := e.admin.QueryRow(t.Context(), `
			SELECT CASE
				WHEN t.status = 'cancelled' THEN 'Cancelled'
				WHEN f.status = 'withdrawn' THEN 'Withdrawn'
				WHEN EXISTS (SELECT 1 FROM contracts c WHERE c.offer_id = f.id) THEN 'Won'
				WHEN t.status = 'awarded' AND EXISTS (SELECT 1 FROM offer_submissions s WHERE s.offer_id = f.id AND s.kind = 'submit') THEN 'Not won'
				WHEN t.status = 'awarded' OR (t.deadline <= now() AND f.submitted_at IS NULL) THEN 'Not submitted'
				WHEN t.deadline <= now() THEN 'Awaiting outcome'
				WHEN f.status = 'submitted' THEN 'Submitted'
				WHEN f.submitted_at IS NOT NULL THEN 'Submitted, with unsent changes'
				ELSE 'Draft' END
			FROM offers f JOIN tenders t ON t.id = f.tender_id JOIN organisations p ON p.id = t.partner_id
			JOIN organisations s ON s.id = f.supplier_id
			WHERE s.slug = 'northernbuild' AND t.reference = $1 AND p.name = $2`, ref, council).Scan(&s)
		if err != nil {
			t.Fatalf("the offer on %s of %s: %v", ref, council, err)
		}
		return s
	}
	seen := map[string]int{}
	for page := 1; page <= 3; page++ {
		_, body := get(t, supplier, e.ts.URL+"/o/northernbuild/offers?page="+itoa64(int64(page)))
		for _, row := range tableRows(body) {
			if len(row) != 6 {
				t.Fatalf("a row with %d cells: %q", len(row), row)
			}
			ref, council, status := row[0], row[2], row[4]
			if council == supplierName {
				t.Errorf("%s: the Council column shows the supplier's own name", ref)
			}
			if want := truth(ref, council); status != want {
				t.Errorf("%s (%s): status %q, want %q", ref, council, status, want)
			}
			seen[status]++
		}
	}
	for _, status := range []string{"Submitted", "Cancelled"} {
		if seen[status] == 0 {
			t.Errorf("no offer says %q: %v", status, seen)
		}
	}
	t.Logf("statuses checked: %v", seen)

	// The status filter lists only that status, counted.
	for status, label := range map[string]string{"won": "Won", "not_won": "Not won", "cancelled": "Cancelled", "submitted": "Submitted"} {
		_, body := get(t, supplier, e.ts.URL+"/o/northernbuild/offers?status="+status)
		rows := tableRows(body)
		for _, row := range rows {
			if len(row) == 6 && row[4] != label {
				t.Errorf("filter %s lists a row saying %q", status, row[4])
			}
		}
		if status == "cancelled" && (len(rows) == 0 || !strings.Contains(body, "STK-LIST-CAN")) {
			t.Error("the cancelled filter does not list the cancelled tender's offer")
		}
	}
	// Sorting by council puts the councils in order; words narrow the list.
	_, body := get(t, supplier, e.ts.URL+"/o/northernbuild/offers?sort=council")
	var councils []string
	for _, row := range tableRows(body) {
		councils = append(councils, row[2])
	}
	for i := 1; i < len(councils); i++ {
		if councils[i] < councils[i-1] {
			t.Fatalf("sorted by council, %q comes after %q", councils[i], councils[i-1])
		}
	}
	_, body = get(t, supplier, e.ts.URL+"/o/northernbuild/offers?q=stk-list-open")
	if rows := tableRows(body); len(rows) != 1 || !strings.Contains(body, `role="status">1 offer<`) {
		t.Errorf("searching for one tender lists %d rows", len(rows))
	}
	// Hostile list parameters are ignored, never an error.
	for _, bad := range tnHostile {
		resp, _ := get(t, supplier, e.ts.URL+"/o/northernbuild/offers?"+url.Values{"status": {bad}, "sort": {bad}, "q": {bad}, "page": {bad}}.Encode())
		if resp.StatusCode != http.StatusOK {
			t.Errorf("list with %.20q: %d", bad, resp.StatusCode)
		}
	}
}

func (e *tnEnv) name(t *testing.T, slug string) string {
	t.Helper()
	var s string
	if err := e.admin.QueryRow(t.Context(), `SELECT name FROM organisations WHERE slug = $1`, slug).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUploadRefusesAnotherTendersFile: the template names its tender, and
// a file for another tender is refused naming both; an older template
// without the name is read, with a note to check it.
func TestUploadRefusesAnotherTendersFile(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	first := e.openTender(t, buyer, "STK-UPA")
	second := e.openTender(t, buyer, "STK-UPB")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	pathA, _ := e.startOffer(t, supplier, "northernbuild", first)
	pathB, versionB := e.startOffer(t, supplier, "northernbuild", second)
	_, tpl := get(t, supplier, e.ts.URL+pathA+"/template.csv")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(tpl, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 6 || rows[1][0] != "TENDER:STK-UPA" {
		t.Fatalf("template: %v\n%s", err, tpl)
	}
	fill := func(skipTender bool) []byte {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		for i, row := range rows {
			row = append([]string(nil), row...)
			switch {
			case i == 1 && skipTender:
				continue
			case row[0] == "BID_PRICE":
				row[5] = "100000"
			case i > 1:
				row[5], row[6] = "1", "Delivered with our local partners."
			}
			w.Write(row)
		}
		w.Flush()
		return buf.Bytes()
	}
	before := e.state(t)
	resp, body := tnUpload(t, supplier, e.ts.URL+pathB+"/upload", "offer.csv", fill(false), versionB)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("another tender's file: %d, want 422", resp.StatusCode)
	}
	if !strings.Contains(body, "offer template for tender STK-UPA, but this offer is for tender STK-UPB") {
		t.Errorf("the refusal does not name both tenders:\n%s", body)
	}
	if after := e.state(t); after != before {
		t.Error("another tender's file wrote something")
	}
	// An older template, without the tender row, is saved with a note.
	resp, _ = tnUpload(t, supplier, e.ts.URL+pathB+"/upload", "offer.csv", fill(true), versionB)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("older template: %d, want 303", resp.StatusCode)
	}
	if _, body := get(t, supplier, e.ts.URL+pathB); !strings.Contains(body, "older template") || !strings.Contains(body, "meant for STK-UPB") {
		t.Error("saving an older template does not ask the supplier to check it")
	}
	// Its own file is saved.
	_, page := get(t, supplier, e.ts.URL+pathA)
	if resp, _ := tnUpload(t, supplier, e.ts.URL+pathA+"/upload", "offer.csv", fill(false), tnVersion(t, page)); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("its own file: %d, want 303", resp.StatusCode)
	}
}

// TestMeasureHelpAndGlossary: suppliers read what each measure means and
// the evidence it needs, and a glossary explains the terms.
func TestMeasureHelpAndGlossary(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-HELP")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	_, opp := get(t, supplier, e.ts.URL+"/o/northernbuild/opportunities/"+itoa64(tender))
	path, _ := e.startOffer(t, supplier, "northernbuild", tender)
	_, form := get(t, supplier, e.ts.URL+path)
	for name, body := range map[string]string{"opportunity": opp, "offer": form} {
		body = html.UnescapeString(body)
		for _, want := range []string{"Full-time equivalent years of work on the contract done by people who live in the local area",
			"Evidence expected", "Payroll, timesheet or attendance records", "£28,000 per FTE", "£250 per tCO2e", `href="/glossary"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the %s page does not show %q", name, want)
			}
		}
	}
	resp, body := get(t, e.ts.client(t), e.ts.URL+"/glossary")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("glossary signed out: %d", resp.StatusCode)
	}
	for _, want := range []string{"Proxy value", "FTE", "tCO2e", "Local", "SME", "VCSE", "Social value %", `id="proxy-value"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the glossary does not explain %q", want)
		}
	}
}
