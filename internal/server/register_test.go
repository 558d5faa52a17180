package server_test

import (
	"fmt"
	"hash/crc32"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// registerPassword is the password chosen on a registration link's page.
const registerPassword = "correct horse battery staple"

// choosePassword is the form on a registration link's page.
func choosePassword(pw string) url.Values {
	return url.Values{"password": {pw}, "confirm": {pw}}
}

// registration is the registration form, which asks for no password.
func registration(org, postcode, email string) url.Values {
	// A Companies House number of its own (seven digits, padded on
	// reading), so that registrations do not look like one organisation.
	number := fmt.Sprintf("%07d", crc32.ChecksumIEEE([]byte(org))%10_000_000)
	return url.Values{"org_name": {org}, "company_number": {number}, "postcode": {postcode}, "size": {"micro"},
		"name": {"Reg Istrar"}, "email": {email}}
}

// register fills in the registration form as c, then follows the link in
// the email it sends, checks the details and chooses registerPassword: it
// returns the answer to that last step.
func register(t *testing.T, ts *testServer, c *http.Client, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, body := post(t, c, ts.URL+"/register", form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your email") {
		t.Fatalf("register %s: %d, want the page saying to check email\n%s", form.Get("org_name"), resp.StatusCode, body)
	}
	link := lastLink(t, ts, form.Get("email"))
	resp, body = get(t, c, ts.URL+link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ">Finish registering</button>") ||
		!strings.Contains(body, `name="password"`) {
		t.Fatalf("open the registration link: %d, want the details and a password to choose\n%s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the registration link's page: Cache-Control %q, want no-store", cc)
	}
	return post(t, c, ts.URL+link, choosePassword(registerPassword))
}

func TestSupplierRegistersAndSeesWhereItIsLocal(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	for _, tc := range []struct {
		org, postcode, email, slug string
		local                      int
	}{
		{"Manchester Widgets Ltd", "m1 1ae", "owner@mcrwidgets.example", "manchester-widgets-ltd", 4},
		{"London Widgets Ltd", "SW1A 1AA", "owner@ldnwidgets.example", "london-widgets-ltd", 0},
		// Another name, but the same address name: the address gets -2.
		{"Manchester-Widgets Ltd", "SK1 3XE", "other@mcrwidgets.example", "manchester-widgets-ltd-2", 4},
	} {
		c := ts.client(t)
		resp, body := register(t, ts, c, registration(tc.org, tc.postcode, tc.email))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/"+tc.slug {
			t.Fatalf("%s: %d to %q\n%s", tc.org, resp.StatusCode, resp.Header.Get("Location"), body)
		}
		path, resp, body := follow(t, ts, c, "/")
		if path != "/o/"+tc.slug || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: not signed in to its organisation: %s %d", tc.org, path, resp.StatusCode)
		}
		if got := strings.Count(body, ">Local</strong>"); got != tc.local {
			t.Errorf("%s in %s: local to %d partners, want %d", tc.org, tc.postcode, got, tc.local)
		}
		if got := strings.Count(body, ">Not local</strong>"); got != 4-tc.local {
			t.Errorf("%s in %s: not local to %d partners, want %d", tc.org, tc.postcode, got, 4-tc.local)
		}
		var kind, postcode, company, role, size string
		err := adminPool(t, ts.db).QueryRow(t.Context(), `
			SELECT o.kind, o.postcode, o.company_number, m.role, o.size
			FROM organisations o JOIN memberships m ON m.org_id = o.id JOIN users u ON u.id = m.user_id
			WHERE o.slug = $1 AND u.email = $2`, tc.slug, tc.email).Scan(&kind, &postcode, &company, &role, &size)
		if err != nil {
			t.Fatalf("%s: the organisation, user or membership is missing: %v", tc.org, err)
		}
		if kind != "supplier" || postcode != strings.ToUpper(tc.postcode) || company != "0"+registration(tc.org, "", "").Get("company_number") || role != "supplier" || size != "micro" {
			t.Errorf("%s: stored %s %s %s %s %s", tc.org, kind, postcode, company, role, size)
		}
		if got := auditActions(t, ts, tc.slug); len(got) != 1 || got[0] != "supplier.register" {
			t.Errorf("%s: audit %v", tc.org, got)
		}
	}
}

func TestRegistrationRefusesBadDetails(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	for _, tc := range []struct {
		name, field, value, message string
	}{
		{"company number", "company_number", "ABC", "Enter a Companies House number in the correct format"},
		{"postcode", "postcode", "12345", "Enter a real UK postcode"},
	} {
		before := snapshot(t, ts)
		form := registration("Bolton Bricks Ltd", "BL1 1AA", "owner@boltonbricks.example")
		form.Set(tc.field, tc.value)
		resp, body := post(t, ts.client(t), ts.URL+"/register", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, tc.field) || !strings.Contains(body, tc.message) {
			t.Errorf("%s: %d, want 422 with %q", tc.name, resp.StatusCode, tc.message)
		}
		if !strings.Contains(body, `value="Bolton Bricks Ltd"`) {
			t.Errorf("%s: the organisation name is not shown back", tc.name)
		}
		if resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: signed in anyway", tc.name)
		}
		unchanged(t, tc.name, before, snapshot(t, ts))
	}
}

