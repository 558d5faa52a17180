package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/demo"
)

// Kinds of form field.
const (
	freeText = iota // names: injection strings are valid input, shown escaped
	checked         // validated: injection strings are refused
	secret          // passwords: never echoed back
)

// formField is one input of a form and how it may go wrong.
type formField struct {
	name     string
	kind     int
	control  string   // "input" or "textarea" when the value is echoed back in one
	optional bool     // empty is valid
	formats  []string // values in the wrong format
	errOn    []string // the fields whose message may report it; default the field itself
}

// formSpec is a form, valid input for it, and its fields.
type formSpec struct {
	name    string
	path    string
	client  *http.Client
	valid   url.Values
	fields  []formField
	breaker string   // a field to empty so that a free-text injection is refused and echoed
	except  []string // tables a refused form still writes
}

var (
	tooLong    = strings.Repeat("a", 10000)
	injections = []string{"' OR 1=1 --", "<script>alert(1)</script>", "{{7*7}}"}
	badUTF8    = "\xff\xfe"
	withNUL    = "ab\x00cd"
)

type badInput struct {
	label  string
	values url.Values
	field  formField
	echo   string // a free-text injection that must come back escaped
}

// cases makes the bad inputs for a form: each field in turn gets an empty,
// too long, invalid UTF-8, NUL-bearing, injected and wrongly formatted value
// while the rest of the form stays valid.
func (f formSpec) cases() []badInput {
	var out []badInput
	with := func(field formField, label, value string) {
		v := url.Values{}
		for k, vs := range f.valid {
			v[k] = append([]string(nil), vs...)
		}
		v.Set(field.name, value)
		out = append(out, badInput{label: field.name + " " + label, values: v, field: field})
	}
	for _, field := range f.fields {
		if !field.optional {
			with(field, "empty", "")
		}
		with(field, "too long", tooLong)
		with(field, "invalid UTF-8", badUTF8)
		with(field, "NUL byte", withNUL)
		for _, s := range injections {
			if field.kind != freeText {
				with(field, "injection "+s, s)
				continue
			}
			with(field, "injection "+s, s)
			last := &out[len(out)-1]
			last.values.Set(f.breaker, "")
			last.echo = s
			last.field = formField{name: f.breaker}
		}
		for _, s := range field.formats {
			with(field, "format "+s, s)
		}
	}
	return out
}

