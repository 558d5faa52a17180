package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// hostileValues are what people mistype or attackers send: letters where a
// number goes, a negative, a number too large for any column, a value no
// radio offers, text past any sensible length, and markup.
var hostileValues = []string{"twelve", "-1", "99999999999999999999999", "not-a-choice",
	strings.Repeat("long ", 20_000), `<b>"bold"</b>`}

// emptyMaySucceed are the forms whose empty post is a complete, correct
// request: buttons that carry no fields, and drafts, which save whatever
// was typed. Every other form must refuse an empty post with a message.
var emptyMaySucceed = map[string]string{
	"POST /login":                                           "", // never: an empty sign-in is refused (listed to document it)
	"POST /o/{org}/tenders/{tender}/publish":                "a button",
	"POST /o/{org}/notifications/undelivered/{email}/retry": "a button",
	"POST /o/{org}/tenders/{tender}/copy":                   "a button",
	"POST /o/{org}/opportunities/{tender}/offer":            "a button: starts a draft",
	"POST /o/{org}/offers/{offer}":                          "a draft saves what was typed",
	"POST /o/{org}/offers/{offer}/withdraw":                 "a button",
	"POST /o/{org}/contracts/{contract}/returns":            "a button: starts a return",
	"POST /o/{org}/returns/{return}":                        "a draft saves what was typed",
	"POST /o/{org}/measures/local/{measure}/retire":         "a button",
	"POST /o/{org}/returns/{return}/evidence/{file}/remove": "a button",
	"POST /o/{org}/measures/{edition}/choice":               "a checkbox: nothing ticked switches the edition off",
	"POST /o/{org}/users/{user}":                            "checkboxes: no role ticked removes the person, and says so",
	"POST /o/{org}/users/invitations/{invitation}/resend":   "a button",
	"POST /o/{org}/users/invitations/{invitation}/revoke":   "a button",
	"POST /account/sessions/{session}/end":                  "a button",
	"POST /account/emails":                                  "checkboxes: nothing ticked turns reminders and the digest off, and says so",
}

// TestEveryFormRefusesBadInputWithAMessage posts every form in the
// permission table, empty and then with each hostile value in every field,
// as every kind of person allowed to use it. Nothing may answer 5xx or log
// an error; a refusal is a 4xx page that says what went wrong (an error
// summary on a form, or an error page's heading); an empty post is refused
// unless the form is in emptyMaySucceed.
func TestEveryFormRefusesBadInputWithAMessage(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	d := secDemoWorld(t, ts)
	fields := secRecordFields(t, ts, d)
	states := mistakeReturns(t, ts, d)
	for _, r := range states {
		for _, id := range secStrings(t, ts, `SELECT kpi_id::text FROM return_lines WHERE return_id = $1`, r.id) {
			fields = append(fields, "quantity-"+id, "answer-"+id, "decision-"+id, "note-"+id)
		}
	}

	tried := map[string]bool{}
	perms := ts.srv.Permissions()
	for _, who := range d.people {
		worlds := d.staff
		switch {
		case who.roles == nil:
			worlds = []map[string]string{{"token": "not-a-token"}}
		case who.org != "star":
			worlds = d.supplier
		}
		for _, r := range routes(t, ts.srv) {
			if r.method != http.MethodPost || !secAllowed(perms[r.key()], who) ||
				r.pattern == "/logout" || r.pattern == "/account/sign-out-everywhere" {
				continue
			}
			if who.roles != nil && slices.Contains(perms[r.key()], "public") && r.pattern != "/login" {
				continue // public forms are the signed-out visitor's
			}
			values := map[string]string{"org": who.org}
			for _, w := range worlds {
				for k, v := range w {
					if _, set := values[k]; !set {
						values[k] = v
					}
				}
			}
			path, known := fill(r.pattern, values)
			if !known {
				continue // not this person's kind of record; the check below sees that someone tried it
			}
			tried[r.key()] = true
			paths := []string{path}
			for _, o := range states {
				if strings.Contains(r.pattern, "{return}") && (who.org == "star") != o.supplier {
					p, _ := fill(r.pattern, merge(values, map[string]string{"return": o.id}))
					paths = append(paths, p)
				}
			}
			for _, path := range paths {
				resp, body := post(t, who.c, ts.URL+path, url.Values{})
				_, may := emptyMaySucceed[r.key()]
				if resp.StatusCode < 400 && !may {
					t.Errorf("%s as %s, empty: status %d, want a refusal", path, who.name, resp.StatusCode)
				}
				checkRefusal(t, path+" as "+who.name+", empty", resp, body)

				for _, v := range hostileValues {
					form := url.Values{}
					for _, name := range fields {
						form.Set(name, v)
					}
					resp, body := post(t, who.c, ts.URL+path, form)
					checkRefusal(t, path+" as "+who.name+" with "+short(v), resp, body)
				}
			}
		}
	}
	for _, r := range routes(t, ts.srv) {
		if r.method == http.MethodPost && !tried[r.key()] && r.pattern != "/logout" && r.pattern != "/account/sign-out-everywhere" {
			t.Errorf("%s: nobody in the demo world may post it, so it was not tried", r.key())
		}
	}
}

// checkRefusal fails the test when a refusal has no message for a person:
// a 422 must carry the GOV.UK error summary, another 4xx an error page
// with a heading. 5xx is failed by post itself.
func checkRefusal(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	switch {
	case resp.StatusCode == http.StatusUnprocessableEntity && !strings.Contains(body, "govuk-error-summary"):
		t.Errorf("%s: 422 without an error summary", what)
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && !strings.Contains(body, "<h1"):
		t.Errorf("%s: %d without a page that says what went wrong", what, resp.StatusCode)
	}
}

func short(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// merge returns a copy of a with b's entries set over it.
func merge(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// mistakeReturn is a return in a state where people make most mistakes.
type mistakeReturn struct {
	id       string
	supplier bool // the supplier's to act on; otherwise a contract manager's
}

// mistakeReturns are a return whose query the demo world's supplier must
// answer, and one that a contract manager has still to check.
func mistakeReturns(t *testing.T, ts *testServer, d secDemo) []mistakeReturn {
	t.Helper()
	supplier := orgID(t, ts, d.people[len(d.people)-1].org)
	queried := secInt(t, ts, `SELECT min(r.id) FROM returns r JOIN return_lines l ON l.return_id = r.id
		WHERE r.supplier_id = $1 AND l.decision = 'queried'`, supplier)
	unchecked := secInt(t, ts, `SELECT min(id) FROM returns WHERE status = 'submitted'`)
	return []mistakeReturn{{itoa64(queried), true}, {itoa64(unchecked), false}}
}