func TestInjectionStringsAreStoredAndShownLiterally(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := ts.client(t)
	form := registration("<script>alert(1)</script> Ltd", "OL1 1AB", "xss@example.com")
	form.Set("name", "{{7*7}} ' OR 1=1 --")
	resp, body := register(t, ts, c, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d\n%s", resp.StatusCode, body)
	}
	slug := strings.TrimPrefix(resp.Header.Get("Location"), "/o/")
	for _, path := range []string{"/o/" + slug, "/o/" + slug + "/users", "/o/" + slug + "/audit", "/account"} {
		resp, body := get(t, c, ts.URL+path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if strings.Contains(strings.ToLower(body), "<script>alert(1)") {
			t.Errorf("%s: the organisation name is not escaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; Ltd") {
			t.Errorf("%s: the organisation name is not shown literally", path)
		}
	}
	if _, body := get(t, c, ts.URL+"/o/"+slug+"/users"); !strings.Contains(body, "{{7*7}} &#39; OR 1=1 --") {
		t.Error("the person's name is not shown literally")
	}
	var name string
	ts.db.Owner.QueryRow(t.Context(), `SELECT name FROM users WHERE email = 'xss@example.com'`).Scan(&name)
	if name != "{{7*7}} ' OR 1=1 --" {
		t.Errorf("stored name %q", name)
	}
}

func TestAdminSavesPartnerSettings(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	settings := url.Values{"threshold": {"50000"}, "default_weighting": {"20"}, "local_area": {"wa3, M, SK"}, "max_measures": {"6"},
		"band_good": {"95"}, "band_approaching": {"90"}, "band_requires_improvement": {"85"},
		"version": {versionAt(t, ts, admin, "/o/star/settings/stockport")}}
	// A smaller local area strands suppliers' local status: it is
	// checked first, saying who stops counting as local, and nothing is
	// saved until it is confirmed.
	unsaved := snapshot(t, ts)
	resp, body := post(t, admin, ts.URL+"/o/star/settings/stockport", settings)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check this change before you save it") ||
		!strings.Contains(body, "Greenway Energy Ltd (BL1 1RU)") || !strings.Contains(body, "Stops being local") {
		t.Fatalf("save: %d, want the check of what the change affects", resp.StatusCode)
	}
	unchanged(t, "a change waiting for its check", unsaved, snapshot(t, ts))
	back := url.Values{"action": {"change"}}
	for k, v := range settings {
		back[k] = v
	}
	resp, body = post(t, admin, ts.URL+"/o/star/settings/stockport", back)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ">wa3, M, SK</textarea>") {
		t.Errorf("going back from the check lost what was typed: %d", resp.StatusCode)
	}
	unchanged(t, "going back from the check", unsaved, snapshot(t, ts))
	settings.Set("confirmed", "yes")
	resp, body = post(t, admin, ts.URL+"/o/star/settings/stockport", settings)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/star/settings/stockport" {
		t.Fatalf("save: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, _, body = follow(t, ts, admin, "/o/star/settings/stockport")
	for _, want := range []string{"Settings for Stockport Council have been saved", `value="50000.00"`, `value="20"`,
		">M, SK, WA3</textarea>", `value="95"`, `value="90"`, `value="85"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the saved form does not show %s", want)
		}
	}
	var threshold, weighting int64
	var area string
	tx, err := ts.db.Owner.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context())
	stockport := orgID(t, ts, "stockport")
	err = tx.QueryRow(t.Context(), `
		WITH scope AS (SELECT set_config('app.partner_ids', '{' || $1::bigint || '}', true))
		SELECT threshold_pence, default_weighting_permille, array_to_string(local_area, ',') FROM scope, partner_settings
		WHERE partner_id = $1`, stockport).Scan(&threshold, &weighting, &area)
	if err != nil || threshold != 5_000_000 || weighting != 200 || area != "M,SK,WA3" {
		t.Errorf("stored %d pence, %d‰, %q (%v)", threshold, weighting, area, err)
	}
	if got := auditActions(t, ts, "stockport"); got[len(got)-1] != "settings.update" {
		t.Errorf("audit %v", got)
	}
	if resp, body := get(t, admin, ts.URL+"/o/stockport/audit"); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, "Administrator Ada Admin changed the settings of Stockport Council: threshold £50,000.00, default weighting 20%, local area M, SK, WA3") {
		t.Errorf("/o/stockport/audit: %d, no settings change in plain words", resp.StatusCode)
	}
	for _, page := range []string{"0", "-3", "x", "2", "184467440737095518", "99999999999999999999"} {
		if resp, _ := get(t, admin, ts.URL+"/o/stockport/audit?page="+page); resp.StatusCode != http.StatusOK {
			t.Errorf("audit page %s: %d", page, resp.StatusCode)
		}
	}

	// Bands that do not go down are refused, and nothing changes.
	before := snapshot(t, ts)
	for _, bands := range [][3]string{{"90", "95", "85"}, {"95", "95", "85"}, {"95", "85", "90"}} {
		settings.Set("band_good", bands[0])
		settings.Set("band_approaching", bands[1])
		settings.Set("band_requires_improvement", bands[2])
		resp, body := post(t, admin, ts.URL+"/o/star/settings/stockport", settings)
		if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "band_good") || !strings.Contains(body, "Enter bands that go down") {
			t.Errorf("bands %v: %d, want 422 with a message", bands, resp.StatusCode)
		}
	}
	unchanged(t, "refused bands", before, snapshot(t, ts))

	// The local area decides where a supplier counts as local.
	settings = url.Values{"threshold": {"50000"}, "default_weighting": {"20"}, "local_area": {"WA3"}, "max_measures": {"6"},
		"band_good": {"95"}, "band_approaching": {"90"}, "band_requires_improvement": {"85"}, "confirmed": {"yes"},
		"version": {versionAt(t, ts, admin, "/o/stockport/settings/stockport")}}
	if resp, _ := post(t, admin, ts.URL+"/o/stockport/settings/stockport", settings); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save through the partner: %d", resp.StatusCode)
	}
	if _, body := get(t, signIn(t, ts, "bids@northernbuild.example"), ts.URL+"/o/northernbuild"); strings.Count(body, ">Local</strong>") != 3 {
		t.Errorf("SK4 should now be local to 3 partners, not Stockport (WA3 only)")
	}
}

func TestRegisteringAnExistingOrganisationPointsToJoiningIt(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	form := func(name, number, email string) url.Values {
		return url.Values{"org_name": {name}, "company_number": {number}, "postcode": {"SK4 1AA"}, "size": {"small"},
			"name": {"Pat Newhire"}, "email": {email}, "password": {newPassword}, "confirm": {newPassword}}
	}
	var number string
	if err := ts.db.Owner.QueryRow(t.Context(), `SELECT company_number FROM organisations WHERE slug = 'northernbuild'`).Scan(&number); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, ts)
	for _, tc := range []struct {
		what  string
		form  url.Values
		field string
	}{
		{"the same name in other case and spacing", form("  northern   BUILD ltd ", "", "pat@newhire.example"), "org_name"},
		{"the same Companies House number", form("NB Construction", number, "pat@newhire.example"), "company_number"},
	} {
		c := ts.client(t)
		resp, body := post(t, c, ts.URL+"/register", tc.form)
		if resp.StatusCode != http.StatusConflict || !hasFieldError(body, tc.field) || !strings.Contains(body, "Join Northern Build Ltd instead") {
			t.Errorf("%s: %d, want the page that points to joining Northern Build Ltd", tc.what, resp.StatusCode)
		}
		if !strings.Contains(body, `value="pat@newhire.example"`) || strings.Contains(body, newPassword) {
			t.Errorf("%s: the form lost what was typed, or sent the password back", tc.what)
		}
	}
	unchanged(t, "registering a second Northern Build", before, snapshot(t, ts))

	// Asking sends the name and email to Northern Build, which can invite.
	c := ts.client(t)
	resp, body := post(t, c, ts.URL+"/register", url.Values{"action": {"ask"}, "org_name": {"Northern Build Ltd"}, "company_number": {""},
		"name": {"Pat Newhire"}, "email": {"pat@newhire.example"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "We have asked Northern Build Ltd to add you") {
		t.Fatalf("ask to join: %d", resp.StatusCode)
	}
	if mails := emailsTo(ts, "bids@northernbuild.example"); len(mails) == 0 || !strings.Contains(mails[len(mails)-1].Body, "pat@newhire.example") {
		t.Error("Northern Build was not emailed")
	}
	// Asking is limited per client address: the tenth ask is the last.
	for i := 2; i <= 11; i++ {
		resp, _ := post(t, c, ts.URL+"/register", url.Values{"action": {"ask"}, "org_name": {"Northern Build Ltd"}, "company_number": {""},
			"name": {"Pat Newhire"}, "email": {"pat@newhire.example"}})
		if want := map[bool]int{true: http.StatusOK, false: http.StatusTooManyRequests}[i <= 10]; resp.StatusCode != want {
			t.Fatalf("ask %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
	bids := signIn(t, ts, "bids@northernbuild.example")
	_, body = get(t, bids, ts.URL+"/o/northernbuild/notifications")
	if !strings.Contains(body, "Pat Newhire asks to join Northern Build Ltd") {
		t.Fatal("no message to Northern Build")
	}
	_, body = get(t, bids, ts.URL+"/o/northernbuild/users?invite=pat%40newhire.example")
	if !strings.Contains(body, `value="pat@newhire.example"`) {
		t.Error("the message's link does not fill in the invitation")
	}
	// Asking with no email says so.
	resp, body = post(t, c, ts.URL+"/register", url.Values{"action": {"ask"}, "org_name": {"Northern Build Ltd"}, "name": {"Pat"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "ask-email") {
		t.Errorf("ask without an email: %d", resp.StatusCode)
	}
}
