package server_test

import (
	"net/http"
	"testing"
)

// A release that migrates first, by the expand rule (README, Deploying),
// leaves the older servers still running fully working: here every table
// gains a column, a new table and a new index appear and the schema
// version moves ahead, then the old binary signs people in, serves every
// page a crawl reaches as four roles and registers a tender.
func TestServesAfterExpandMigration(t *testing.T) {
	t.Parallel()
	e := tnSetup(t)
	ts := e.ts
	if _, err := ts.db.Owner.Exec(t.Context(), `
		DO $$
		DECLARE t text;
		BEGIN
			FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
			         AND tablename NOT IN ('schema_migrations') AND tablename NOT LIKE 'river%' LOOP
				EXECUTE format('ALTER TABLE %I ADD COLUMN expand_probe text', t);
			END LOOP;
		END $$;
		CREATE TABLE expand_probe_things (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
		CREATE INDEX expand_probe_tenders_idx ON tenders (expand_probe);
		UPDATE schema_migrations SET version = version + 1;`); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, ts.client(t), ts.URL+"/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
	people := []secWho{
		{name: "the shared service's buyer", c: signIn(t, ts, "buyer@star.example"), org: "star"},
		{name: "the shared service's director", c: signIn(t, ts, "director@star.example"), org: "star"},
		{name: "the shared service's contract manager", c: signIn(t, ts, "contracts@star.example"), org: "star"},
		{name: "a supplier", c: signIn(t, ts, "bids@northernbuild.example"), org: "northernbuild"},
	}
	for _, who := range people {
		pages := secCrawl(t, ts, who, []string{"/o/" + who.org, "/account"}, 1)
		if len(pages) < 10 {
			t.Errorf("%s: the crawl reached only %d pages", who.name, len(pages))
		}
		for _, p := range pages {
			if p.status >= 500 {
				t.Errorf("%s: %s answered %d", who.name, p.path, p.status)
			}
		}
	}
	buyer := signIn(t, ts, "buyer@stockport.example")
	if resp, body := tnPost(t, buyer, ts.URL+"/o/stockport/tenders/new", e.tenderForm("STK-EXPAND")); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("register a tender: %d\n%s", resp.StatusCode, body)
	}
}
