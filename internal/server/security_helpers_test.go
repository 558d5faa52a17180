package server_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// The security suite (security_*_test.go) probes the product as an attacker
// would, through the real router and PostgreSQL. docs/security.md says what
// each test proves. Its helpers are prefixed sec.

// secTag is one start tag as a browser's tokenizer reads it: the lower-case
// name and the attributes, values unescaped.
type secTag struct {
	name  string
	attrs [][2]string
}

func (t secTag) attr(name string) (string, bool) {
	for _, a := range t.attrs {
		if a[0] == name {
			return a[1], true
		}
	}
	return "", false
}

// secRawText are elements whose content is text up to their end tag, not
// markup.
var secRawText = []string{"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"}

// secTags reads the start tags of an HTML document the way the HTML
// tokenizer does (comments, end tags and the text of raw-text elements are
// not tags), so that text the server failed to escape shows up as elements.
func secTags(body string) []secTag {
	lower := secLowerASCII(body)
	var tags []secTag
	for i := 0; i < len(body); {
		lt := strings.IndexByte(body[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		rest := body[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				return tags
			}
			i += 4 + end + 3
			continue
		case strings.HasPrefix(rest, "</"), strings.HasPrefix(rest, "<!"), strings.HasPrefix(rest, "<?"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return tags
			}
			i += end + 1
			continue
		case len(rest) < 2 || !secLetter(rest[1]):
			i++
			continue
		}
		j := 1
		for j < len(rest) && !secSpace(rest[j]) && rest[j] != '/' && rest[j] != '>' {
			j++
		}
		tag := secTag{name: secLowerASCII(rest[1:j])}
		for j < len(rest) {
			for j < len(rest) && (secSpace(rest[j]) || rest[j] == '/') {
				j++
			}
			if j >= len(rest) || rest[j] == '>' {
				break
			}
			k := j + 1 // a name may start with "="
			for k < len(rest) && !secSpace(rest[k]) && rest[k] != '/' && rest[k] != '>' && rest[k] != '=' {
				k++
			}
			name := secLowerASCII(rest[j:k])
			j = k
			for j < len(rest) && secSpace(rest[j]) {
				j++
			}
			value := ""
			if j < len(rest) && rest[j] == '=' {
				j++
				for j < len(rest) && secSpace(rest[j]) {
					j++
				}
				if j < len(rest) && (rest[j] == '"' || rest[j] == '\'') {
					end := strings.IndexByte(rest[j+1:], rest[j])
					if end < 0 {
						end = len(rest) - j - 1
					}
					value = rest[j+1 : j+1+end]
					j += end + 2
				} else {
					k := j
					for k < len(rest) && !secSpace(rest[k]) && rest[k] != '>' {
						k++
					}
					value, j = rest[j:k], k
				}
			}
			tag.attrs = append(tag.attrs, [2]string{name, html.UnescapeString(value)})
		}
		tags = append(tags, tag)
		i += min(j+1, len(rest))
		if slices.Contains(secRawText, tag.name) {
			end := strings.Index(lower[i:], "</"+tag.name)
			if end < 0 {
				return tags
			}
			i += end
		}
	}
	return tags
}

func secLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func secSpace(c byte) bool  { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// secLowerASCII lowers ASCII letters only, so byte offsets stay put.
func secLowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

var secNonceRE = regexp.MustCompile(`'nonce-([^']+)'`)

// secURLAttrs are the attributes a browser follows as URLs.
var secURLAttrs = []string{"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "ping", "cite", "srcset"}

// secInert lists what on a page could run script: event-handler
// attributes, script URLs, frames and plug-ins, and scripts without the
// response's CSP nonce. Tally's own pages have none of these.
func secInert(resp *http.Response, body string) []string {
	var bad []string
	nonce := ""
	if m := secNonceRE.FindStringSubmatch(resp.Header.Get("Content-Security-Policy")); m != nil {
		nonce = m[1]
	}
	for _, tag := range secTags(body) {
		switch tag.name {
		case "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal":
			bad = append(bad, "a <"+tag.name+"> element")
		case "script":
			if n, _ := tag.attr("nonce"); nonce == "" || n != nonce {
				bad = append(bad, "a <script> without the response's nonce")
			}
		case "meta":
			if _, ok := tag.attr("http-equiv"); ok {
				bad = append(bad, "a <meta http-equiv>")
			}
		case "img":
			if src, _ := tag.attr("src"); !strings.HasPrefix(src, "/static/") && !strings.HasPrefix(src, "data:image/") {
				bad = append(bad, "an <img> from "+src)
			}
		}
		for _, a := range tag.attrs {
			name, value := a[0], a[1]
			switch {
			case strings.HasPrefix(name, "on"):
				bad = append(bad, "<"+tag.name+" "+name+"=…>")
			case name == "srcdoc":
				bad = append(bad, "<"+tag.name+" srcdoc>")
			case slices.Contains(secURLAttrs, name):
				// Browsers drop tabs and new lines in URLs and trim them.
				u := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, value))
				for _, scheme := range []string{"javascript:", "vbscript:", "data:text/html", "data:image/svg"} {
					if strings.HasPrefix(u, scheme) {
						bad = append(bad, "<"+tag.name+" "+name+"="+value+">")
					}
				}
			}
		}
	}
	return bad
}

// secWho is a signed-in (or signed-out, with no roles) person and the
// organisation whose pages the crawl visits for them.
type secWho struct {
	name  string
	c     *http.Client
	org   string
	roles []tally.Role
}

// secAllowed reports whether who may use a route allowing roles (from the
// permission table) in their organisation.
func secAllowed(roles []tally.Role, who secWho) bool {
	for _, r := range roles {
		if r == "public" || r == "signed-in" && len(who.roles) > 0 || slices.Contains(who.roles, r) {
			return true
		}
	}
	return false
}

// secSeeds are the GET paths of every route who may use, with the
// parameters filled from each world in turn (the organisation is who's).
// Routes whose parameters a world lacks are left to the worlds that have
// them; static files are found by following the pages' links.
func secSeeds(t *testing.T, ts *testServer, who secWho, worlds ...map[string]string) []string {
	t.Helper()
	var out []string
	perms := ts.srv.Permissions()
	for _, r := range routes(t, ts.srv) {
		if r.method != http.MethodGet || strings.Contains(r.pattern, "*") || !secAllowed(perms[r.key()], who) {
			continue
		}
		for _, w := range worlds {
			values := map[string]string{"org": who.org}
			for k, v := range w {
				values[k] = v
			}
			if path, ok := fill(r.pattern, values); ok && !slices.Contains(out, path) {
				out = append(out, path)
			}
		}
	}
	return out
}

// secPage is one response seen by a crawl.
type secPage struct {
	who, path, pattern string
	status             int
	resp               *http.Response
	body               string
}

func (p secPage) html() bool {
	return strings.HasPrefix(p.resp.Header.Get("Content-Type"), "text/html")
}

// secCrawl GETs each seed, then follows the site's own links (anchors,
// stylesheets, scripts, images, GET forms and redirects) from what it
// finds, visiting at most perPattern discovered URLs per route so that
// long lists do not make it slow. No GET may fail with a 5xx.
func secCrawl(t *testing.T, ts *testServer, who secWho, seeds []string, perPattern int) []secPage {
	t.Helper()
	seen := map[string]bool{}
	visits := map[string]int{}
	queue := append([]string(nil), seeds...)
	nSeeds := len(queue)
	var pages []secPage
	for n := 0; n < len(queue); n++ {
		path := queue[n]
		if seen[path] {
			continue
		}
		u, err := url.Parse(path)
		if err != nil {
			continue
		}
		pattern := ts.srv.Router().Find(chi.NewRouteContext(), http.MethodGet, u.Path)
		if n >= nSeeds {
			if pattern == "" || visits[pattern] >= perPattern {
				continue
			}
			visits[pattern]++
		}
		seen[path] = true
		resp, body := get(t, who.c, ts.URL+path)
		p := secPage{who: who.name, path: path, pattern: pattern, status: resp.StatusCode, resp: resp, body: body}
		pages = append(pages, p)
		if loc := resp.Header.Get("Location"); loc != "" {
			queue = append(queue, secLocal(u, loc)...)
		}
		if p.html() {
			for _, tag := range secTags(body) {
				var link string
				switch tag.name {
				case "a", "link":
					link, _ = tag.attr("href")
				case "script", "img":
					link, _ = tag.attr("src")
				case "form":
					if m, _ := tag.attr("method"); strings.EqualFold(m, "get") {
						link, _ = tag.attr("action")
					}
				}
				if link != "" {
					queue = append(queue, secLocal(u, link)...)
				}
			}
		}
	}
	return pages
}

// secLocal resolves link against base and returns it (path and query) if
// it stays on the site.
func secLocal(base *url.URL, link string) []string {
	ref, err := url.Parse(link)
	if err != nil || ref.Scheme != "" || ref.Host != "" {
		return nil
	}
	u := base.ResolveReference(ref)
	u.Fragment = ""
	if u.Path == "" {
		return nil
	}
	return []string{u.RequestURI()}
}

// secIDs are the ids of other tenants' and suppliers' records that a hostile
// form names in fields no form has.
type secIDs struct {
	trafford, nationalfm, rochdaleDirector int64
}

// Magic values a tampered field carries; no stored row may hold them.
const (
	secMagicNumber = "987654321"
	secMagicDate   = "2001-02-03"
)

// secExtras are fields that no form has, naming another partner, another
// supplier, another user, a status and scores. A handler that stored any of
// them would let a user pick the tenant, the owner or the outcome.
func (ids secIDs) secExtras() url.Values {
	n := secMagicNumber
	return url.Values{
		"partner_id": {itoa64(ids.trafford)}, "org_id": {itoa64(ids.trafford)}, "partner": {"trafford"},
		"supplier_id": {itoa64(ids.nationalfm)}, "user_id": {itoa64(ids.rochdaleDirector)},
		"created_by": {itoa64(ids.rochdaleDirector)}, "invited_by": {itoa64(ids.rochdaleDirector)},
		"status": {"rejected"}, "decision": {"verified"}, "role": {"admin"}, "roles": {"admin"},
		"mark": {"5"}, "score": {n}, "weighted": {n}, "total": {n}, "points": {n}, "rank": {"1"},
		"value": {n}, "social_value": {n}, "bid_price_pence": {n}, "submitted_value": {n}, "delivered": {n},
		"submitted_offers": {n}, "revision": {n}, "counted": {"true"}, "sealed_until": {secMagicDate},
		"deadline": {secMagicDate}, "published_at": {secMagicDate}, "awarded_at": {secMagicDate},
		"id": {n}, "tender_id": {n}, "offer_id": {n}, "contract_id": {n}, "return_id": {n}, "kpi_id": {n},
	}
}

// secWith adds the extras a form does not already have.
func secWith(form, extras url.Values) url.Values {
	out := url.Values{}
	for k, v := range extras {
		out[k] = v
	}
	for k, v := range form {
		out[k] = v
	}
	return out
}

// secMultipart posts fields and one file as a browser's multipart form.
func secMultipart(t *testing.T, c *http.Client, target string, fields url.Values, fileField, fileName string, data []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
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
	if resp.StatusCode >= 500 {
		t.Errorf("POST %s: status %d", target, resp.StatusCode)
	}
	return resp, string(body)
}

// secInt runs a query that returns one number, as a superuser.
func secInt(t *testing.T, ts *testServer, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := adminPool(t, ts.db).QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// secStrings runs a query that returns one text column, as a superuser.
func secStrings(t *testing.T, ts *testServer, q string, args ...any) []string {
	t.Helper()
	rows, err := adminPool(t, ts.db).Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// secTables lists the application's tables.
func secTables(t *testing.T, ts *testServer) []string {
	t.Helper()
	return secStrings(t, ts, `SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
}
