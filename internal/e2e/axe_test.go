package e2e

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored: see testdata/README.md.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeTags are the rule sets Tally meets: WCAG 2.2 AA and everything below.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// pageShape sums up what a page shows: its headings, controls, tables,
// tags and messages. A page whose state changes (a tender published, a
// return submitted) changes shape and is checked again; the same page
// visited again is not.
const pageShape = `Array.from(document.querySelectorAll(
	'h1, h2, h3, a, button, input, select, textarea, table, details, .govuk-tag, .govuk-error-summary, .govuk-notification-banner'))
	.map(e => e.tagName + '#' + e.id + ':' + (e.getAttribute('name') || e.textContent.trim().slice(0, 40))).join('|')`

// axe runs axe-core on the session's page, once per kind and shape of page
// in a visit, and reports every violation. It injects axe through the DevTools
// protocol, which the page's CSP does not govern and which works with the
// page's scripts disabled, so the page is checked as it is: with JavaScript
// off, the unenhanced page.
func (v *visit) axe(t *testing.T, s *session) {
	t.Helper()
	var where struct{ Path, Title, Shape string }
	if err := json.Unmarshal([]byte(s.eval(t, `({Path: location.pathname, Title: document.title, Shape: `+pageShape+`})`)), &where); err != nil {
		t.Fatal(err)
	}
	key := pageKey(where.Path, where.Title) + " " + fmt.Sprintf("%x", sha256.Sum256([]byte(where.Shape)))[:12]
	v.mu.Lock()
	seen := v.axed[key]
	v.axed[key] = true
	v.mu.Unlock()
	if seen {
		return
	}
	violations, err := runAxe(s.ctx, v.js)
	if err != nil {
		t.Fatalf("axe on %s: %v", where.Path, err)
	}
	if len(violations) > 0 {
		t.Errorf("axe found %d accessibility violations on %s (%q):\n%s", len(violations), where.Path, where.Title, formatViolations(violations))
	}
}

// axeRun is run after axe is injected. It resolves to the violations and
// the number of rules passed, as JSON, so the result crosses the protocol
// as one string.
var axeRun = fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})
	.then(r => JSON.stringify({violations: r.violations, passed: r.passes.length}))`, mustJSON(axeTags))

func runAxe(tab context.Context, js bool) ([]axeViolation, error) {
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== 'undefined'`))
	if err != nil {
		return nil, fmt.Errorf("look for axe: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			return nil, fmt.Errorf("inject axe: %w", err)
		}
	}
	if !js {
		// axe waits on timers, which do not fire while the page's scripts
		// are disabled. Turning scripts on now runs none of the page's own
		// (they were skipped as it loaded), so axe sees the page as it
		// rendered without JavaScript. They go off again before the next step.
		if err := setScripts(ctx, true); err != nil {
			return nil, err
		}
		defer setScripts(tab, false)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe: %w", err)
	}
	var res struct {
		Violations []axeViolation
		Passed     int
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return nil, fmt.Errorf("axe result: %w", err)
	}
	if res.Passed == 0 && len(res.Violations) == 0 {
		return nil, fmt.Errorf("axe checked nothing")
	}
	return res.Violations, nil
}

func formatViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s (%s): %s\n    %s\n", v.ID, v.Impact, v.Help, v.URL)
		for _, n := range v.Nodes {
			target, _ := json.Marshal(n.Target)
			fmt.Fprintf(&b, "    - %s\n      %s\n      %s\n", target, truncate(n.HTML, 200), strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestAxeReportsViolations proves the harness: axe, injected as the
// journeys inject it, finds faults in a page that has them, with the page's
// scripts on and off and a CSP that forbids every script.
func TestAxeReportsViolations(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "script-src 'none'") // styles allowed: the faint text needs its own
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Faulty</title></head><body><main>
			<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
			<input type="text" name="unlabelled">
			<p style="color:#ddd">Faint text</p></main></body></html>`)
	}))
	defer ts.Close()
	browser := startBrowser(t)
	for _, js := range []bool{true, false} {
		s := newVisit(&app{URL: ts.URL}, browser, js).tab(t)
		ctx, cancel := s.step()
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL)); err != nil {
			t.Fatal(err)
		}
		vs, err := runAxe(s.ctx, js)
		if err != nil {
			t.Fatalf("JavaScript %v: %v", js, err)
		}
		var ids []string
		for _, v := range vs {
			ids = append(ids, v.ID)
		}
		for _, want := range []string{"image-alt", "label", "color-contrast", "html-has-lang"} {
			if !slices.Contains(ids, want) {
				t.Errorf("JavaScript %v: axe did not report %s; it reported %v", js, want, ids)
			}
		}
	}
}
