package server_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// Each role sees its own actions on a return at every status, and nothing
// else (issue 14): the supplier its form, the contract manager its checks
// (and the supplier's form only on the separate on-behalf page, for a
// draft), the director neither.
func TestRtEachRoleSeesItsOwnActionsAtEveryStatus(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	ctx := context.Background()
	db := rtAdmin(t, ts)
	p := rtEndedPeriod(t, ts, "stockport", 2)
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)
	if resp, body := rtUpload(t, sup, page+"/evidence", rtVersion(t, sup, page), "register.pdf", rtPDF(300, 'q')); resp.StatusCode != 303 {
		t.Fatalf("upload: %d\n%.1000s", resp.StatusCode, body)
	}
	cm := measuresLogin(t, ts, "contracts@star.example")
	director := measuresLogin(t, ts, "director@star.example")
	staffPage := fmt.Sprintf("%s/o/star/returns/%d", ts.URL, id)

	markers := map[string]string{
		"form":     `name="narrative"`,
		"continue": `name="action" value="submit"`,
		"remove":   `name="remove"`,
		"upload":   `name="file"`,
		"answer":   "Your answer",
		"verify":   "Save decisions",
		"behalf":   "Fill in this return for the supplier",
	}
	const supplierForm = "continue form remove upload"
	for _, st := range []struct {
		name  string
		setup string // SQL on return $1 and its first KPI $2
		want  map[string]string
	}{
		{"draft", `UPDATE returns SET status = 'draft' WHERE id = $1 AND $2 > 0`, map[string]string{
			"supplier": supplierForm, "contract manager": "behalf", "contract manager, on behalf": supplierForm, "director": ""}},
		{"submitted", `UPDATE returns SET status = 'submitted', attest_contract = true, attest_period = true WHERE id = $1 AND $2 > 0`, nil},
		{"queried, other lines unchecked", `
			WITH l AS (UPDATE return_lines SET decision = CASE WHEN kpi_id = $2 THEN 'queried' ELSE 'pending' END,
			                                  note = CASE WHEN kpi_id = $2 THEN 'Which sites?' ELSE '' END WHERE return_id = $1)
			UPDATE returns SET status = 'queried' WHERE id = $1`, map[string]string{
			"supplier": "answer " + supplierForm, "contract manager": "verify", "contract manager, on behalf": "verify", "director": ""}},
		{"queried, other lines checked", `
			WITH l AS (UPDATE return_lines SET decision = CASE WHEN kpi_id = $2 THEN 'queried' ELSE 'verified' END,
			                                  note = CASE WHEN kpi_id = $2 THEN 'Which sites?' ELSE '' END WHERE return_id = $1)
			UPDATE returns SET status = 'queried' WHERE id = $1`, map[string]string{
			"supplier": "answer " + supplierForm, "contract manager": "", "contract manager, on behalf": "", "director": ""}},
		{"checked", `
			WITH l AS (UPDATE return_lines SET decision = 'verified', note = '' WHERE return_id = $1)
			UPDATE returns SET status = 'complete' WHERE id = $1 AND $2 > 0`, map[string]string{
			"supplier": "", "contract manager": "", "contract manager, on behalf": "", "director": ""}},
	} {
		if st.name == "submitted" {
			if _, err := db.Exec(ctx, `UPDATE return_lines SET decision = 'pending', note = '' WHERE return_id = $1`, id); err != nil {
				t.Fatal(err)
			}
			st.want = map[string]string{"supplier": "", "contract manager": "verify", "contract manager, on behalf": "verify", "director": ""}
		}
		if _, err := db.Exec(ctx, st.setup, id, p.KPIs[0]); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for _, who := range []struct {
			name string
			get  func() (int, string)
		}{
			{"supplier", func() (int, string) { r, b := get(t, sup, page); return r.StatusCode, b }},
			{"contract manager", func() (int, string) { r, b := get(t, cm, staffPage); return r.StatusCode, b }},
			{"contract manager, on behalf", func() (int, string) { r, b := get(t, cm, staffPage+"/on-behalf"); return r.StatusCode, b }},
			{"director", func() (int, string) { r, b := get(t, director, staffPage); return r.StatusCode, b }},
		} {
			status, body := who.get()
			if status != 200 {
				t.Errorf("%s, %s: %d", st.name, who.name, status)
				continue
			}
			var seen []string
			for name, marker := range markers {
				if strings.Contains(body, marker) {
					seen = append(seen, name)
				}
			}
			sort.Strings(seen)
			if got := strings.Join(seen, " "); got != st.want[who.name] {
				t.Errorf("%s, %s sees %q, want %q", st.name, who.name, got, st.want[who.name])
			}
		}
	}
}
