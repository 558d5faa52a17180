package server_test

import (
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/tally"
)

// directForm is a valid direct contract for Stockport, awarded a month ago
// and started today.
func directForm(ref string) url.Values {
	today := time.Now().In(tally.London())
	f := url.Values{"supplier": {"northernbuild"}, "reference": {ref}, "title": {"Legacy cleaning " + ref}, "value": {"250,000"}}
	set := func(name string, d time.Time) {
		f.Set(name+"-day", strconv.Itoa(d.Day()))
		f.Set(name+"-month", strconv.Itoa(int(d.Month())))
		f.Set(name+"-year", strconv.Itoa(d.Year()))
	}
	set("start", today)
	set("end", today.AddDate(2, 0, -1))
	set("awarded_on", today.AddDate(0, -1, 0))
	return f
}

func TestDirectContractDatesAndThreshold(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	target := e.ts.URL + "/o/stockport/contracts/new"
	next := time.Now().In(tally.London()).AddDate(0, 0, 7)
	before := e.state(t)
	tests := []struct {
		name   string
		change func(url.Values)
		field  string
		want   string
	}{
		{"awarded next week", func(f url.Values) {
			f.Set("awarded_on-day", strconv.Itoa(next.Day()))
			f.Set("awarded_on-month", strconv.Itoa(int(next.Month())))
			f.Set("awarded_on-year", strconv.Itoa(next.Year()))
			f.Set("start-day", strconv.Itoa(next.AddDate(0, 1, 0).Day()))
			f.Set("start-month", strconv.Itoa(int(next.AddDate(0, 1, 0).Month())))
			f.Set("start-year", strconv.Itoa(next.AddDate(0, 1, 0).Year()))
		}, "awarded_on", "Date awarded must be today or in the past"},
		{"awarded after it started", func(f url.Values) { f.Set("start-year", strconv.Itoa(time.Now().Year()-1)) },
			"awarded_on", "Date awarded must be the same as or before the start date"},
		{"31 February", func(f url.Values) { f.Set("end-day", "31"); f.Set("end-month", "2") }, "end", "End date must be a real date"},
		{"no month", func(f url.Values) { f.Set("start-month", "") }, "start", "Start date must include a month"},
		{"ends before it starts", func(f url.Values) { f.Set("end-year", strconv.Itoa(time.Now().Year()-1)) },
			"end", "End date must be the same as or after the start date"},
		{"letters in the value", func(f url.Values) { f.Set("value", "lots") }, "value", "Contract value must be"},
		{"below the threshold, not confirmed", func(f url.Values) { f.Set("value", "20,000") },
			"below_threshold", "below Stockport Council’s threshold of £50,000.00"},
	}
	for _, tt := range tests {
		f := directForm("STK-DIRECT")
		tt.change(f)
		resp, body := tnPost(t, buyer, target, f)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tt.name, resp.StatusCode)
			continue
		}
		if !hasFieldError(body, tt.field) || !strings.Contains(html.UnescapeString(body), strings.ReplaceAll(tt.want, "’", "'")) {
			t.Errorf("%s: no message %q on %s", tt.name, tt.want, tt.field)
		}
		if n := strings.Count(body, `class="govuk-error-message"`); n != 1 {
			t.Errorf("%s: %d error messages, want 1", tt.name, n)
		}
		if !strings.Contains(body, `value="STK-DIRECT"`) || !strings.Contains(body, `value="northernbuild" selected`) {
			t.Errorf("%s: the reference or supplier was lost", tt.name)
		}
	}
	if after := e.state(t); after != before {
		t.Errorf("refused contracts were written: %s → %s", before, after)
	}

	// Below the threshold, the buyer confirms, and then it is registered.
	f := directForm("STK-SMALL")
	f.Set("value", "20,000")
	_, body := tnPost(t, buyer, target, f)
	if !strings.Contains(body, `name="below_threshold"`) || !strings.Contains(body, "govuk-warning-text") {
		t.Fatal("no warning to confirm")
	}
	f.Set("below_threshold", "yes")
	resp, body := tnPost(t, buyer, target, f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed below the threshold: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := tnPost(t, buyer, target, directForm("STK-BIG")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a valid direct contract: %d", resp.StatusCode)
	}
}

// rebaselineKPI is a Stockport KPI with a period ended and one to come.
func (e *tnEnv) rebaselineKPI(t *testing.T) (contract, kpi int64) {
	t.Helper()
	contract = e.int(t, `
		SELECT k.contract_id FROM kpis k JOIN organisations o ON o.id = k.partner_id AND o.slug = 'stockport'
		WHERE EXISTS (SELECT 1 FROM kpi_targets t WHERE t.kpi_id = k.id AND t.period_end <= current_date)
		  AND EXISTS (SELECT 1 FROM kpi_targets t WHERE t.kpi_id = k.id AND t.period_start > current_date + 1)
		ORDER BY k.id LIMIT 1`)
	kpi = e.int(t, `SELECT id FROM kpis WHERE contract_id = $1 ORDER BY position LIMIT 1`, contract)
	return contract, kpi
}

