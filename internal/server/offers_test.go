package server_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

func TestSupplierGetsNotFoundForAnotherSuppliersOffer(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-OWN")
	owner := measuresLogin(t, e.ts, "bids@northernbuild.example")
	path, version := e.draftOffer(t, owner, "northernbuild", tender)
	id := itoa64(tnOfferID(t, path))
	rival := measuresLogin(t, e.ts, "bids@nationalfm.example")
	before := e.state(t)
	for _, p := range []string{"/o/nationalfm/offers/" + id, "/o/nationalfm/offers/" + id + "/submit", "/o/nationalfm/offers/" + id + "/receipt",
		path, path + "/submit"} {
		if resp, body := get(t, rival, e.ts.URL+p); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "apprenticeship") {
			t.Errorf("rival GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	form := e.offerForm(t, tender, version)
	form.Set("bid_price", "1")
	for _, p := range []string{"/o/nationalfm/offers/" + id, "/o/nationalfm/offers/" + id + "/submit", "/o/nationalfm/offers/" + id + "/withdraw",
		path, path + "/submit", path + "/withdraw"} {
		if resp, _ := tnPost(t, rival, e.ts.URL+p, form); resp.StatusCode != http.StatusNotFound {
			t.Errorf("rival POST %s: %d, want 404", p, resp.StatusCode)
		}
	}
	if after := e.state(t); after != before {
		t.Errorf("the rival's requests changed something: %s → %s", before, after)
	}
	// A draft tender is nobody's opportunity yet.
	resp, _ := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", e.tenderForm("STK-DRAFT"))
	draft := itoa64(tnID(t, resp, ""))
	if resp, body := get(t, rival, e.ts.URL+"/o/nationalfm/opportunities/"+draft); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "STK-DRAFT") {
		t.Errorf("supplier GET a draft tender: %d, want 404", resp.StatusCode)
	}
	if resp, _ := tnPost(t, rival, e.ts.URL+"/o/nationalfm/opportunities/"+draft+"/offer", url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("supplier starts an offer on a draft: %d, want 404", resp.StatusCode)
	}
	_, body := get(t, rival, e.ts.URL+"/o/nationalfm/opportunities?q=STK-")
	if !strings.Contains(body, "STK-OWN") || strings.Contains(body, "Grounds maintenance STK-DRAFT") {
		t.Error("opportunities should list the open tender and not the draft")
	}
	if !strings.Contains(body, "JOB1, ENV1, JOB6") || !strings.Contains(body, "1 open opportunity") {
		t.Error("opportunities should count the open tender and show the measures it asks for, written when it was published")
	}
	// Each category's count of open opportunities, kept by the database,
	// against counting them.
	for _, category := range []string{"", "goods", "services", "works"} {
		n := e.int(t, `SELECT count(*) FROM tenders WHERE status = 'published' AND deadline > now() AND ($1 = '' OR category = $1)`, category)
		want := `aria-live="polite">` + tally.Count{N: int(n)}.Text("open opportunity", "open opportunities") + "<"
		if _, body := get(t, rival, e.ts.URL+"/o/nationalfm/opportunities?category="+category); !strings.Contains(body, want) {
			t.Errorf("opportunities in category %q: the list does not say %s", category, want)
		}
	}
	// The council filter: the tender's own council, another, and none known.
	for partner, want := range map[string]bool{"stockport": true, "trafford": false, "nowhere": false} {
		_, body := get(t, rival, e.ts.URL+"/o/nationalfm/opportunities?q=STK-&partner="+partner)
		if strings.Contains(body, "STK-OWN") != want || !strings.Contains(body, `<option value="trafford"`) {
			t.Errorf("opportunities for council %s: lists STK-OWN %t, want %t (with every council to choose)", partner, !want, want)
		}
	}
	// Its own list does not show the offer either.
	if _, body := get(t, rival, e.ts.URL+"/o/nationalfm/offers"); strings.Contains(body, "STK-OWN") || strings.Contains(body, "/offers/"+id+`"`) {
		t.Error("the rival's offer list shows another supplier's offer")
	}
}

func TestLateSubmitIsRefusedWithAMessage(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-LATE")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	path, version := e.draftOffer(t, supplier, "northernbuild", tender)
	e.age(t, tender, "now() - interval '1 second'")
	before := e.state(t)

	resp, body := tnPost(t, supplier, e.ts.URL+path+"/submit", url.Values{"version": {version}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("late submit: %d, want 422", resp.StatusCode)
	}
	if !strings.Contains(body, "There is a problem") || !strings.Contains(body, "deadline for offers on this tender has passed") {
		t.Errorf("late submit: no clear message\n%s", body)
	}
	resp, body = tnPost(t, supplier, e.ts.URL+path, e.offerForm(t, tender, version))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "deadline for offers on this tender has passed") {
		t.Errorf("late save: %d, want 422 with the message", resp.StatusCode)
	}
	if after := e.state(t); after != before {
		t.Errorf("a late submit changed something: %s → %s", before, after)
	}
	// The page no longer offers a form.
	if _, body := get(t, supplier, e.ts.URL+path); strings.Contains(body, `value="review"`) {
		t.Error("the offer page still offers to submit after the deadline")
	}
}

func TestHostileInputInOfferForms(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-HOST")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	path, _ := e.draftOffer(t, supplier, "northernbuild", tender)
	ms := e.measuresOf(t, tender)
	fields := []string{"bid_price", "quantity-" + itoa64(ms[0]), "statement-" + itoa64(ms[0]), "version", "action",
		"quantity-" + itoa64(ms[2])}
	for _, field := range fields {
		for _, bad := range append(tnHostile, "1.0001", "99999999999999999999", "1,00,0", "£5") {
			_, page := get(t, supplier, e.ts.URL+path)
			f := e.offerForm(t, tender, tnVersion(t, page))
			f.Set("action", "save")
			f.Set(field, bad)
			resp, body := tnPost(t, supplier, e.ts.URL+path, f)
			switch resp.StatusCode {
			case http.StatusUnprocessableEntity:
				if !strings.Contains(body, "There is a problem") {
					t.Errorf("%s=%.20q: 422 without messages", field, bad)
				}
			case http.StatusSeeOther:
			case http.StatusConflict:
				// A version that is not the offer's: a stale save, refused.
				if field != "version" || !strings.Contains(body, "There is a problem") {
					t.Errorf("%s=%.20q: 409", field, bad)
				}
			default:
				t.Errorf("%s=%.20q: status %d", field, bad, resp.StatusCode)
			}
			if strings.Contains(body, "<script>alert(1)</script>") {
				t.Errorf("%s=%q: echoed as markup", field, bad)
			}
		}
	}
	// A quantity with 4 places names the rule.
	_, page := get(t, supplier, e.ts.URL+path)
	f := e.offerForm(t, tender, tnVersion(t, page))
	f.Set("quantity-"+itoa64(ms[0]), "1.0001")
	if _, body := tnPost(t, supplier, e.ts.URL+path, f); !strings.Contains(body, "no more than 3 decimal places") {
		t.Error("a quantity with 4 decimal places is not explained")
	}
	// A quantity above zero needs a statement before review (the draft
	// was saved, apart from the bad quantity, so the version moved on).
	_, page = get(t, supplier, e.ts.URL+path)
	f.Set("version", tnVersion(t, page))
	f.Set("quantity-"+itoa64(ms[0]), "1")
	f.Set("statement-"+itoa64(ms[0]), "")
	if resp, body := tnPost(t, supplier, e.ts.URL+path, f); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter a delivery statement for JOB1") {
		t.Error("a quantity without a statement is not refused at review")
	}
	if n := e.int(t, `SELECT count(*) FROM offer_lines WHERE statement LIKE '%'||chr(65533)||'%' OR length(statement) > 2000`); n != 0 {
		t.Errorf("%d lines stored with unreadable or overlong statements", n)
	}
	// The upload and start forms take hostile posts without failing.
	for _, bad := range tnHostile {
		resp, _ := tnPost(t, supplier, e.ts.URL+"/o/northernbuild/opportunities/"+itoa64(tender)+"/offer", url.Values{"tender": {bad}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("start with tender=%.20q: %d", bad, resp.StatusCode)
		}
	}
}

func TestMassAssignmentIsIgnored(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	trafford := e.int(t, `SELECT id FROM organisations WHERE slug = 'trafford'`)
	rival := e.int(t, `SELECT id FROM organisations WHERE slug = 'nationalfm'`)
	extra := url.Values{
		"partner_id": {itoa64(trafford)}, "partner": {"trafford"}, "supplier_id": {itoa64(rival)}, "status": {"published"},
		"social_value": {"999999999"}, "submitted_offers": {"7"}, "id": {"1"}, "created_by": {"1"}, "published_at": {"2020-01-01"},
		"sealed_until": {"2000-01-01"}, "counted": {"true"}, "revision": {"9"}, "tender_id": {"1"},
	}
	f := e.tenderForm("STK-MASS")
	for k, v := range extra {
		f[k] = v
	}
	resp, body := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d\n%s", resp.StatusCode, body)
	}
	tender := tnID(t, resp, "")
	stockport := e.int(t, `SELECT id FROM organisations WHERE slug = 'stockport'`)
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE id = $1 AND partner_id = $2 AND status = 'draft' AND submitted_offers = 0
		AND published_at IS NULL`, tender, stockport); n != 1 {
		t.Error("the posted partner, status or count was used")
	}
	resp, _ = tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/"+itoa64(tender)+"/publish", extra)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", resp.StatusCode)
	}

	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	resp, _ = tnPost(t, supplier, e.ts.URL+"/o/northernbuild/opportunities/"+itoa64(tender)+"/offer", extra)
	path := resp.Header.Get("Location")
	_, page := get(t, supplier, e.ts.URL+path)
	of := e.offerForm(t, tender, tnVersion(t, page))
	for k, v := range extra {
		of[k] = v
	}
	of.Set("action", "save")
	if resp, body := tnPost(t, supplier, e.ts.URL+path, of); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", resp.StatusCode, body)
	}
	northernbuild := e.int(t, `SELECT id FROM organisations WHERE slug = 'northernbuild'`)
	offer := tnOfferID(t, path)
	if n := e.int(t, `SELECT count(*) FROM offers WHERE id = $1 AND supplier_id = $2 AND partner_id = $3 AND tender_id = $4
		AND status = 'draft' AND social_value = 5850000 AND sealed_until = 'infinity' AND NOT counted AND revision = 0`,
		offer, northernbuild, stockport, tender); n != 1 {
		t.Error("the posted supplier, status, value or seal was used")
	}
	if n := e.int(t, `SELECT count(*) FROM offer_lines WHERE offer_id = $1 AND supplier_id = $2 AND sealed_until = 'infinity'`,
		offer, northernbuild); n != 3 {
		t.Errorf("%d lines as the supplier's own, want 3", n)
	}
	if n := e.int(t, `SELECT submitted_offers FROM tenders WHERE id = $1`, tender); n != 0 {
		t.Errorf("the tender counts %d offers, want 0", n)
	}
}

// tnUpload posts a file to an offer's upload form.
func tnUpload(t *testing.T, c *http.Client, target, name string, content []byte, version string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("version", version)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
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
	if resp.StatusCode >= 500 {
		t.Errorf("upload: status %d", resp.StatusCode)
	}
	return resp, string(body)
}

func TestOfflineOfferUploadNamesRowAndColumn(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-FILE")
	supplier := measuresLogin(t, e.ts, "bids@northernbuild.example")
	resp, _ := tnPost(t, supplier, e.ts.URL+"/o/northernbuild/opportunities/"+itoa64(tender)+"/offer", url.Values{})
	path := resp.Header.Get("Location")

	resp, tpl := get(t, supplier, e.ts.URL+path+"/template.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV template: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := get(t, supplier, e.ts.URL+path+"/template.xlsx"); resp.StatusCode != http.StatusOK ||
		!strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("XLSX template: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(tpl, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 6 || rows[1][0] != "TENDER:STK-FILE" {
		t.Fatalf("template: %d rows, %v\n%s", len(rows), err, tpl)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	fill := func(values map[string][2]string) []byte {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		for i, row := range rows {
			row = append([]string(nil), row...)
			if v, ok := values[row[col["code"]]]; ok && i > 0 {
				row[col["quantity"]], row[col["statement"]] = v[0], v[1]
			}
			w.Write(row)
		}
		w.Flush()
		return buf.Bytes()
	}
	_, page := get(t, supplier, e.ts.URL+path)
	version := tnVersion(t, page)
	before := e.state(t)
	bad := fill(map[string][2]string{"JOB1": {"2", "Apprentices"}, "ENV1": {"1.0001", "Solar"}, "JOB6": {"-5", "Hires"},
		"BID_PRICE": {"100000", ""}})
	resp, body := tnUpload(t, supplier, e.ts.URL+path+"/upload", "offer.csv", bad, version)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad upload: %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"Row 4, column quantity", "Row 5, column quantity", "nothing was saved"} {
		if !strings.Contains(body, want) {
			t.Errorf("bad upload: the page lacks %q", want)
		}
	}
	if after := e.state(t); after != before {
		t.Errorf("a bad upload wrote something: %s → %s", before, after)
	}
	// Another supplier cannot upload onto this offer.
	rival := measuresLogin(t, e.ts, "bids@nationalfm.example")
	good := fill(map[string][2]string{"JOB1": {"2", "Apprentices"}, "ENV1": {"10", "Solar"}, "JOB6": {"5", "Hires"},
		"BID_PRICE": {"100,000", ""}})
	for _, p := range []string{path, strings.Replace(path, "northernbuild", "nationalfm", 1)} {
		if resp, _ := tnUpload(t, rival, e.ts.URL+p+"/upload", "offer.csv", good, version); resp.StatusCode != http.StatusNotFound {
			t.Errorf("rival upload to %s: %d, want 404", p, resp.StatusCode)
		}
		if resp, _ := get(t, rival, e.ts.URL+p+"/template.csv"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("rival template from %s: %d, want 404", p, resp.StatusCode)
		}
	}
	if after := e.state(t); after != before {
		t.Errorf("a rival's upload wrote something: %s → %s", before, after)
	}
	// A good file saves the draft, valued on the server.
	resp, body = tnUpload(t, supplier, e.ts.URL+path+"/upload", "offer.csv", good, version)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good upload: %d\n%s", resp.StatusCode, body)
	}
	if n := e.int(t, `SELECT count(*) FROM offers WHERE id = $1 AND bid_price = 10000000 AND social_value = 5850000 AND status = 'draft'`,
		tnOfferID(t, path)); n != 1 {
		t.Error("the uploaded offer was not saved as a draft worth £58,500.00")
	}
}
