package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// Opening a tender's offers leaves a trace in its audit log: the
// evaluation page once per person and day, however often it is reopened,
// and every export, as whoever did it. The log says it in plain words.
func TestOpeningOffersIsAudited(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	stockport := orgID(t, ts, "stockport")
	var id int64
	var ref string
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `SELECT id, reference FROM tenders
		WHERE partner_id = $1 AND status = 'awarded' ORDER BY id LIMIT 1`, stockport).Scan(&id, &ref); err != nil {
		t.Fatal(err)
	}
	opened := func(email, via string) int {
		return count(t, ts, `SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.user_id
			WHERE a.org_id = $1 AND a.action = 'offers.open' AND a.subject = $2 AND u.email = $3 AND a.detail->>'via' = $4`,
			stockport, "tender "+ref, email, via)
	}
	base := ts.URL + "/o/stockport/tenders/" + itoa64(id) + "/evaluation"

	sam := signIn(t, ts, "buyer@stockport.example")
	for range 3 {
		if resp, _ := get(t, sam, base); resp.StatusCode != http.StatusOK {
			t.Fatalf("evaluation page: %d", resp.StatusCode)
		}
	}
	if n := opened("buyer@stockport.example", "page"); n != 1 {
		t.Errorf("three views of the page made %d entries, want 1 a day", n)
	}
	for _, ext := range []string{"csv", "xlsx", "csv"} {
		if resp, _ := get(t, sam, base+"."+ext); resp.StatusCode != http.StatusOK {
			t.Fatalf("export %s: %d", ext, resp.StatusCode)
		}
	}
	if csv, xlsx := opened("buyer@stockport.example", "csv"), opened("buyer@stockport.example", "xlsx"); csv != 2 || xlsx != 1 {
		t.Errorf("exports recorded: %d CSV, %d Excel; want 2 and 1, one per download", csv, xlsx)
	}

	// Another person's view is theirs, on the same day.
	bilal := signIn(t, ts, "buyer@star.example")
	if resp, _ := get(t, bilal, base); resp.StatusCode != http.StatusOK {
		t.Fatalf("the shared service's buyer: %d", resp.StatusCode)
	}
	if n := opened("buyer@star.example", "page"); n != 1 {
		t.Errorf("the shared service's buyer's view made %d entries, want 1", n)
	}

	// A supplier cannot open them, and nothing is recorded for trying.
	before := count(t, ts, `SELECT count(*) FROM audit_log WHERE action = 'offers.open'`)
	supplier := signIn(t, ts, "bids@northernbuild.example")
	if resp, _ := get(t, supplier, base); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a supplier opened the evaluation: %d", resp.StatusCode)
	}
	if after := count(t, ts, `SELECT count(*) FROM audit_log WHERE action = 'offers.open'`); after != before {
		t.Errorf("a refused request was recorded")
	}

	admin := signIn(t, ts, "admin@star.example")
	_, body := get(t, admin, ts.URL+"/o/star/audit?partner=stockport&action=offers.open")
	for _, want := range []string{"Sam Stockport", "downloaded the evaluation record of tender " + ref, "as an Excel workbook", "(recorded once a day)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the audit trail does not say %q", want)
		}
	}
}
