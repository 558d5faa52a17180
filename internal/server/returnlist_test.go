package server_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// rtListRows is the list's body rows, each as its cells' text.
func rtListRows(body string) [][]string {
	tbody := body[strings.Index(body, `<tbody class="govuk-table__body">`):]
	tbody = tbody[:strings.Index(tbody, "</tbody>")]
	tag := regexp.MustCompile(`<[^>]+>`)
	var rows [][]string
	for _, tr := range strings.Split(tbody, "<tr")[1:] {
		var cells []string
		for _, td := range strings.Split(tr, "<td")[1:] {
			cells = append(cells, strings.Join(strings.Fields(tag.ReplaceAllString("<td"+td, " ")), " "))
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestRtListColumnsSayWhatTheyHold(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	ctx := context.Background()
	db := rtAdmin(t, ts)
	councils := map[string]bool{}
	rows, _ := db.Query(ctx, `SELECT name FROM organisations WHERE kind = 'partner'`)
	for rows.Next() {
		var n string
		rows.Scan(&n)
		councils[n] = true
	}
	rows.Close()

	sup := measuresLogin(t, ts, "bids@northernbuild.example")
	resp, body := get(t, sup, ts.URL+"/o/northernbuild/returns?status=complete")
	if resp.StatusCode != 200 {
		t.Fatalf("supplier's list: %d", resp.StatusCode)
	}
	if !strings.Contains(body, ">Council") || strings.Contains(body, ">Supplier<") {
		t.Error("the supplier's list does not head its council column Council")
	}
	list := rtListRows(body)
	if len(list) == 0 {
		t.Fatal("the supplier's list of checked returns is empty")
	}
	for _, r := range list {
		if !councils[r[1]] {
			t.Errorf("the supplier's Council column holds %q, not a council", r[1])
		}
		if !strings.Contains(r[4], "Checked") {
			t.Errorf("filtered to checked, a row says %q", r[4])
		}
	}

	cm := measuresLogin(t, ts, "contracts@star.example")
	_, body = get(t, cm, ts.URL+"/o/star/returns?overdue=yes&sort=party&order=ascending")
	if !strings.Contains(body, "Supplier") {
		t.Error("the staff list has no Supplier column")
	}
	list = rtListRows(body)
	if len(list) == 0 {
		t.Fatal("no overdue returns in the demo")
	}
	for i, r := range list {
		if councils[r[1]] {
			t.Errorf("the staff Supplier column holds a council, %q", r[1])
		}
		if !strings.Contains(r[4], "Overdue") {
			t.Errorf("filtered to overdue, a row says %q", r[4])
		}
		if i > 0 && strings.ToLower(list[i-1][1]) > strings.ToLower(r[1]) {
			t.Errorf("sorted by supplier A to Z, %q comes before %q", list[i-1][1], r[1])
		}
	}
	if !strings.Contains(body, `aria-sort="ascending"`) {
		t.Error("the sorted column does not say so")
	}
	// Long lists come a page at a time, keeping the filters.
	_, body = get(t, cm, ts.URL+"/o/star/returns")
	if len(rtListRows(body)) != 50 || !strings.Contains(body, `govuk-pagination`) {
		t.Errorf("the full list: %d rows, pagination %t; want 50 and pages", len(rtListRows(body)), strings.Contains(body, "govuk-pagination"))
	}
	_, body = get(t, cm, ts.URL+"/o/star/returns?status=submitted&page=2")
	for _, r := range rtListRows(body) {
		if !strings.Contains(r[4], "Awaiting verification") {
			t.Errorf("page 2 of returns awaiting verification holds %q", r[4])
		}
	}
	// Hostile values are ignored, never an error.
	for _, q := range []string{"?sort=x;DROP&order=sideways", "?status=%00", "?page=-5", "?q=%27%22%3C"} {
		if resp, _ := get(t, cm, ts.URL+"/o/star/returns"+q); resp.StatusCode != 200 {
			t.Errorf("GET returns%s: %d", q, resp.StatusCode)
		}
	}
}
