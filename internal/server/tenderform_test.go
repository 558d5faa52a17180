package server_test

import (
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

// boxForm is the tender form with its dates in day, month and year boxes.
func (e *tnEnv) boxForm(ref string) url.Values {
	f := e.tenderForm(ref)
	deadline := time.Now().In(tally.London()).AddDate(0, 0, 14)
	start := deadline.AddDate(0, 1, 0)
	end := start.AddDate(2, 0, -1)
	for _, k := range []string{"contract_start", "contract_end", "deadline_date", "deadline_time"} {
		f.Del(k)
	}
	set := func(name string, d time.Time) {
		f.Set(name+"-day", strconv.Itoa(d.Day()))
		f.Set(name+"-month", strconv.Itoa(int(d.Month())))
		f.Set(name+"-year", strconv.Itoa(d.Year()))
	}
	set("contract_start", start)
	set("contract_end", end)
	set("deadline", deadline)
	f.Set("deadline-time", "5pm")
	f.Set("target-m"+itoa64(e.job1), "2.5")
	return f
}

// regexpFind is the first group of re in body.
func regexpFind(t *testing.T, body, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in the page", re)
	}
	return m[1]
}

// hasValue reports whether the page has an input named name holding value.
func hasValue(body, name, value string) bool {
	return strings.Contains(body, `name="`+name+`"`) && strings.Contains(body, `name="`+name+`" type="text" inputmode="numeric" value="`+html.EscapeString(value)+`"`) ||
		strings.Contains(body, `name="`+name+`" type="text" autocomplete="off" spellcheck="false" value="`+html.EscapeString(value)+`"`)
}

