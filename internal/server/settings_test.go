package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSettingsThatStrandDraftsSayWhichFirst(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	stockport := orgID(t, ts, "stockport")
	var ref, title string
	var value int64
	var measures int
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `
		SELECT t.reference, t.title, t.estimated_value, (SELECT count(*) FROM tender_measures m WHERE m.tender_id = t.id)
		FROM tenders t WHERE t.partner_id = $1 AND t.status = 'draft' ORDER BY t.reference LIMIT 1`, stockport).Scan(&ref, &title, &value, &measures); err != nil {
		t.Fatal(err)
	}
	if measures < 2 {
		t.Fatalf("the demo draft %s asks for %d measures: the test needs 2 or more", ref, measures)
	}
	form := func(threshold, maxMeasures string) url.Values {
		return url.Values{"threshold": {threshold}, "default_weighting": {"20"}, "local_area": {"BL, M, OL, SK, WA13, WA14, WA15, WA3, WN"},
			"max_measures": {maxMeasures}, "band_good": {"95"}, "band_approaching": {"90"}, "band_requires_improvement": {"85"},
			"version": {versionAt(t, ts, admin, "/o/star/settings/stockport")}}
	}
	before := snapshot(t, ts)
	// A threshold above the draft's value: the draft is named, with its value.
	above := (value/100 + 1)
	resp, body := post(t, admin, ts.URL+"/o/star/settings/stockport", form(itoa64(above), "6"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Raising the threshold to") || !strings.Contains(body, ref+": "+title) {
		t.Errorf("raising the threshold: %d, the draft %s is not named", resp.StatusCode, ref)
	}
	// A lower limit on measures than the draft asks for.
	resp, body = post(t, admin, ts.URL+"/o/star/settings/stockport", form("50000", "1"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Allowing at most 1 measure a tender") || !strings.Contains(body, ref+": "+title) {
		t.Errorf("lowering the measure limit: %d, the draft %s is not named", resp.StatusCode, ref)
	}
	unchanged(t, "changes waiting for their check", before, snapshot(t, ts))
	// A change that strands nothing saves at once.
	resp, _ = post(t, admin, ts.URL+"/o/star/settings/stockport", form("50000", "8"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a harmless change: %d, want it saved", resp.StatusCode)
	}
	// Bad input on the check's hidden fields still gets the form's errors.
	bad := form("lots", "1")
	bad.Set("confirmed", "yes")
	if resp, body := post(t, admin, ts.URL+"/o/star/settings/stockport", bad); resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(body, "threshold") {
		t.Errorf("a bad threshold with confirmed: %d", resp.StatusCode)
	}
}

func TestSwitchingOffAnEditionDraftsUseSaysWhichFirst(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	admin := signIn(t, ts, "admin@star.example")
	var edition int64
	var ref, title string
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `
		SELECT m.edition_id, t.reference, t.title FROM tenders t
		JOIN tender_measures tm ON tm.partner_id = t.partner_id AND tm.tender_id = t.id JOIN measures m ON m.id = tm.measure_id
		WHERE t.status = 'draft' ORDER BY t.reference LIMIT 1`).Scan(&edition, &ref, &title); err != nil {
		t.Fatal(err)
	}
	path := ts.URL + "/o/star/measures/" + itoa64(edition) + "/choice"
	before := snapshot(t, ts)
	resp, body := post(t, admin, path, url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check this change before you make it") || !strings.Contains(body, ref+": "+title) {
		t.Fatalf("switching off an edition a draft uses: %d, the draft %s is not named", resp.StatusCode, ref)
	}
	unchanged(t, "a switch-off waiting for its check", before, snapshot(t, ts))
	resp, _ = post(t, admin, path, url.Values{"confirmed": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", resp.StatusCode)
	}
	if _, body := get(t, admin, ts.URL+"/o/star/measures"); !strings.Contains(body, "may no longer use") {
		t.Error("no confirmation that the edition is off")
	}
	// Switching it back on strands nothing and needs no check.
	if resp, _ := post(t, admin, path, url.Values{"chosen": {"yes"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("switching it back on: %d", resp.StatusCode)
	}
}
