package server_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// supplierNames are the supplier names in a suppliers page's table, in order.
func supplierNames(body string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`href="/o/[a-z]+/suppliers/[a-z0-9-]+">([^<]+)</a>`).FindAllStringSubmatch(body, -1) {
		names = append(names, m[1])
	}
	return names
}

// The suppliers list filters (local to the viewer's councils, SME, VCSE),
// sorts, and pages, keeping the filters on every page link.
func TestSuppliersListFiltersSortsAndPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	dbBuild(t, ts, dbScenario())
	hub := measuresLogin(t, ts, "director@hub.test")
	north := measuresLogin(t, ts, "director@north.test")

	for _, c := range []struct {
		who   string
		query string
		want  []string
	}{
		// North's area is M and SK, South's OL and WA3 (not WA4).
		{"hub", "", []string{"Cheshire Engineering", "Community Kitchens", "Leeds Fabrication", "Mill Lane Builders",
			"National Services plc", "Salford Care", "Warrington Works", "York Digital"}},
		{"hub", "?show=local", []string{"Community Kitchens", "Mill Lane Builders", "Salford Care", "Warrington Works"}},
		{"north", "?show=local", []string{"Mill Lane Builders", "Salford Care"}},
		{"hub", "?show=sme&show=vcse", []string{"Community Kitchens", "Salford Care"}},
		{"hub", "?show=local&show=sme&sort=name-desc", []string{"Warrington Works", "Salford Care", "Mill Lane Builders", "Community Kitchens"}},
		{"hub", "?sort=size", []string{"Community Kitchens", "Mill Lane Builders", "Salford Care", "York Digital",
			"Leeds Fabrication", "Warrington Works", "Cheshire Engineering", "National Services plc"}},
		{"hub", "?sort=nonsense", []string{"Cheshire Engineering", "Community Kitchens", "Leeds Fabrication", "Mill Lane Builders",
			"National Services plc", "Salford Care", "Warrington Works", "York Digital"}},
	} {
		client, org := hub, "hub"
		if c.who == "north" {
			client, org = north, "north"
		}
		resp, body := get(t, client, ts.URL+"/o/"+org+"/suppliers"+c.query)
		if resp.StatusCode != 200 {
			t.Fatalf("%s%s: %d", org, c.query, resp.StatusCode)
		}
		if got := supplierNames(body); !slices.Equal(got, c.want) {
			t.Errorf("%s suppliers%s: %v, want %v", org, c.query, got, c.want)
		}
		for _, v := range []string{"local", "sme", "vcse"} {
			ticked := regexp.MustCompile(`value="` + v + `"[^>]*checked`).MatchString(body)
			if want := strings.Contains(c.query, "show="+v); ticked != want {
				t.Errorf("%s suppliers%s: the %s box is ticked %t, want %t", org, c.query, v, ticked, want)
			}
		}
	}

	// Fifty more suppliers: two pages, the filters kept on the links.
	admin, err := pgx.Connect(context.Background(), ts.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(), `
		INSERT INTO organisations (kind, slug, name, postcode, size, vcse)
		SELECT 'supplier', 'zz' || i, 'Zetland Supplies ' || lpad(i::text, 2, '0'), 'ZE1 0AA', 'small', i % 2 = 0
		FROM generate_series(1, 50) i`); err != nil {
		t.Fatal(err)
	}
	_, first := get(t, hub, ts.URL+"/o/hub/suppliers?show=sme")
	if !strings.Contains(first, "56 suppliers") || len(supplierNames(first)) != 50 ||
		!strings.Contains(first, `href="/o/hub/suppliers?page=2&amp;show=sme"`) {
		t.Errorf("page 1 of 56 SMEs: %d rows, caption or page 2 link missing", len(supplierNames(first)))
	}
	_, second := get(t, hub, ts.URL+"/o/hub/suppliers?show=sme&page=2")
	if got := supplierNames(second); len(got) != 6 || got[5] != "Zetland Supplies 50" {
		t.Errorf("page 2 of 56 SMEs: %v", got)
	}
	_, beyond := get(t, hub, ts.URL+"/o/hub/suppliers?show=sme&page=9")
	if len(supplierNames(beyond)) != 0 || !strings.Contains(beyond, "56 suppliers") {
		t.Error("a page past the end does not say how many suppliers match")
	}
}
