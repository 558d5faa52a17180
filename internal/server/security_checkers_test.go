package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSecCheckersCatchWhatTheyLookFor proves the suite's own checks are not
// vacuous: each hostile string, pasted into a page unescaped, is caught,
// and the same string escaped as the server escapes it is not.
func TestSecCheckersCatchWhatTheyLookFor(t *testing.T) {
	t.Parallel()
	resp := &http.Response{Header: http.Header{"Content-Security-Policy": {"script-src 'self' 'nonce-abcdefghijklmnopqrstuv'"}}}
	page := func(s string) string {
		return `<!DOCTYPE html><html><head><title>T ` + s + `</title><script nonce="abcdefghijklmnopqrstuv">x()</script></head>` +
			`<body><!-- <script>comment</script> --><p>` + s + `</p><input value="` + s + `"><textarea>` + s + `</textarea>` +
			`<a href="/o/x?q=` + s + `">link</a></body></html>`
	}
	for _, s := range []string{secPayload("XSS99"), secShort("XSS98"), "<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`,
		"<svg onload=alert(1)>", `" onmouseover="alert(1)`, "</textarea><script>alert(1)</script>"} {
		if bad := secInert(resp, page(html.EscapeString(s))); len(bad) != 0 {
			t.Errorf("%q escaped: flagged %v", s, bad)
		}
		if bad := secInert(resp, page(s)); len(bad) == 0 {
			t.Errorf("%q unescaped: not flagged", s)
		}
	}
	for _, link := range []string{"javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "&#106;avascript:alert(1)",
		"data:text/html,<script>alert(1)</script>"} {
		if bad := secInert(resp, `<a href="`+link+`">x</a>`); len(bad) == 0 {
			t.Errorf("a link to %q: not flagged", link)
		}
	}
	if bad := secInert(resp, `<a href="/o/x">x</a><img src="/static/logo.png"><script nonce="abcdefghijklmnopqrstuv" src="/static/tally.js"></script>`); len(bad) != 0 {
		t.Errorf("Tally's own markup flagged: %v", bad)
	}
	if bad := secInert(resp, `<script nonce="guess" src="/static/tally.js"></script>`); len(bad) == 0 {
		t.Error("a script with the wrong nonce: not flagged")
	}

	bare := &http.Response{Header: http.Header{"Content-Type": {"text/html"}}, Request: &http.Request{URL: &url.URL{Path: "/o/x"}}}
	bad := strings.Join(secHeaderProblems(bare, true), "; ")
	for _, want := range []string{"Content-Security-Policy", "nosniff", "Referrer-Policy", "X-Frame-Options", "no-store"} {
		if !strings.Contains(bad, want) {
			t.Errorf("a response without headers: %q does not mention %s", bad, want)
		}
	}
	weak := &http.Response{Header: http.Header{"Content-Security-Policy": {"script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"}},
		Request: &http.Request{URL: &url.URL{Path: "/"}}}
	if bad := strings.Join(secHeaderProblems(weak, false), "; "); !strings.Contains(bad, "unsafe") {
		t.Errorf("a CSP with unsafe-inline: %q", bad)
	}
}