func TestTenderFormDatesInBoxes(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	target := e.ts.URL + "/o/stockport/tenders/new"

	// The new form offers three boxes per date, filled with defaults.
	_, body := get(t, buyer, target)
	for _, name := range []string{"contract_start-day", "contract_start-month", "contract_start-year", "contract_end-day", "deadline-day",
		"deadline-time"} {
		if !strings.Contains(body, `name="`+name+`"`) {
			t.Errorf("the form has no %s box", name)
		}
	}
	if strings.Contains(body, `type="date"`) {
		t.Error("the form still uses a browser date picker")
	}

	before := e.state(t)
	tests := []struct {
		name   string
		change func(url.Values)
		field  string
		want   string
		kept   map[string]string
	}{
		{"31 February", func(f url.Values) { f.Set("contract_start-day", "31"); f.Set("contract_start-month", "2") },
			"contract_start", "Contract start date must be a real date", map[string]string{"contract_start-day": "31", "contract_start-month": "2"}},
		{"no month", func(f url.Values) { f.Set("contract_end-month", "") },
			"contract_end", "Contract end date must include a month", map[string]string{"contract_end-month": ""}},
		{"no day or year", func(f url.Values) { f.Set("contract_start-day", ""); f.Set("contract_start-year", "") },
			"contract_start", "Contract start date must include a day and year", nil},
		{"a two-digit year", func(f url.Values) { f.Set("contract_start-year", "27") },
			"contract_start", "Contract start date must include a year with 4 numbers", map[string]string{"contract_start-year": "27"}},
		{"letters in the month", func(f url.Values) { f.Set("deadline-month", "Smarch") },
			"deadline", "Deadline for offers must be a real date", map[string]string{"deadline-month": "Smarch"}},
		{"no time", func(f url.Values) { f.Set("deadline-time", "") }, "deadline", "Deadline for offers must include a time", nil},
		{"a time that is not one", func(f url.Values) { f.Set("deadline-time", "25:00") },
			"deadline", "Deadline for offers must include a real time", map[string]string{"deadline-time": "25:00"}},
		{"the deadline after the contract starts", func(f url.Values) {
			f.Set("deadline-year", strconv.Itoa(time.Now().Year()+3))
		}, "deadline", "Deadline for offers must be before the contract start date", nil},
		{"the contract ends before it starts", func(f url.Values) {
			f.Set("contract_end-day", "1")
			f.Set("contract_end-year", strconv.Itoa(time.Now().Year()))
			f.Set("contract_end-month", strconv.Itoa(int(time.Now().Month())))
		}, "contract_end", "Contract end date must be the same as or after the start date", nil},
		{"empty dates", func(f url.Values) {
			f.Set("contract_start-day", "")
			f.Set("contract_start-month", "")
			f.Set("contract_start-year", "")
		}, "contract_start", "Enter the contract start date", nil},
	}
	for _, tt := range tests {
		f := e.boxForm("STK-DATE")
		tt.change(f)
		resp, body := tnPost(t, buyer, target, f)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tt.name, resp.StatusCode)
			continue
		}
		if !strings.Contains(body, html.EscapeString(tt.want)) || !hasFieldError(body, tt.field) {
			t.Errorf("%s: no message %q on %s", tt.name, tt.want, tt.field)
		}
		if n := strings.Count(body, `class="govuk-error-message"`); n != 1 {
			t.Errorf("%s: %d error messages, want 1", tt.name, n)
		}
		for name, v := range tt.kept {
			if v == "" {
				if strings.Contains(body, `name="`+name+`" type="text" inputmode="numeric" value=`) {
					t.Errorf("%s: %s came back filled", tt.name, name)
				}
			} else if !hasValue(body, name, v) {
				t.Errorf("%s: %s does not hold %q", tt.name, name, v)
			}
		}
		// Everything else typed comes back: the measures ticked, a
		// target, the words.
		for _, key := range []string{"m" + itoa64(e.job1), "m" + itoa64(e.env1), "m" + itoa64(e.job6)} {
			if !strings.Contains(body, `value="`+key+`" checked`) {
				t.Errorf("%s: measure %s is no longer ticked", tt.name, key)
			}
		}
		if !strings.Contains(body, `value="2.5"`) || !strings.Contains(body, "Parks, verges and cemeteries.") {
			t.Errorf("%s: the target or description was lost", tt.name)
		}
	}
	if after := e.state(t); after != before {
		t.Errorf("refused forms wrote something: %s → %s", before, after)
	}

	// A month may be typed as a word, and a time as 17:00 or 5pm.
	f := e.boxForm("STK-WORDS")
	f.Set("contract_start-month", time.Now().AddDate(0, 1, 14).Month().String()[:3])
	f.Set("deadline-time", "17:00")
	resp, body := tnPost(t, buyer, target, f)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a month as a word: %d\n%s", resp.StatusCode, body)
	}
	id := tnID(t, resp, "")
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE id = $1 AND extract(hour FROM deadline AT TIME ZONE 'Europe/London') = 17`, id); n != 1 {
		t.Error("the deadline was not saved at 5pm UK time")
	}
	// The edit form shows the saved dates in their boxes.
	_, body = get(t, buyer, e.ts.URL+"/o/stockport/tenders/"+itoa64(id)+"/edit")
	if !hasValue(body, "deadline-time", "17:00") || !hasValue(body, "contract_start-year", strconv.Itoa(time.Now().AddDate(0, 1, 14).Year())) {
		t.Error("the edit form does not show the saved deadline and start")
	}
}

// TestWeightingLettersGiveOneError: letters in a number name the field,
// once, and do not set off a rule that needs the number.
func TestWeightingLettersGiveOneError(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	target := e.ts.URL + "/o/stockport/tenders/new"
	for field, want := range map[string]string{
		"weighting":          "Social value weighting must be a number",
		"estimated_value":    "Estimated contract value must be a number",
		"quantitative_share": "Quantitative share must be a whole number",
	} {
		f := e.boxForm("STK-LETTERS")
		f.Set(field, "twenty")
		resp, body := tnPost(t, buyer, target, f)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", field, resp.StatusCode)
			continue
		}
		if !hasFieldError(body, field) || !strings.Contains(body, want) {
			t.Errorf("%s: no message naming the field (%q)", field, want)
		}
		if n := strings.Count(body, `class="govuk-error-message"`); n != 1 {
			t.Errorf("%s: %d error messages, want only the field's own", field, n)
		}
		if !strings.Contains(body, `value="twenty"`) {
			t.Errorf("%s: what was typed is lost", field)
		}
	}
}

func TestPublishChecksAnswersFirst(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	resp, body := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", e.boxForm("STK-CHECK"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d\n%s", resp.StatusCode, body)
	}
	id := tnID(t, resp, "")
	base := e.ts.URL + "/o/stockport/tenders/" + itoa64(id)

	// The tender page links to the check; nothing is published by a GET.
	_, body = get(t, buyer, base)
	if !strings.Contains(body, `href="/o/stockport/tenders/`+itoa64(id)+`/publish"`) {
		t.Error("the tender page does not lead to the check")
	}
	resp, body = get(t, buyer, base+"/publish")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("check page: %d", resp.StatusCode)
	}
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE id = $1 AND status = 'draft'`, id); n != 1 {
		t.Fatal("showing the check published the tender")
	}
	deadline := time.Now().In(tally.London()).AddDate(0, 0, 14)
	for _, want := range []string{"Check your answers before publishing", "STK-CHECK", "Grounds maintenance STK-CHECK", "Services",
		"£120,000.00", "5pm on " + deadline.Format("2 January 2006"), "20%", "Relative value", "50%", "£28,000 per FTE",
		"Target: 2.5 FTE", "Record only", "JOB6", "Parks, verges and cemeteries.", "None given"} {
		if !strings.Contains(body, html.EscapeString(want)) {
			t.Errorf("the check page does not show %q", want)
		}
	}
	if n := strings.Count(body, `/edit?from=check#`); n < 12 {
		t.Errorf("%d Change links, want one per answer", n)
	}
	checked := regexpFind(t, body, `name="checked" value="([0-9a-f]+)"`)

	// A Change link leads to the form, and saving goes back to the check.
	_, body = get(t, buyer, base+"/edit?from=check")
	if !strings.Contains(body, `name="from" value="check"`) {
		t.Fatal("the form does not remember it came from the check")
	}
	f := e.boxForm("STK-CHECK")
	f.Set("from", "check")
	f.Set("version", formVersion(t, body))
	f.Set("title", "Grounds and parks STK-CHECK")
	resp, _ = tnPost(t, buyer, base+"/edit", f)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/publish") {
		t.Fatalf("save from the check: %d to %q, want back to the check", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Publishing what was checked before the change asks for another look.
	resp, body = tnPost(t, buyer, base+"/publish", url.Values{"checked": {checked}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Something changed since you checked") ||
		!strings.Contains(body, "Grounds and parks STK-CHECK") {
		t.Fatalf("publish a stale check: %d, want 422 with the answers again", resp.StatusCode)
	}
	checked = regexpFind(t, body, `name="checked" value="([0-9a-f]+)"`)
	// So does a catalogue change to a measure's value.
	e.exec(t, `UPDATE measures SET proxy = proxy + 10000 WHERE id = $1`, e.job1)
	resp, body = tnPost(t, buyer, base+"/publish", url.Values{"checked": {checked}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "£28,001 per FTE") {
		t.Fatalf("publish after a catalogue change: %d, want 422 showing the new value", resp.StatusCode)
	}
	checked = regexpFind(t, body, `name="checked" value="([0-9a-f]+)"`)
	resp, _ = tnPost(t, buyer, base+"/publish", url.Values{"checked": {checked}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", resp.StatusCode)
	}
	if n := e.int(t, `SELECT count(*) FROM tender_measures WHERE tender_id = $1 AND measure_id = $2 AND proxy = 280010000 AND published`, id, e.job1); n != 1 {
		t.Error("publishing did not freeze the value the buyer checked")
	}
	// Published: the check is gone.
	if resp, _ := get(t, buyer, base+"/publish"); resp.StatusCode != http.StatusConflict {
		t.Errorf("check page of a published tender: %d, want 409", resp.StatusCode)
	}

	// A draft whose deadline has passed shows what to change, with no
	// Publish button.
	resp, _ = tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", e.boxForm("STK-LATE"))
	late := tnID(t, resp, "")
	e.exec(t, `UPDATE tenders SET deadline = now() - interval '1 hour' WHERE id = $1`, late)
	_, body = get(t, buyer, e.ts.URL+"/o/stockport/tenders/"+itoa64(late)+"/publish")
	if !strings.Contains(body, "There is a problem") || !strings.Contains(body, "must be in the future") ||
		strings.Contains(body, `name="checked"`) {
		t.Error("a draft past its deadline can be published from the check page")
	}
	if resp, _ := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/"+itoa64(late)+"/publish", url.Values{}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("publish past the deadline: %d, want 422", resp.StatusCode)
	}
}

// TestHostileInputInDateBoxes: no text in any date or time box makes a
// form fail, on the tender form, the extension and a direct contract.
func TestHostileInputInDateBoxes(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := measuresLogin(t, e.ts, "buyer@stockport.example")
	tender := e.openTender(t, buyer, "STK-HOSTILE")
	before := e.state(t)
	for _, v := range append(tnHostile, "0", "00", "-0", "9999999999999999999999", "2147483648", "  ", "1.5", "Febuary") {
		for _, box := range []string{"contract_start-day", "contract_start-month", "contract_start-year", "deadline-day", "deadline-time"} {
			f := e.boxForm("STK-HOSTILE-2")
			f.Set(box, v)
			if resp, _ := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", f); resp.StatusCode >= 500 {
				t.Errorf("tender form, %s = %q: %d", box, v, resp.StatusCode)
			}
		}
		for _, box := range []string{"deadline-day", "deadline-month", "deadline-year", "deadline-time"} {
			f := url.Values{"reason": {"Because"}, "deadline-day": {"1"}, "deadline-month": {"1"}, "deadline-year": {"2099"}, "deadline-time": {"12:00"}}
			f.Set(box, v)
			if resp, _ := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/"+itoa64(tender)+"/extend", f); resp.StatusCode >= 500 {
				t.Errorf("extend, %s = %q: %d", box, v, resp.StatusCode)
			}
		}
		for _, box := range []string{"start-day", "end-month", "awarded_on-year"} {
			f := directForm("STK-HOSTILE-3")
			f.Set(box, v)
			if resp, _ := tnPost(t, buyer, e.ts.URL+"/o/stockport/contracts/new", f); resp.StatusCode >= 500 {
				t.Errorf("direct contract, %s = %q: %d", box, v, resp.StatusCode)
			}
		}
	}
	if after := e.state(t); after != before {
		t.Errorf("hostile dates wrote something: %s → %s", before, after)
	}

	// The extension reads the boxes, keeps them on a mistake and names the
	// field.
	base := e.ts.URL + "/o/stockport/tenders/" + itoa64(tender)
	resp, body := tnPost(t, buyer, base+"/extend", url.Values{"reason": {"Clarification"}, "deadline-day": {"30"}, "deadline-month": {"2"},
		"deadline-year": {"2099"}, "deadline-time": {"4pm"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "New deadline must be a real date") ||
		!hasValue(body, "deadline-day", "30") || !hasValue(body, "deadline-time", "4pm") || !strings.Contains(body, "Clarification") {
		t.Errorf("extend to 30 February: %d, want 422 keeping the boxes", resp.StatusCode)
	}
	later := time.Now().In(tally.London()).AddDate(0, 0, 30)
	resp, _ = tnPost(t, buyer, base+"/extend", url.Values{"reason": {"Clarification"}, "deadline-day": {strconv.Itoa(later.Day())},
		"deadline-month": {strconv.Itoa(int(later.Month()))}, "deadline-year": {strconv.Itoa(later.Year())}, "deadline-time": {"4pm"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("extend: %d", resp.StatusCode)
	}
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE id = $1 AND extract(hour FROM deadline AT TIME ZONE 'Europe/London') = 16`, tender); n != 1 {
		t.Error("the new deadline is not 4pm UK time")
	}
}

// Invisible formatting characters are refused in every free-text field: a
// right-to-left override would make a title read differently from what it
// is. The form comes back with what was typed and nothing is written.
func TestHiddenFormattingIsRefused(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	buyer := signIn(t, e.ts, "buyer@stockport.example")
	f := e.tenderForm("STK-BIDI")
	f.Set("title", "Grounds \u202egniniatniam")
	f.Set("description", "Parks\u200b and verges.")
	resp, body := tnPost(t, buyer, e.ts.URL+"/o/stockport/tenders/new", f)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{
		"Title must not contain hidden formatting characters",
		"Description must not contain hidden formatting characters",
		"must not contain hidden formatting characters (such as right-to-left marks or zero-width spaces): type it again, or paste it as plain text",
		"STK-BIDI", // what was typed is kept
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if n := e.int(t, `SELECT count(*) FROM tenders WHERE reference = 'STK-BIDI'`); n != 0 {
		t.Errorf("%d tenders written", n)
	}
}
