package server_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// demoServer is a test server on a fresh copy of the demo data (loaded
// once per test binary, then cloned).
func demoServer(t *testing.T) *testServer {
	t.Helper()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	return newTestServerOn(t, db)
}

// measuresLogin signs a demo account in and returns its client.
func measuresLogin(t *testing.T, ts *testServer, email string) *http.Client {
	t.Helper()
	c := ts.client(t)
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"email": {email}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, resp.StatusCode)
	}
	return c
}

func TestDemoEditionIsShownWithPlugin(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	for _, email := range []string{"director@star.example", "buyer@stockport.example", "bids@northernbuild.example"} {
		c := measuresLogin(t, ts, email)
		org := map[string]string{"director@star.example": "star", "buyer@stockport.example": "stockport", "bids@northernbuild.example": "northernbuild"}[email]
		resp, body := get(t, c, ts.URL+"/o/"+org+"/measures")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: measures %d", email, resp.StatusCode)
		}
		for _, want := range []string{"Open Demo Measures 2026", "Illustrative values", demo.CovidPlugin} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: /o/%s/measures lacks %q", email, org, want)
			}
		}
	}
	// Browsing, search and filters.
	c := measuresLogin(t, ts, "buyer@star.example")
	_, body := get(t, c, ts.URL+"/o/star/measures/1?plugin="+url.QueryEscape(demo.CovidPlugin))
	if !strings.Contains(body, ">COV1<") || strings.Contains(body, ">JOB1<") {
		t.Error("plug-in filter: want COV measures only")
	}
	_, body = get(t, c, ts.URL+"/o/star/measures/1?q=job1")
	if !strings.Contains(body, ">JOB1<") || strings.Contains(body, ">ENV1<") {
		t.Error("search by code: want JOB1 only")
	}
	_, body = get(t, c, ts.URL+"/o/star/measures/1")
	if !strings.Contains(body, "Record only") {
		t.Error("record-only measures are not shown as such")
	}
	// Hostile query strings are harmless.
	for _, q := range []string{"%", "_", `\`, "' OR 1=1 --", "\xff\xfe", "a\x00b", strings.Repeat("x", 5000)} {
		if resp, _ := get(t, c, ts.URL+"/o/star/measures/1?q="+url.QueryEscape(q)+"&theme="+url.QueryEscape(q)); resp.StatusCode != http.StatusOK {
			t.Errorf("q=%q: status %d", q, resp.StatusCode)
		}
	}
}

// upload posts a CSV file to the import form.
func upload(t *testing.T, c *http.Client, target string, csv []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "edition.csv")
	fw.Write(csv)
	mw.Close()
	resp, err := c.Post(target, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	c := measuresLogin(t, ts, "admin@star.example")

	// Export the demo edition, rename it, import it: a new edition.
	resp, exported := get(t, c, ts.URL+"/o/star/measures/1/export.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	renamed := strings.ReplaceAll(exported, "Open Demo Measures 2026", "Stockport Measures 2027")
	resp, _ = upload(t, c, ts.URL+"/o/star/measures/import", []byte(renamed))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d", resp.StatusCode)
	}
	newURL := resp.Header.Get("Location")
	_, again := get(t, c, ts.URL+newURL+"/export.csv")
	if again != renamed {
		t.Errorf("export of the re-imported edition differs:\n%s", cmp.Diff(renamed, again))
	}
	a, err1 := measurecsv.Parse(strings.NewReader(exported))
	b, err2 := measurecsv.Parse(bytes.NewReader(demo.EditionCSV))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if diff := cmp.Diff(b.Measures, a.Measures); diff != "" {
		t.Errorf("exported demo edition differs from the shipped file:\n%s", diff)
	}

	// The same name again is refused, and nothing is written.
	resp, body := upload(t, c, ts.URL+"/o/star/measures/import", []byte(renamed))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "already exists") {
		t.Errorf("duplicate edition: %d", resp.StatusCode)
	}
	var editions int
	ts.db.Owner.QueryRow(context.Background(), `SELECT count(*) FROM editions`).Scan(&editions)
	if editions != 2 {
		t.Errorf("%d editions, want 2", editions)
	}
}

func TestImportErrorsNameRowAndColumn(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	c := measuresLogin(t, ts, "admin@star.example")
	bad := "edition,theme,outcome,code,title,unit,proxy_gbp\n" +
		"New,Jobs,Work,J1,Local jobs,FTE,25000\n" +
		"New,Jobs,Work,J1,Duplicate,FTE,12.5\n" +
		"New,Jobs,Work,J2,Bad decimal,FTE,12.34567\n" +
		"New,Jobs,Work,J3,Negative,FTE,-5\n"
	resp, body := upload(t, c, ts.URL+"/o/star/measures/import", []byte(bad))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"3 problems", ">3<", ">4<", ">5<", "code", "proxy_gbp"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	var n int
	ts.db.Owner.QueryRow(context.Background(), `SELECT count(*) FROM editions WHERE name = 'New'`).Scan(&n)
	if n != 0 {
		t.Error("a rejected file was partly imported")
	}
	// Not an admin: 404, nothing imported.
	buyer := measuresLogin(t, ts, "buyer@star.example")
	if resp, _ := upload(t, buyer, ts.URL+"/o/star/measures/import", demo.EditionCSV); resp.StatusCode != http.StatusNotFound {
		t.Errorf("buyer import: %d, want 404", resp.StatusCode)
	}
}

func TestLocalMeasuresStayWithTheirPartner(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	ctx := context.Background()
	store := postgres.New(ts.db.App)
	stockport, _ := store.OrgBySlug(ctx, "stockport")
	admin, _, _ := store.UserByEmail(ctx, "admin@star.example")
	// Stockport's administrator is reached through the shared service; act
	// in Stockport's own scope as its admin page would.
	stockportAccess, err := store.Access(ctx, admin.ID, "stockport")
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.SaveLocalMeasure(ctx, stockportAccess.Scope, stockport.ID, tally.Measure{
		Theme: "Jobs", Outcome: "Local work", Code: "SK1", Title: "Stockport residents employed", Unit: "FTE",
		Proxy: 250000000, HasProxy: true}, 0)
	if err != nil {
		t.Fatal(err)
	}

	// Over HTTP: Stockport's page shows it; Trafford's pages 404 on it.
	c := measuresLogin(t, ts, "admin@star.example")
	if _, body := get(t, c, ts.URL+"/o/stockport/measures/local"); !strings.Contains(body, "Stockport residents employed") {
		t.Error("Stockport's local measures page lacks its measure")
	}
	if _, body := get(t, c, ts.URL+"/o/trafford/measures/local"); strings.Contains(body, "Stockport residents employed") {
		t.Error("Trafford's local measures page shows Stockport's measure")
	}
	path := "/measures/local/" + strconv.FormatInt(id, 10)
	if resp, _ := get(t, c, ts.URL+"/o/trafford"+path); resp.StatusCode != http.StatusNotFound {
		t.Errorf("Trafford reading Stockport's measure: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, c, ts.URL+"/o/stockport"+path); resp.StatusCode != http.StatusOK {
		t.Errorf("Stockport reading its measure: %d", resp.StatusCode)
	}
	resp, err := c.PostForm(ts.URL+"/o/trafford"+path+"/retire", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("Trafford retiring Stockport's measure: %d, want 404", resp.StatusCode)
	}

	// Under RLS: Trafford's scope sees zero rows.
	traffordAccess, _ := store.Access(ctx, admin.ID, "trafford")
	var n int
	err = store.InTx(ctx, traffordAccess.Scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM local_measures`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("Trafford's scope sees %d local measures (%v), want 0", n, err)
	}
	// And the row is untouched (read as a superuser, past RLS).
	admin2, err := pgx.Connect(ctx, ts.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin2.Close(ctx)
	var retired bool
	if err := admin2.QueryRow(ctx, `SELECT retired_at IS NOT NULL FROM local_measures WHERE id = $1 AND org_id = $2`, id, stockport.ID).Scan(&retired); err != nil {
		t.Fatal(err)
	}
	if retired {
		t.Error("Trafford retired Stockport's measure")
	}
}
