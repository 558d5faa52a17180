package server_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Every editable record carries a version: a form posted from a version
// someone else has replaced answers 409, keeps what was typed, says what
// is saved now, writes nothing, and saves when posted again (the 409
// page's form carries the current version).

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// formVersion is the hidden version on a form page.
func formVersion(t *testing.T, body string) string {
	t.Helper()
	m := versionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the form carries no version")
	}
	return m[1]
}

// versionAt is the version on the form at path, as c sees it.
func versionAt(t *testing.T, ts *testServer, c *http.Client, path string) string {
	t.Helper()
	resp, body := get(t, c, ts.URL+path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return formVersion(t, body)
}

// staleSave checks the answer to a form posted from a replaced version:
// 409, nothing written, the conflict message and what changed, the typed
// values kept; it returns the version the page now carries.
func staleSave(t *testing.T, ts *testServer, c *http.Client, path string, form url.Values, thing string, typed, saved []string) string {
	t.Helper()
	before := snapshot(t, ts)
	resp, body := post(t, c, ts.URL+path, form)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("stale save of %s: %d, want 409\n%s", path, resp.StatusCode, body)
	}
	unchanged(t, "a stale save", before, snapshot(t, ts))
	want := "Someone else saved this " + thing + " while you were editing it. Check their changes below, then save again."
	if !strings.Contains(body, html.EscapeString(want)) || !strings.Contains(body, `href="#what-changed"`) {
		t.Errorf("the 409 page does not say %q in its error summary", want)
	}
	if !strings.Contains(body, `id="what-changed"`) || !strings.Contains(body, "What is saved now, and what is in your form") {
		t.Error("the 409 page does not show what changed")
	}
	for _, s := range typed {
		if !strings.Contains(body, html.EscapeString(s)) {
			t.Errorf("the 409 page lost %q as typed", s)
		}
	}
	for _, s := range saved {
		if !strings.Contains(body, html.EscapeString(s)) {
			t.Errorf("the 409 page does not show %q, saved now", s)
		}
	}
	if !strings.HasPrefix(regexpFind(t, body, `<title>([^<]*)</title>`), "Error: ") {
		t.Error("the 409 page's title does not start with Error:")
	}
	return formVersion(t, body)
}

// Two stale edits of one tender: one saved, the other 409; the second
// saves once posted again from the 409 page.
func TestStaleTenderEdit(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	ts := e.ts
	alice := measuresLogin(t, ts, "buyer@stockport.example")
	bob := measuresLogin(t, ts, "buyer@star.example")
	resp, body := tnPost(t, alice, ts.URL+"/o/stockport/tenders/new", e.tenderForm("VER-1"))
	id := tnID(t, resp, "")
	edit := "/o/stockport/tenders/" + itoa64(id) + "/edit"
	bobEdit := "/o/star/tenders/" + itoa64(id) + "/edit"

	// Both open the draft's form at the same version.
	va := versionAt(t, ts, alice, edit)
	vb := versionAt(t, ts, bob, bobEdit)
	if va != vb {
		t.Fatalf("versions %s and %s", va, vb)
	}
	a := e.tenderForm("VER-1")
	a.Set("title", "Grounds maintenance, as Alice saved it")
	a.Set("version", va)
	if resp, body = post(t, alice, ts.URL+edit, a); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", resp.StatusCode, body)
	}

	b := e.tenderForm("VER-1")
	b.Set("description", "Bob's description of the parks work.")
	b["measure"] = []string{"m" + itoa64(e.job1)}
	b.Set("version", vb)
	nv := staleSave(t, ts, bob, bobEdit, b, "tender",
		[]string{"Bob's description of the parks work.", "Grounds maintenance VER-1"},
		[]string{"Grounds maintenance, as Alice saved it", "JOB1, ENV1, JOB6"})
	if nv == vb {
		t.Error("the 409 page still carries the stale version")
	}
	if title := e.str(t, `SELECT title FROM tenders WHERE id = $1`, id); title != "Grounds maintenance, as Alice saved it" {
		t.Errorf("after the stale save the title is %q", title)
	}

	// Posting the 409 page's form again is a deliberate overwrite.
	b.Set("version", nv)
	if resp, body = post(t, bob, ts.URL+bobEdit, b); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save again: %d\n%s", resp.StatusCode, body)
	}
	if title := e.str(t, `SELECT title || ' / ' || description FROM tenders WHERE id = $1`, id); title != "Grounds maintenance VER-1 / Bob's description of the parks work." {
		t.Errorf("after saving again the tender is %q", title)
	}
	if n := e.int(t, `SELECT count(*) FROM tender_measures WHERE tender_id = $1`, id); n != 1 {
		t.Errorf("after saving again the tender asks for %d measures, want 1", n)
	}
	// A form without a version (an old page) is not saved over the draft.
	delete(b, "version")
	resp, _ = post(t, bob, ts.URL+bobEdit, b)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("a form without a version: %d, want 409", resp.StatusCode)
	}
}

func (e *tnEnv) str(t *testing.T, q string, args ...any) string {
	t.Helper()
	var s string
	if err := e.admin.QueryRow(t.Context(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}