func TestBadInputOnEveryForm(t *testing.T) {
	t.Parallel()
	strongPassword := "correct horse battery staple"
	specs := []func(t *testing.T, ts *testServer) formSpec{
		func(t *testing.T, ts *testServer) formSpec {
			return formSpec{name: "sign in", path: "/login", client: ts.client(t),
				valid: url.Values{"email": {"admin@star.example"}, "password": {demo.Password}},
				fields: []formField{
					{name: "email", kind: checked, control: "input", formats: []string{"not-an-email"}},
					{name: "password", kind: secret, errOn: []string{"password", "email"}},
				},
				except: []string{"login_failures"}} // a wrong password is a counted failure
		},
		func(t *testing.T, ts *testServer) formSpec {
			return formSpec{name: "register", path: "/register", client: ts.client(t),
				valid: url.Values{"org_name": {"Bury Bakes Ltd"}, "company_number": {"12345678"}, "postcode": {"BL9 0AA"},
					"size": {"small"}, "vcse": {"yes"}, "name": {"Pat Baker"}, "email": {"pat@burybakes.example"}},
				fields: []formField{
					{name: "org_name", kind: freeText, control: "input"},
					{name: "company_number", kind: checked, control: "input", optional: true, formats: []string{"123456789", "ZZ123456", "00000000"}},
					{name: "postcode", kind: checked, control: "input", formats: []string{"ZZ1", "12345", "SW1A 1AAA", "M1"}},
					{name: "size", kind: checked, formats: []string{"huge"}},
					{name: "name", kind: freeText, control: "input"},
					{name: "email", kind: checked, control: "input", formats: []string{"pat@", "pat burybakes.example", "pat@localhost", "Pat <pat@burybakes.example>"}},
				},
				breaker: "postcode"}
		},
		func(t *testing.T, ts *testServer) formSpec {
			token, digest := auth.NewToken()
			if _, err := ts.db.Owner.Exec(t.Context(), `INSERT INTO pending_registrations
				(token_hash, email, name, org_name, postcode, size, vcse, expires_at)
				VALUES ($1, 'pat@burybakes.example', 'Pat Baker', 'Bury Bakes Ltd', 'BL9 0AA', 'small', true, $2)`,
				digest, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			return formSpec{name: "finish registering", path: "/register/confirm/" + token, client: ts.client(t),
				valid: url.Values{"password": {strongPassword}, "confirm": {strongPassword}},
				fields: []formField{
					{name: "password", kind: secret, formats: []string{"too short"}, errOn: []string{"password", "confirm"}},
					{name: "confirm", kind: secret, formats: []string{strongPassword + "!"}},
				}}
		},
		func(t *testing.T, ts *testServer) formSpec {
			return formSpec{name: "password reset request", path: "/password-reset", client: ts.client(t),
				valid:  url.Values{"email": {"admin@star.example"}},
				fields: []formField{{name: "email", kind: checked, control: "input", formats: []string{"admin@", "admin star.example"}}}}
		},
		func(t *testing.T, ts *testServer) formSpec {
			return formSpec{name: "sign-in link request", path: "/login/link", client: ts.client(t),
				valid:  url.Values{"email": {"admin@star.example"}, "next": {"/o/star"}},
				fields: []formField{{name: "email", kind: checked, control: "input", formats: []string{"admin@", "admin star.example"}}}}
		},
		func(t *testing.T, ts *testServer) formSpec {
			token, digest := auth.NewToken()
			if _, err := ts.db.Owner.Exec(t.Context(), `INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`,
				digest, userID(t, ts, "buyer@star.example"), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			return formSpec{name: "new password", path: "/reset/" + token, client: ts.client(t),
				valid: url.Values{"password": {strongPassword}, "confirm": {strongPassword}},
				fields: []formField{
					{name: "password", kind: secret, formats: []string{"too short"}, errOn: []string{"password", "confirm"}},
					{name: "confirm", kind: secret, formats: []string{strongPassword + "!"}},
				}}
		},
		func(t *testing.T, ts *testServer) formSpec {
			token, digest := auth.NewToken()
			if _, err := adminPool(t, ts.db).Exec(t.Context(), `INSERT INTO invitations (token_hash, org_id, email, role, invited_by, expires_at)
				VALUES ($1, $2, 'new@star.example', 'buyer', $3, $4)`,
				digest, orgID(t, ts, "star"), userID(t, ts, "admin@star.example"), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			return formSpec{name: "accept invitation", path: "/invite/" + token, client: ts.client(t),
				valid: url.Values{"name": {"Nia Newcomer"}, "password": {strongPassword}, "confirm": {strongPassword}},
				fields: []formField{
					{name: "name", kind: freeText, control: "input"},
					{name: "password", kind: secret, formats: []string{"too short"}, errOn: []string{"password", "confirm"}},
					{name: "confirm", kind: secret, formats: []string{strongPassword + "!"}},
				},
				breaker: "password"}
		},
		func(t *testing.T, ts *testServer) formSpec {
			return formSpec{name: "invite", path: "/o/star/users", client: signIn(t, ts, "admin@star.example"),
				valid: url.Values{"email": {"new@star.example"}, "roles": {"buyer"}},
				fields: []formField{
					{name: "email", kind: checked, control: "input", formats: []string{"new@", "new star.example"}},
					{name: "roles", kind: checked, formats: []string{"supplier", "owner", "Buyer"}},
				}}
		},
		func(t *testing.T, ts *testServer) formSpec {
			return formSpec{name: "roles", path: "/o/star/users/" + itoa64(userID(t, ts, "director@star.example")),
				client: signIn(t, ts, "admin@star.example"),
				valid:  url.Values{"roles": {"director"}},
				fields: []formField{{name: "roles", kind: checked, formats: []string{"supplier", "owner", "Director"}}}}
		},
		func(t *testing.T, ts *testServer) formSpec {
			whole := []string{"0", "101", "9.5", "-1", "ninety"}
			return formSpec{name: "settings", path: "/o/star/settings/stockport", client: signIn(t, ts, "admin@star.example"),
				valid: url.Values{"threshold": {"65432"}, "default_weighting": {"17.5"}, "local_area": {"M, SK, WA3"},
					"max_measures": {"7"}, "band_good": {"96"}, "band_approaching": {"91"}, "band_requires_improvement": {"86"}},
				fields: []formField{
					{name: "threshold", kind: checked, control: "input", formats: []string{"0", "-50000", "fifty thousand", "50000.001", "1e6"}},
					{name: "default_weighting", kind: checked, control: "input", formats: []string{"101", "-1", "17.55", "twenty"}},
					{name: "local_area", kind: checked, control: "textarea", formats: []string{"M1 1AA", "ZZZZZ", ",", "M; SK; 9"}},
					{name: "max_measures", kind: checked, control: "input", formats: []string{"0", "51", "six", "6.5"}},
					{name: "band_good", kind: checked, control: "input", formats: whole},
					{name: "band_approaching", kind: checked, control: "input", formats: whole},
					{name: "band_requires_improvement", kind: checked, control: "input", formats: whole},
				}}
		},
	}
	names := []string{"login", "register", "register-confirm", "password-reset", "login-link", "reset", "invite", "users", "roles", "settings"}
	for i, spec := range specs {
		t.Run(names[i], func(t *testing.T) {
			t.Parallel()
			ts := seededServer(t)
			f := spec(t, ts)
			for _, c := range f.cases() {
				before := snapshot(t, ts)
				resp, body := post(t, f.client, ts.URL+f.path, c.values)
				what := f.name + ": " + strings.ToValidUTF8(strings.ReplaceAll(c.label, "\x00", `\0`), "?")
				if len(what) > 80 {
					what = what[:80] + "…"
				}
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%s: status %d, want 422", what, resp.StatusCode)
				}
				errOn := c.field.errOn
				if len(errOn) == 0 {
					errOn = []string{c.field.name}
				}
				if !containsFunc(errOn, func(field string) bool { return hasFieldError(body, field) }) {
					t.Errorf("%s: no message for %v", what, errOn)
				}
				if strings.Contains(strings.ToLower(body), "<script>alert(1)") {
					t.Errorf("%s: the page has an unescaped script", what)
				}
				if c.echo != "" && !strings.Contains(body, html.EscapeString(c.echo)) {
					t.Errorf("%s: %q is not shown back", what, c.echo)
				}
				// The user's other input comes back.
				for _, other := range f.fields {
					v := c.values.Get(other.name)
					if other.name == c.field.name || other.control == "" || v == "" {
						continue
					}
					want := `value="` + html.EscapeString(v) + `"`
					if other.control == "textarea" {
						want = ">" + html.EscapeString(v) + "</textarea>"
					}
					if !strings.Contains(body, want) {
						t.Errorf("%s: the %s the user typed (%q) is not shown back", what, other.name, v)
					}
				}
				unchanged(t, what, before, snapshot(t, ts), f.except...)
			}
		})
	}
}

func containsFunc(list []string, fn func(string) bool) bool {
	for _, s := range list {
		if fn(s) {
			return true
		}
	}
	return false
}

// A body too big or not form-encoded is refused whole, with no 500.
func TestUnreadableFormsAreRefused(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	before := snapshot(t, ts)
	for _, body := range []string{"email=" + strings.Repeat("a", 300<<10) + "&password=x", "email=%zz&password=%"} {
		for _, path := range []string{"/login", "/register", "/password-reset", "/login/link", "/o/star/users", "/o/star/settings/stockport"} {
			req, _ := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := admin.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s with %d bytes: %d, want 400", path, len(body), resp.StatusCode)
			}
		}
	}
	unchanged(t, "unreadable forms", before, snapshot(t, ts))
}
