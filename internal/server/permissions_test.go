package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/server"
	"github.com/tally-sv/tally/internal/tally"
)

// route is one method and pattern the router serves, spelled as in the
// permission table.
type route struct{ method, pattern string }

func (r route) key() string { return r.method + " " + r.pattern }

// routes walks the chi router. chi reports the organisation's home as
// "/o/{org}/", and Permissions lists it without the slash, so this does
// too. A route mounted with Handle (the static files) answers every method
// and is listed once, as GET.
func routes(t *testing.T, srv *server.Server) []route {
	t.Helper()
	methods := map[string][]string{}
	err := chi.Walk(srv.Router(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if len(pattern) > 1 {
			pattern = strings.TrimSuffix(pattern, "/")
		}
		methods[pattern] = append(methods[pattern], method)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []route
	for pattern, ms := range methods {
		if slices.Contains(ms, http.MethodGet) && slices.Contains(ms, http.MethodPut) && slices.Contains(ms, http.MethodDelete) {
			ms = []string{http.MethodGet}
		}
		for _, m := range ms {
			out = append(out, route{m, pattern})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func isOrgRoute(r route) bool { return strings.HasPrefix(r.pattern, "/o/{org}") }

var paramRE = regexp.MustCompile(`\{([^}]+)\}`)

// fill puts values into a pattern's parameters; a parameter without a value
// gets "1". It reports whether every parameter had a value.
func fill(pattern string, values map[string]string) (string, bool) {
	known := true
	path := paramRE.ReplaceAllStringFunc(pattern, func(p string) string {
		v, ok := values[strings.Trim(p, "{}")]
		if !ok {
			known = false
			return "1"
		}
		return v
	})
	return strings.ReplaceAll(path, "*", "x"), known
}

func TestEveryRouteIsInThePermissionTable(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	served := map[string]bool{}
	perms := ts.srv.Permissions()
	for _, r := range routes(t, ts.srv) {
		served[r.key()] = true
		roles, ok := perms[r.key()]
		switch {
		case !ok:
			t.Errorf("%s is missing from the permission table: give it a guard (s.public, s.signedIn or s.org)", r.key())
		case len(roles) == 0:
			t.Errorf("%s allows nobody", r.key())
		case isOrgRoute(r):
			for _, role := range roles {
				if role == "public" || role == "signed-in" || role.Label() == string(role) {
					t.Errorf("%s: %q is not an organisation role", r.key(), role)
				}
			}
		case len(roles) != 1 || (roles[0] != "public" && roles[0] != "signed-in"):
			t.Errorf("%s: outside /o/{org} a route is public or signed-in, not %v", r.key(), roles)
		}
	}
}

// Signed out, public pages answer and signed-in ones send you to sign in.
func TestSignedOutAccess(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	perms := ts.srv.Permissions()
	for _, r := range routes(t, ts.srv) {
		path, known := fill(r.pattern, nil)
		if !known || strings.Contains(r.pattern, "*") {
			continue
		}
		roles, ok := perms[r.key()]
		if !ok {
			continue // TestEveryRouteIsInThePermissionTable reports it
		}
		resp, _ := send(t, c, r.method, ts.URL+path, url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"})
		switch {
		case slices.Contains(roles, "public"):
			if resp.StatusCode == http.StatusNotFound || signedOut(resp) && r.pattern != "/logout" {
				t.Errorf("%s %s signed out: %d to %q", r.method, path, resp.StatusCode, resp.Header.Get("Location"))
			}
		default:
			if !signedOut(resp) {
				t.Errorf("%s %s signed out: %d, want a redirect to /login", r.method, path, resp.StatusCode)
			}
		}
	}
}

// badPost is a form no organisation route accepts: every field a form
// could read is invalid, so an allowed POST re-renders and writes nothing.
var badPost = url.Values{"email": {"not an email"}, "role": {"nobody"}, "roles": {"nobody"}, "threshold": {"lots"},
	"name": {""}, "code": {""}, "title": {""}}

func TestEachRoleGetsItsRoutes(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	targets := map[string]string{
		"star":     itoa64(userID(t, ts, "director@star.example")),
		"tameside": itoa64(addUser(t, ts, "target@tameside.example", "tameside", tally.RoleDirector)),
		"greenway": itoa64(userID(t, ts, "bids@greenway.example")),
	}
	type member struct {
		org  string
		kind tally.OrgKind
		role tally.Role
	}
	var people []member
	for _, role := range tally.StaffRoles {
		people = append(people, member{"tameside", tally.Partner, role}, member{"star", tally.SharedService, role})
	}
	people = append(people, member{"greenway", tally.Supplier, tally.RoleSupplier})

	var checked []string
	perms := ts.srv.Permissions()
	for _, m := range people {
		email := string(m.role) + "@" + m.org + ".test"
		addUser(t, ts, email, m.org, m.role)
		c := signIn(t, ts, email)
		before := snapshot(t, ts)
		values := map[string]string{"org": m.org, "user": targets[m.org], "partner": "tameside"}
		for _, r := range routes(t, ts.srv) {
			path, known := fill(r.pattern, values)
			if !isOrgRoute(r) || !known {
				continue // routes with other parameters are checked by their own tests
			}
			checked = append(checked, r.key())
			allowed := slices.Contains(perms[r.key()], m.role)
			var resp *http.Response
			var body string
			if r.method == http.MethodGet {
				resp, body = get(t, c, ts.URL+path)
			} else {
				resp, body = post(t, c, ts.URL+path, badPost)
			}
			status, loc := resp.StatusCode, resp.Header.Get("Location")
			switch {
			case !allowed:
				if status != http.StatusNotFound || !strings.Contains(body, "Page not found") {
					t.Errorf("%s in %s: %s %s: %d, want 404", m.role, m.org, r.method, path, status)
				}
			case r.method == http.MethodGet:
				// A partner's settings list is its own settings form.
				redirect := status == http.StatusSeeOther && strings.HasPrefix(loc, "/o/"+m.org+"/")
				if status != http.StatusOK && !redirect {
					t.Errorf("%s in %s: %s %s: %d to %q, want 200", m.role, m.org, r.method, path, status, loc)
				}
				if r.pattern == "/o/{org}/settings" && (m.kind == tally.Partner) != redirect {
					t.Errorf("%s in %s: %s %s: %d to %q", m.role, m.org, r.method, path, status, loc)
				}
			default:
				if status == http.StatusNotFound || status == http.StatusSeeOther {
					t.Errorf("%s in %s: %s %s with a bad form: %d, want it refused", m.role, m.org, r.method, path, status)
				}
			}
		}
		unchanged(t, string(m.role)+" in "+m.org, before, snapshot(t, ts))
	}
	for _, want := range []string{"GET /o/{org}", "GET /o/{org}/users", "POST /o/{org}/users", "GET /o/{org}/users/{user}",
		"POST /o/{org}/users/{user}", "GET /o/{org}/settings", "GET /o/{org}/settings/{partner}",
		"POST /o/{org}/settings/{partner}", "GET /o/{org}/audit"} {
		if !slices.Contains(checked, want) {
			t.Errorf("%s was not checked", want)
		}
	}
}

// probe requests every organisation route in org as c and expects 404 (the
// same page as for an organisation that does not exist) and no writes.
func probe(t *testing.T, ts *testServer, c *http.Client, who, org string, values map[string]string) {
	t.Helper()
	before := snapshot(t, ts)
	values["org"] = org
	for _, r := range routes(t, ts.srv) {
		if !isOrgRoute(r) {
			continue
		}
		path, _ := fill(r.pattern, values)
		ghost := strings.Replace(path, "/o/"+org, "/o/no-such-org", 1)
		for _, p := range []string{path, ghost} {
			var resp *http.Response
			var body string
			if r.method == http.MethodGet {
				resp, body = get(t, c, ts.URL+p)
			} else {
				resp, body = post(t, c, ts.URL+p, url.Values{"email": {"x@y.example"}, "role": {"admin"}, "roles": {"admin"}})
			}
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Page not found") {
				t.Errorf("%s: %s %s: %d, want 404", who, r.method, p, resp.StatusCode)
			}
		}
	}
	unchanged(t, who+" probing "+org, before, snapshot(t, ts))
}

func TestOrganisationsAreSealedFromEachOther(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	values := func(user, partner string) map[string]string {
		return map[string]string{"user": itoa64(userID(t, ts, user)), "partner": partner}
	}
	stockport := signIn(t, ts, "buyer@stockport.example")
	probe(t, ts, stockport, "buyer@stockport", "trafford", values("contracts@trafford.example", "trafford"))
	probe(t, ts, stockport, "buyer@stockport", "star", values("admin@star.example", "stockport"))
	probe(t, ts, stockport, "buyer@stockport", "northernbuild", values("bids@northernbuild.example", "stockport"))

	supplier := signIn(t, ts, "bids@northernbuild.example")
	for _, buyer := range []string{"star", "stockport", "trafford", "rochdale", "tameside"} {
		probe(t, ts, supplier, "a supplier", buyer, values("director@star.example", buyer))
	}
	probe(t, ts, supplier, "a supplier", "nationalfm", values("bids@nationalfm.example", "stockport"))

	director := signIn(t, ts, "director@rochdale.example")
	probe(t, ts, director, "director@rochdale", "stockport", values("buyer@stockport.example", "stockport"))
}

func TestSharedServiceReachesItsPartners(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	addUser(t, ts, "admin@stockport.example", "stockport", tally.RoleAdmin)
	admin := signIn(t, ts, "admin@star.example")
	partnerAdmin := signIn(t, ts, "admin@stockport.example")
	buyer := signIn(t, ts, "buyer@star.example")
	for _, tc := range []struct {
		who  string
		c    *http.Client
		path string
		want int
	}{
		{"star admin", admin, "/o/stockport/settings/stockport", http.StatusOK},
		{"star admin", admin, "/o/star/settings/stockport", http.StatusOK},
		{"star admin", admin, "/o/star/settings/tameside", http.StatusOK},
		{"star admin", admin, "/o/stockport/users", http.StatusOK},
		{"star admin", admin, "/o/stockport/audit", http.StatusOK},
		{"star admin", admin, "/o/stockport/settings/trafford", http.StatusNotFound},
		{"star admin", admin, "/o/northernbuild", http.StatusNotFound},
		{"star admin", admin, "/o/star/settings/nowhere", http.StatusNotFound},
		{"star buyer", buyer, "/o/trafford", http.StatusOK},
		{"star buyer", buyer, "/o/trafford/settings/trafford", http.StatusNotFound},
		{"stockport admin", partnerAdmin, "/o/stockport/settings/stockport", http.StatusOK},
		{"stockport admin", partnerAdmin, "/o/stockport/settings/trafford", http.StatusNotFound},
		{"stockport admin", partnerAdmin, "/o/star", http.StatusNotFound},
		{"stockport admin", partnerAdmin, "/o/star/settings/stockport", http.StatusNotFound},
	} {
		if resp, _ := get(t, tc.c, ts.URL+tc.path); resp.StatusCode != tc.want {
			t.Errorf("%s: %s: %d, want %d", tc.who, tc.path, resp.StatusCode, tc.want)
		}
	}
}