func TestKPIRebaselineChangesOnlyPeriodsToCome(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	contract, kpi := e.rebaselineKPI(t)
	page := e.ts.URL + "/o/stockport/contracts/" + itoa64(contract)
	form := page + "/kpis/" + itoa64(kpi)
	first := e.int(t, `SELECT min(period) FROM kpi_targets WHERE kpi_id = $1`, kpi)
	firstTarget := e.int(t, `SELECT target FROM kpi_targets WHERE kpi_id = $1 AND period = $2`, kpi, first)
	future := e.int(t, `SELECT min(period) FROM kpi_targets WHERE kpi_id = $1 AND period_start > current_date + 1`, kpi)

	_, body := get(t, buyer, form)
	if strings.Contains(body, `name="target-`+itoa64(first)+`"`) || !strings.Contains(body, "(fixed)") {
		t.Error("an ended period's target can be typed")
	}
	if !strings.Contains(body, `name="target-`+itoa64(future)+`"`) {
		t.Fatal("a period to come cannot be changed")
	}

	// Letters give one message, and what was typed stays.
	resp, body := tnPost(t, buyer, form, url.Values{"target-" + itoa64(future): {"lots"}, "reason": {"Site closed"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be a number") || !strings.Contains(body, `value="lots"`) ||
		!strings.Contains(body, "Site closed") {
		t.Errorf("letters in a target: %d, want 422 keeping what was typed", resp.StatusCode)
	}

	// A posted target for an ended period is not used; the future one is.
	f := url.Values{"reason": {"Phase 2 moved to next year, agreed with the supplier"}, "target-" + itoa64(first): {"999"}}
	_, body = get(t, buyer, form)
	for _, m := range regexpAll(body, `name="(target-[0-9]+)"[^>]*value="([^"]*)"`) {
		f.Set(m[1], m[2])
	}
	f.Set("version", formVersion(t, body))
	f.Set("target-"+itoa64(future), "7.5")
	resp, body = tnPost(t, buyer, form, f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("re-baseline: %d\n%s", resp.StatusCode, body)
	}
	if got := e.int(t, `SELECT target FROM kpi_targets WHERE kpi_id = $1 AND period = $2`, kpi, first); got != firstTarget {
		t.Errorf("the ended period's target moved: %d → %d", firstTarget, got)
	}
	if got := e.int(t, `SELECT target FROM kpi_targets WHERE kpi_id = $1 AND period = $2`, kpi, future); got != 7500 {
		t.Errorf("the period to come has target %d, want 7500", got)
	}
	if n := e.int(t, `SELECT count(*) FROM kpi_changes WHERE kpi_id = $1 AND first_period = $2 AND reason LIKE 'Phase 2 moved%'
		AND changed_by_name <> ''`, kpi, future); n != 1 {
		t.Error("the change is not in the contract's history")
	}
	supplier := e.int(t, `SELECT supplier_id FROM contracts WHERE id = $1`, contract)
	if n := e.int(t, `SELECT count(*) FROM notifications WHERE org_id = $1 AND subject LIKE 'Targets changed:%' AND body LIKE '%Phase 2 moved%'`,
		supplier); n != 1 {
		t.Error("the supplier was not told")
	}
	_, body = get(t, buyer, page)
	if !strings.Contains(body, "Changes to targets") || !strings.Contains(body, "Phase 2 moved to next year") {
		t.Error("the contract page does not show the change and its reason")
	}

	// Nothing changed is not a change.
	f = url.Values{"reason": {"Again"}}
	_, body = get(t, buyer, form)
	for _, m := range regexpAll(body, `name="(target-[0-9]+)"[^>]*value="([^"]*)"`) {
		f.Set(m[1], m[2])
	}
	f.Set("version", formVersion(t, body))
	resp, body = tnPost(t, buyer, form, f)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Change at least one target") {
		t.Errorf("an empty change: %d, want 422", resp.StatusCode)
	}
}

func regexpAll(body, re string) [][]string {
	return regexp.MustCompile(re).FindAllStringSubmatch(body, -1)
}

func TestCancellingATenderTellsEveryBidder(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-TELL")
	e.submitOffer(t, measuresLogin(t, e.ts, "bids@northernbuild.example"), "northernbuild", tender)
	e.draftOffer(t, measuresLogin(t, e.ts, "bids@communitycare.example"), "communitycare", tender)
	base := e.ts.URL + "/o/stockport/tenders/" + itoa64(tender)
	resp, _ := tnPost(t, buyer, base+"/cancel", url.Values{"reason": {"The budget was withdrawn"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	for _, org := range []string{"northernbuild", "communitycare"} {
		if n := e.int(t, `SELECT count(*) FROM notifications n JOIN organisations o ON o.id = n.org_id
			WHERE o.slug = $1 AND n.subject LIKE 'Tender cancelled: STK-TELL%' AND n.body LIKE '%The budget was withdrawn%'`, org); n != 1 {
			t.Errorf("%s has %d messages about the cancellation, want 1", org, n)
		}
		mails := emailsTo(e.ts, "bids@"+org+".example")
		if len(mails) == 0 || !strings.Contains(mails[len(mails)-1].Subject, "Tender cancelled: STK-TELL") ||
			strings.Contains(mails[len(mails)-1].Body, "£") {
			t.Errorf("%s: no email about the cancellation (or one with figures): %+v", org, mails)
		}
	}
	if n := e.int(t, `SELECT count(*) FROM notifications n JOIN organisations o ON o.id = n.org_id
		WHERE o.slug = 'nationalfm' AND n.subject LIKE 'Tender cancelled: STK-TELL%'`); n != 0 {
		t.Error("a supplier with no offer was told")
	}
	_, body := get(t, buyer, base)
	if !strings.Contains(body, "Cancelled") || !strings.Contains(body, "The budget was withdrawn") || strings.Contains(body, "Extend the deadline") ||
		strings.Contains(body, "Cancel this tender") {
		t.Error("the tender page does not say it was cancelled, and why, or still offers actions")
	}
}

func TestContractsListFiltersSortsAndExports(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	cm := measuresLogin(t, e.ts, "contracts@trafford.example")
	base := e.ts.URL + "/o/trafford/contracts"
	trafford := `partner_id = (SELECT id FROM organisations WHERE slug = 'trafford')`

	// A status follows the contract's dates; the count is the truth.
	for status, cond := range map[string]string{"live": "start_date <= current_date AND end_date >= current_date",
		"ended": "end_date < current_date", "not_started": "start_date > current_date"} {
		n := e.int(t, `SELECT count(*) FROM contracts WHERE `+trafford+` AND `+cond)
		_, body := get(t, cm, base+"?status="+status)
		if !strings.Contains(body, ">"+strconv.FormatInt(n, 10)+" contract") {
			t.Errorf("status=%s: the list does not count %d", status, n)
		}
		label := map[string]string{"live": "Live", "ended": "Ended", "not_started": "Not started"}[status]
		for other, l := range map[string]string{"live": "Live", "ended": "Ended", "not_started": "Not started"} {
			if other != status && strings.Contains(body, `<td class="govuk-table__cell">`+l+`</td>`) {
				t.Errorf("status=%s lists a contract that is %s", status, l)
			}
		}
		if n > 0 && !strings.Contains(body, `<td class="govuk-table__cell">`+label+`</td>`) {
			t.Errorf("status=%s: no row says %s", status, label)
		}
	}
	// A rating filter shows only that rating.
	_, body := get(t, cm, base+"?rating=inadequate&status=live")
	if _, rows, _ := strings.Cut(body, "<tbody"); strings.Contains(rows, ">Good<") || strings.Contains(rows, ">Approaching target<") ||
		!strings.Contains(rows, ">Inadequate<") {
		t.Error("rating=inadequate lists other ratings")
	}
	// Sorted by value, highest first.
	_, body = get(t, cm, base+"?sort=value")
	values := regexpAll(body, `govuk-table__cell--numeric">£([0-9,]+\.[0-9]{2})</td><td class="govuk-table__cell govuk-table__cell--numeric">£`)
	for i := 1; i < len(values); i++ {
		a, _ := strconv.ParseFloat(strings.ReplaceAll(values[i-1][1], ",", ""), 64)
		b, _ := strconv.ParseFloat(strings.ReplaceAll(values[i][1], ",", ""), 64)
		if b > a {
			t.Fatalf("sort=value: %s before %s", values[i-1][1], values[i][1])
		}
	}

	// The export has every matching contract, with status and rating, and
	// a title a spreadsheet would run is defused.
	e.exec(t, `UPDATE contracts SET title = '=HYPERLINK("http://evil.example")' WHERE id = (SELECT min(id) FROM contracts WHERE `+trafford+`)`)
	resp, body := get(t, cm, base+".csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n := e.int(t, `SELECT count(*) FROM contracts WHERE `+trafford); int64(len(records)-1) != n {
		t.Errorf("the CSV has %d contracts, want %d", len(records)-1, n)
	}
	head := strings.Join(records[0], ",")
	if !strings.Contains(head, "status") || !strings.Contains(head, "rating") || !strings.Contains(head, "value_gbp") {
		t.Errorf("CSV head %q", head)
	}
	if strings.Contains(body, "\n=HYPERLINK") || strings.Contains(body, ",=HYPERLINK") || !strings.Contains(body, `'=HYPERLINK`) {
		t.Error("a formula in a title reaches the CSV")
	}
	resp, _ = get(t, cm, base+".xlsx?status=live")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("XLSX: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Another partner's contracts are in neither.
	if strings.Contains(body, "Stockport Council") {
		t.Error("Trafford's export lists another partner's contract")
	}
}
