package e2e

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// overflowing lists what sticks out past the right edge of the window and
// is not inside a container that scrolls sideways: the things that make a
// phone's whole page scroll sideways.
const overflowing = `(() => {
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= w) return [];
	const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
		const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
	return Array.from(document.body.querySelectorAll('*'))
		.filter(e => e.getBoundingClientRect().right > w + 1 && !scrolls(e))
		.filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1))
		.slice(0, 5)
		.map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') + ': ' + (e.textContent || '').trim().slice(0, 60));
})()`

// idRE turns the numbers in a path into a placeholder, so that the walk
// visits one page of each kind.
var idRE = regexp.MustCompile(`/\d+`)

// TestNothingOverflowsOnAPhone walks every page each demo person reaches
// from their organisation's home page, following the site's own links, in
// a 375 px wide window (a small phone), and checks that nothing makes the
// page scroll sideways: wide tables must scroll inside their own container.
// axe checks each kind of page on the way, at that width.
func TestNothingOverflowsOnAPhone(t *testing.T) {
	t.Parallel()
	browser := startBrowser(t)
	a := newApp(t)
	v := newVisit(a, browser, false)
	for _, who := range []struct{ email, home string }{
		{"director@star.example", "/o/star/"},
		{"buyer@stockport.example", "/o/stockport/"},
		{"admin@star.example", "/o/star/"},
		{"contracts@trafford.example", "/o/trafford/"},
		{"bids@northernbuild.example", "/o/northernbuild/"},
	} {
		t.Run(who.email, func(t *testing.T) {
			t.Parallel()
			s := v.signIn(t, who.email)
			s.do(t, "narrow the window", chromedp.EmulateViewport(375, 800))
			queue, seen, kinds := []string{who.home, "/account"}, map[string]bool{}, map[string]int{}
			for len(queue) > 0 && len(seen) < 40 {
				path := queue[0]
				queue = queue[1:]
				kind := idRE.ReplaceAllString(strings.SplitN(path, "?", 2)[0], "/{id}")
				if seen[path] || kinds[kind] >= 1 {
					continue
				}
				seen[path], kinds[kind] = true, kinds[kind]+1
				ctx, cancel := s.step()
				resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(a.URL+path))
				cancel()
				if err != nil || resp == nil {
					t.Fatalf("open %s: %v", path, err)
				}
				if resp.Status != 200 {
					t.Errorf("%s links to %s, which answers %d: a dead end", who.email, path, resp.Status)
					continue
				}
				v.axe(t, s)
				var bad []string
				if err := json.Unmarshal([]byte(s.eval(t, overflowing)), &bad); err != nil {
					t.Fatal(err)
				}
				if len(bad) > 0 {
					t.Errorf("%s at 375 px scrolls sideways; sticking out:\n  %s", path, strings.Join(bad, "\n  "))
				}
				var links []string
				if err := json.Unmarshal([]byte(s.eval(t, `Array.from(document.querySelectorAll("a[href]")).map(a => a.getAttribute("href"))`)), &links); err != nil {
					t.Fatal(err)
				}
				for _, l := range links {
					if u, err := url.Parse(l); err == nil && u.Host == "" && strings.HasPrefix(u.Path, "/o/") && walkable(u.Path) {
						queue = append(queue, u.RequestURI())
					}
				}
			}
		})
	}
}

// walkable reports whether the walk should open a link: pages, not files
// to download.
func walkable(path string) bool {
	for _, skip := range []string{".csv", ".xlsx", ".json", "/evidence/", "/template."} {
		if strings.Contains(path, skip) {
			return false
		}
	}
	return true
}
