package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/tally"
)

// evBidder is a supplier with a standing offer on a demo tender.
type evBidder struct {
	slug, name string
	offer      int64
}

// evTender is a demo tender found by its state, with its bidders.
type evTender struct {
	id             int64
	ref, title     string
	partner        string // slug
	bidders        []evBidder
	evaluationPath string // under the partner
}

// evAdmin is a superuser connection to the test's database, past
// row-level security, for finding demo data and checking the truth.
func evAdmin(t *testing.T, ts *testServer) *pgx.Conn {
	t.Helper()
	admin, err := pgx.Connect(context.Background(), ts.db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	return admin
}

// evFindTender finds the first demo tender of partner matching state, an
// SQL condition on tenders t, with at least two bidders. The demo awards
// its past tenders, so closed and unawarded is "t.status = 'published' AND
// t.deadline <= now()".
func evFindTender(t *testing.T, admin *pgx.Conn, partner, state string) evTender {
	t.Helper()
	ctx := context.Background()
	var tn evTender
	err := admin.QueryRow(ctx, `
		SELECT t.id, t.reference, t.title, p.slug FROM tenders t JOIN organisations p ON p.id = t.partner_id
		WHERE p.slug = $1 AND `+state+`
		  AND (SELECT count(*) FROM offers f WHERE f.tender_id = t.id AND f.status = 'submitted') >= 2
		ORDER BY t.id LIMIT 1`, partner).Scan(&tn.id, &tn.ref, &tn.title, &tn.partner)
	if err != nil {
		t.Fatalf("no %s tender of %s: %v", state, partner, err)
	}
	rows, err := admin.Query(ctx, `
		SELECT o.slug, o.name, s.offer_id
		FROM (SELECT DISTINCT ON (offer_id) * FROM offer_submissions WHERE tender_id = $1 ORDER BY offer_id, revision DESC) s
		JOIN organisations o ON o.id = s.supplier_id
		WHERE s.kind = 'submit' ORDER BY o.name`, tn.id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b evBidder
		if err := rows.Scan(&b.slug, &b.name, &b.offer); err != nil {
			t.Fatal(err)
		}
		tn.bidders = append(tn.bidders, b)
	}
	if rows.Err() != nil || len(tn.bidders) < 2 {
		t.Fatalf("bidders on %s: %v %v", tn.ref, tn.bidders, rows.Err())
	}
	tn.evaluationPath = "/tenders/" + strconv.FormatInt(tn.id, 10) + "/evaluation"
	return tn
}

const evClosed = "t.status = 'published' AND t.deadline <= now()"

// evPost sends a form as a browser would from one of Tally's own pages.
func evPost(t *testing.T, c *http.Client, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// evCount counts rows past row-level security.
func evCount(t *testing.T, admin *pgx.Conn, q string, args ...any) int {
	t.Helper()
	var n int
	if err := admin.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestEvEvaluationIsForTheTendersOwnEvaluators(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	admin := evAdmin(t, ts)
	stockport := evFindTender(t, admin, "stockport", evClosed)
	trafford := evFindTender(t, admin, "trafford", evClosed)
	open := evFindTender(t, admin, "stockport", "t.status = 'published' AND t.deadline > now()")
	bidder := stockport.bidders[0]

	status := func(c *http.Client, path string) int {
		t.Helper()
		resp, _ := get(t, c, ts.URL+path)
		return resp.StatusCode
	}
	pages := func(org string, tn evTender) []string {
		base := "/o/" + org + tn.evaluationPath
		return []string{base, base + ".csv", base + ".xlsx"}
	}
	writes := func(org string, tn evTender) []string {
		base := "/o/" + org + tn.evaluationPath
		return []string{base + "/moderate", base + "/scores", base + "/award"}
	}

	// Its own buyers reach it, directly and through the shared service.
	buyer := measuresLogin(t, ts, "buyer@stockport.example")
	star := measuresLogin(t, ts, "buyer@star.example")
	for _, p := range pages("stockport", stockport) {
		if s := status(buyer, p); s != http.StatusOK {
			t.Errorf("Stockport's buyer: %s is %d, want 200", p, s)
		}
	}
	if s := status(star, "/o/star"+stockport.evaluationPath); s != http.StatusOK {
		t.Errorf("the shared service's buyer: %d, want 200", s)
	}

	cases := []struct {
		who   string
		email string
		paths []string
	}{
		{"a bidder in its own organisation", "bids@" + bidder.slug + ".example", pages(bidder.slug, stockport)},
		{"a bidder through the partner", "bids@" + bidder.slug + ".example", pages("stockport", stockport)},
		{"a bidder through the shared service", "bids@" + bidder.slug + ".example", pages("star", stockport)},
		{"another partner's buyer, in its own organisation", "buyer@stockport.example", pages("stockport", trafford)},
		{"another partner's buyer, through the partner", "buyer@stockport.example", pages("trafford", trafford)},
		{"Trafford's contract manager on Stockport's tender", "contracts@trafford.example", append(pages("trafford", stockport), pages("stockport", stockport)...)},
		{"a contract manager on its own partner's tender", "contracts@trafford.example", pages("trafford", trafford)},
		{"the buyer while the tender is open", "buyer@stockport.example", pages("stockport", open)},
		{"the director", "director@star.example", pages("star", stockport)},
	}
	for _, tc := range cases {
		c := measuresLogin(t, ts, tc.email)
		for _, p := range tc.paths {
			if s := status(c, p); s != http.StatusNotFound {
				t.Errorf("%s: GET %s is %d, want 404", tc.who, p, s)
			}
		}
	}
	// The open tender itself is there: only its offers are sealed.
	if s := status(buyer, "/o/stockport/tenders/"+strconv.FormatInt(open.id, 10)); s != http.StatusOK {
		t.Errorf("the open tender's page is %d", s)
	}

	// Nobody outside can change it either; an evaluator may not award.
	supplier := measuresLogin(t, ts, "bids@"+bidder.slug+".example")
	other := measuresLogin(t, ts, "buyer@stockport.example")
	evaluator := measuresLogin(t, ts, "evaluator@star.example")
	form := url.Values{"offer": {strconv.FormatInt(bidder.offer, 10)}, "reason": {"Because"}, "accepted": {"0"}}
	posts := []struct {
		who  string
		c    *http.Client
		path string
	}{
		{"the bidder", supplier, "/o/" + bidder.slug + stockport.evaluationPath + "/award"},
		{"the bidder", supplier, "/o/stockport" + stockport.evaluationPath + "/award"},
		{"the evaluator", evaluator, "/o/star" + stockport.evaluationPath + "/award"},
	}
	for _, p := range writes("stockport", trafford) {
		posts = append(posts, struct {
			who  string
			c    *http.Client
			path string
		}{"another partner's buyer", other, p})
	}
	for _, p := range writes("stockport", open) {
		posts = append(posts, struct {
			who  string
			c    *http.Client
			path string
		}{"the buyer while open", buyer, p})
	}
	for _, p := range posts {
		if resp, _ := evPost(t, p.c, ts.URL+p.path, form); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: POST %s is %d, want 404", p.who, p.path, resp.StatusCode)
		}
	}
	for _, table := range []string{"line_moderations", "offer_evaluations"} {
		if n := evCount(t, admin, `SELECT count(*) FROM `+table+` WHERE tender_id = ANY ($1)`, []int64{stockport.id, trafford.id, open.id}); n != 0 {
			t.Errorf("%d rows written to %s", n, table)
		}
	}
	if n := evCount(t, admin, `SELECT count(*) FROM contracts WHERE tender_id = ANY ($1)`, []int64{stockport.id, trafford.id, open.id}); n != 0 {
		t.Errorf("%d contracts written", n)
	}
}

// evScoreRow is one offer's figures, from the page's grid or the
// evaluation record.
type evScoreRow struct {
	BidPrice, Value, Percent, Quantitative, Mark, Qualitative, SocialValue, Weighted, Price, Quality, Total, Rank string
	Flagged                                                                                                       bool
}

var (
	evScoresTable = regexp.MustCompile(`(?s)<table class="govuk-table" id="scores">(.*?)</table>`)
	evOfferHead   = regexp.MustCompile(`(?s)<th scope="col" class="govuk-table__header[^"]*" data-offer="(\d+)">\s*<a class="govuk-link" href="#bid-\d+">(.*?)</a>(.*?)</th>`)
	evScoreTR     = regexp.MustCompile(`(?s)<tr class="govuk-table__row tally-eval-score" data-row="([a-z-]+)">(.*?)</tr>`)
	evOfferCell   = regexp.MustCompile(`(?s)<td[^>]*data-offer="(\d+)"[^>]*>(.*?)</td>`)
	evTag         = regexp.MustCompile(`<[^>]*>`)
)

// evGrid reads the evaluation page's grid: row key → offer id → text.
func evGrid(t *testing.T, body string) (names map[string]string, flagged map[string]bool, rows map[string]map[string]string) {
	t.Helper()
	m := evScoresTable.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the evaluation page has no grid")
	}
	names, flagged, rows = map[string]string{}, map[string]bool{}, map[string]map[string]string{}
	for _, h := range evOfferHead.FindAllStringSubmatch(m[1], -1) {
		names[h[1]] = evText(h[2])
		flagged[h[1]] = strings.Contains(h[3], "Check")
	}
	for _, r := range evScoreTR.FindAllStringSubmatch(m[1], -1) {
		rows[r[1]] = map[string]string{}
		for _, c := range evOfferCell.FindAllStringSubmatch(r[2], -1) {
			rows[r[1]][c[1]] = evText(c[2])
		}
		if len(rows[r[1]]) != len(names) {
			t.Fatalf("grid row %s has %d cells for %d offers", r[1], len(rows[r[1]]), len(names))
		}
	}
	return names, flagged, rows
}

func evText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(evTag.ReplaceAllString(s, " "))), " ")
}

// evPounds turns the page's "£1,234.56" into the record's "1234.56".
func evPounds(s string) string { return strings.NewReplacer("£", "", ",", "").Replace(s) }

// evPageScores reads the grid's figures, by supplier.
func evPageScores(t *testing.T, body string) map[string]evScoreRow {
	t.Helper()
	names, flagged, rows := evGrid(t, body)
	out := map[string]evScoreRow{}
	for id, name := range names {
		out[name] = evScoreRow{BidPrice: evPounds(rows["bid-price"][id]), Value: evPounds(rows["value"][id]), Percent: rows["percent"][id],
			Quantitative: rows["quantitative"][id], Mark: rows["mark"][id], Qualitative: rows["qualitative"][id],
			SocialValue: rows["social-value"][id], Weighted: rows["weighted"][id], Price: rows["price"][id], Quality: rows["quality"][id],
			Total: rows["total"][id], Rank: rows["rank"][id], Flagged: flagged[id]}
	}
	return out
}

// evRecord is the evaluation record: its header and rows.
type evRecord struct {
	head []string
	rows [][]string
}

func (r evRecord) col(name string) int {
	for i, h := range r.head {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}

func (r evRecord) get(row []string, name string) string { return row[r.col(name)] }

// scores gathers each offer's figures from the record's line rows,
// checking every line of an offer repeats the same ones.
func (r evRecord) scores(t *testing.T) map[string]evScoreRow {
	t.Helper()
	out := map[string]evScoreRow{}
	for _, row := range r.rows {
		s := evScoreRow{BidPrice: r.get(row, "bid_price"), Value: r.get(row, "offer_social_value"),
			Percent: r.get(row, "offer_social_value_percent") + "%", Quantitative: r.get(row, "quantitative_score"),
			Mark: r.get(row, "mark") + " of 5", Qualitative: r.get(row, "qualitative_score"), SocialValue: r.get(row, "social_value_score"),
			Weighted: r.get(row, "weighted_points"), Price: r.get(row, "price_points"), Quality: r.get(row, "quality_points"),
			Total: r.get(row, "total"), Rank: r.get(row, "rank"), Flagged: r.get(row, "check_flags") != ""}
		name := r.get(row, "supplier")
		if prev, ok := out[name]; ok && prev != s {
			t.Errorf("%s: lines disagree on the offer's figures: %+v and %+v", name, prev, s)
		}
		out[name] = s
	}
	return out
}

func evCSV(t *testing.T, c *http.Client, target string) evRecord {
	t.Helper()
	resp, body := get(t, c, target)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	all, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(all) < 2 {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	return evRecord{head: all[0], rows: all[1:]}
}

var evAcceptedInput = regexp.MustCompile(`id="accepted-(\d+)-(\d+)" name="accepted" type="text" value="([^"]*)"`)

// TestEvEvaluationRecordMatchesThePage moderates and marks a demo tender
// through the page's forms, then checks the CSV and Excel records say what
// the page says, with formula-like text made harmless.
func TestEvEvaluationRecordMatchesThePage(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	admin := evAdmin(t, ts)
	tn := evFindTender(t, admin, "stockport", evClosed)
	c := measuresLogin(t, ts, "buyer@stockport.example")
	base := ts.URL + "/o/stockport" + tn.evaluationPath

	// Moderate the first committed line to half, with a hostile reason.
	_, body := get(t, c, base)
	var offer, measure, submitted string
	for _, m := range evAcceptedInput.FindAllStringSubmatch(body, -1) {
		if q, err := tally.ParseQuantity(m[3]); err == nil && q >= 2 {
			offer, measure, submitted = m[1], m[2], m[3]
			break
		}
	}
	if offer == "" {
		t.Fatal("no committed line to moderate on the page")
	}
	q, _ := tally.ParseQuantity(submitted)
	accepted := (q / 2).String()
	const hostile = `=cmd|' /C calc'!A0`
	resp, body := evPost(t, c, base+"/moderate", url.Values{"offer": {offer}, "measure": {measure}, "accepted": {accepted}, "reason": {hostile}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("moderate: %d\n%s", resp.StatusCode, body)
	}
	// Marks and points for every offer.
	scores := url.Values{}
	for i, b := range tn.bidders {
		id := strconv.FormatInt(b.offer, 10)
		scores.Set("mark-"+id, strconv.Itoa((i+2)%6))
		scores.Set("price-"+id, strconv.Itoa(40+7*i)+".5")
		scores.Set("quality-"+id, strconv.Itoa(20-3*i)+".25")
	}
	if resp, body := evPost(t, c, base+"/scores", scores); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("scores: %d\n%s", resp.StatusCode, body)
	}

	_, body = get(t, c, base)
	page := evPageScores(t, body)
	record := evCSV(t, c, base+".csv")
	if len(page) != len(tn.bidders) {
		t.Fatalf("the page scores %d offers, want %d", len(page), len(tn.bidders))
	}
	got := record.scores(t)
	for name, want := range page {
		if got[name] != want {
			t.Errorf("%s:\n record %+v\n   page %+v", name, got[name], want)
		}
	}
	if len(got) != len(page) {
		t.Errorf("the record has %d offers, the page %d", len(got), len(page))
	}
	// Every offer has a row per measure; the moderated line keeps what was
	// submitted, and its reason cannot run as a formula.
	var measures int
	admin.QueryRow(context.Background(), `SELECT count(*) FROM tender_measures WHERE tender_id = $1`, tn.id).Scan(&measures)
	if len(record.rows) != measures*len(tn.bidders) {
		t.Errorf("%d record rows, want %d measures × %d offers", len(record.rows), measures, len(tn.bidders))
	}
	moderated := 0
	for _, row := range record.rows {
		if reason := record.get(row, "moderation_reason"); reason != "" {
			moderated++
			if reason != "'"+hostile || record.get(row, "submitted_quantity") != submitted || record.get(row, "accepted_quantity") != accepted {
				t.Errorf("moderated row: reason %q, submitted %q, accepted %q", reason, record.get(row, "submitted_quantity"), record.get(row, "accepted_quantity"))
			}
		}
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s starts a formula: %q", record.head[i], cell)
			}
		}
	}
	if moderated != 1 {
		t.Errorf("%d moderated rows, want 1", moderated)
	}
	if !strings.Contains(body, html.EscapeString(hostile)) {
		t.Error("the page does not show the moderation reason as typed")
	}

	// The Excel record has the same rows, as text and numbers, never formulas.
	resp, err := c.Get(base + ".xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	xb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("xlsx: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatalf("the Excel record does not open: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 1 {
		t.Fatalf("sheets %q", sheets)
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	want := append([][]string{record.head}, record.rows...)
	if len(rows) != len(want) {
		t.Fatalf("Excel has %d rows, CSV %d", len(rows), len(want))
	}
	for i := range want {
		for j, w := range want[i] {
			x := ""
			if j < len(rows[i]) {
				x = rows[i][j]
			}
			if !evSameCell(x, w) {
				t.Errorf("row %d %s: Excel %q, CSV %q", i+1, record.head[j], x, w)
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if formula, _ := f.GetCellFormula(sheets[0], cell); formula != "" {
				t.Errorf("%s is a formula: %q", cell, formula)
			}
		}
	}
}

// evSameCell compares an Excel cell with its CSV cell: the same text, the
// same number however formatted, or the text the CSV neutralised.
func evSameCell(xlsx, csvCell string) bool {
	if xlsx == csvCell || "'"+xlsx == csvCell {
		return true
	}
	a, err1 := strconv.ParseFloat(xlsx, 64)
	b, err2 := strconv.ParseFloat(csvCell, 64)
	return err1 == nil && err2 == nil && a == b
}

// evEmail is an email the server wrote to its log.
type evEmail struct {
	Msg     string `json:"msg"`
	To      string `json:"to"`
	Subject string `json:"subject"`
}

func evEmails(ts *testServer) []evEmail {
	var out []evEmail
	for _, line := range ts.mailLines() {
		var e evEmail
		if json.Unmarshal([]byte(line), &e) == nil && strings.HasPrefix(e.Msg, "email") && e.To != "" {
			out = append(out, e)
		}
	}
	return out
}

var evAwardOption = regexp.MustCompile(`(?s)name="offer" type="radio" value="(\d+)".*?<label[^>]*>([^<]*)</label>\s*<div[^>]*>([^<]*)</div>`)

func TestEvAwardMakesTheContractAndTellsEveryBidder(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	admin := evAdmin(t, ts)
	tn := evFindTender(t, admin, "stockport", evClosed)
	buyer := measuresLogin(t, ts, "buyer@stockport.example")
	base := ts.URL + "/o/stockport" + tn.evaluationPath

	// Nothing is ranked or awarded until every offer is marked.
	_, body := get(t, buyer, base)
	for name, row := range evPageScores(t, body) {
		if row.Mark != "not marked" || row.Qualitative != "not marked" || row.Total != "not marked" || row.Rank != "not ranked" {
			t.Errorf("%s unmarked: %+v", name, row)
		}
	}
	today := time.Now().In(tally.London())
	first := url.Values{"offer": {strconv.FormatInt(tn.bidders[0].offer, 10)}, "reason": {"Typed before marking"},
		"awarded-day": {strconv.Itoa(today.Day())}, "awarded-month": {strconv.Itoa(int(today.Month()))}, "awarded-year": {strconv.Itoa(today.Year())}}
	resp, body := evPost(t, buyer, base+"/award", first)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Mark the delivery statements of") ||
		!strings.Contains(body, `value="`+first.Get("offer")+`" checked`) || !strings.Contains(body, ">Typed before marking</textarea>") {
		t.Fatalf("award before marking: %d\n%s", resp.StatusCode, body)
	}
	marks := url.Values{}
	for i, b := range tn.bidders {
		marks.Set("mark-"+strconv.FormatInt(b.offer, 10), strconv.Itoa(5-i%6))
	}
	if resp, body := evPost(t, buyer, base+"/scores", marks); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("marks: %d\n%s", resp.StatusCode, body)
	}

	// Award to an offer other than the top total: it needs a reason.
	_, body = get(t, buyer, base)
	for name, row := range evPageScores(t, body) {
		if row.Price != "not recorded" || row.Quality != "not recorded" || row.Rank == "not ranked" || row.Total == "not marked" {
			t.Errorf("%s marked, without points: %+v", name, row)
		}
	}
	for _, row := range evCSV(t, buyer, base+".csv").rows {
		if row[21] != "" || row[22] != "" || row[24] == "" {
			t.Errorf("record without points: price %q, quality %q, rank %q", row[21], row[22], row[24])
		}
	}
	var top, winner evBidder
	for _, m := range evAwardOption.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		b := evBidder{name: html.UnescapeString(m[2]), offer: id}
		for _, bb := range tn.bidders {
			if bb.offer == id {
				b.slug = bb.slug
			}
		}
		switch {
		case strings.Contains(m[3], "(top total)"):
			if top.offer == 0 {
				top = b
			}
		case winner.offer == 0:
			winner = b
		}
	}
	if top.slug == "" || winner.slug == "" {
		t.Fatalf("award options: top %+v, other %+v", top, winner)
	}
	record := evCSV(t, buyer, base+".csv")
	var kpis []string
	for _, row := range record.rows {
		if record.get(row, "supplier") == winner.name && record.get(row, "accepted_quantity") != "0" {
			kpis = append(kpis, record.get(row, "measure"))
		}
	}
	award := url.Values{"offer": {strconv.FormatInt(winner.offer, 10)}, "awarded-day": first["awarded-day"],
		"awarded-month": first["awarded-month"], "awarded-year": first["awarded-year"]}
	resp, body = evPost(t, buyer, base+"/award", award)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Give a reason") ||
		!strings.Contains(body, `value="`+award.Get("offer")+`" checked`) {
		t.Fatalf("award to the second without a reason: %d", resp.StatusCode)
	}
	reason := "-Preferred to " + top.name + ", which failed the financial standing check"
	award.Set("reason", reason)
	// First the buyer checks the answers: nothing is awarded yet.
	resp, body = evPost(t, buyer, base+"/award", award)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your answers") {
		t.Fatalf("check answers: %d\n%s", resp.StatusCode, body)
	}
	var bidPrice tally.Pence
	admin.QueryRow(context.Background(), `SELECT bid_price FROM offers WHERE id = $1`, winner.offer).Scan(&bidPrice)
	for _, want := range append([]string{html.EscapeString(winner.name), format.Money(bidPrice), html.EscapeString(reason),
		"Change<span class=\"govuk-visually-hidden\"> the offer chosen", `name="confirm" value="yes"`}, kpis...) {
		if !strings.Contains(body, want) {
			t.Errorf("the check answers page lacks %q", want)
		}
	}
	if n := evCount(t, admin, `SELECT count(*) FROM contracts WHERE tender_id = $1`, tn.id); n != 0 {
		t.Fatalf("checking the answers made %d contracts", n)
	}
	// Change brings the choice back.
	change := regexp.MustCompile(`href="([^"]*evaluation\?[^"]*)"`).FindStringSubmatch(body)
	if change == nil {
		t.Fatal("no Change link")
	}
	if _, page := get(t, buyer, ts.URL+html.UnescapeString(change[1])); !strings.Contains(page, `value="`+award.Get("offer")+`" checked`) ||
		!strings.Contains(page, html.EscapeString(reason)+"</textarea>") {
		t.Error("Change does not bring back the offer and reason")
	}
	award.Set("confirm", "yes")
	resp, body = evPost(t, buyer, base+"/award", award)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("award: %d\n%s", resp.StatusCode, body)
	}
	contractPath := resp.Header.Get("Location")
	if !regexp.MustCompile(`^/o/stockport/contracts/\d+$`).MatchString(contractPath) {
		t.Fatalf("award redirects to %q", contractPath)
	}
	contractID := contractPath[strings.LastIndex(contractPath, "/")+1:]
	contractNum, _ := strconv.ParseInt(contractID, 10, 64)

	// The contract page: the winner, the bid price, a KPI per committed line.
	var bid tally.Pence
	admin.QueryRow(context.Background(), `SELECT bid_price FROM offers WHERE id = $1`, winner.offer).Scan(&bid)
	resp, body = get(t, buyer, ts.URL+contractPath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("contract page: %d", resp.StatusCode)
	}
	for _, want := range append([]string{html.EscapeString(winner.name), bid.String(), tn.title}, kpis...) {
		if !strings.Contains(body, want) {
			t.Errorf("the contract page lacks %q", want)
		}
	}
	if len(kpis) == 0 || evCount(t, admin, `SELECT count(*) FROM kpis WHERE contract_id = $1`, contractNum) != len(kpis) {
		t.Errorf("want %d KPIs (%v)", len(kpis), kpis)
	}

	// Every bidder is told, by email and in the app, and only about itself.
	emails := evEmails(ts)
	for _, b := range tn.bidders {
		var got []evEmail
		for _, e := range emails {
			if e.To == "bids@"+b.slug+".example" {
				got = append(got, e)
			}
		}
		want := "your offer was not successful"
		if b.offer == winner.offer {
			want = "you have won the contract"
		}
		if len(got) != 1 || !strings.Contains(got[0].Subject, tn.ref) || !strings.Contains(got[0].Subject, want) {
			t.Errorf("emails to %s: %+v, want one saying %q", b.slug, got, want)
		}
		if n := evCount(t, admin, `SELECT count(*) FROM notifications n JOIN organisations o ON o.id = n.org_id
			WHERE o.slug = $1 AND n.subject LIKE '%' || $2 || '%'`, b.slug, tn.ref); n != 1 {
			t.Errorf("%d notifications for %s", n, b.slug)
		}
	}
	if len(emails) != len(tn.bidders) {
		t.Errorf("%d emails for %d bidders", len(emails), len(tn.bidders))
	}

	// The record keeps the award and its reason, neutralised.
	record = evCSV(t, buyer, base+".csv")
	for _, row := range record.rows {
		awarded := record.get(row, "supplier") == winner.name
		if (record.get(row, "awarded") == "yes") != awarded || awarded && record.get(row, "award_reason") != "'"+reason {
			t.Errorf("record row for %s: awarded %q, reason %q", record.get(row, "supplier"), record.get(row, "awarded"), record.get(row, "award_reason"))
		}
	}
	// A second award is refused on the evaluation page, and nothing changes.
	award.Set("offer", strconv.FormatInt(top.offer, 10))
	resp, body = evPost(t, buyer, base+"/award", award)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "has been awarded") || !strings.Contains(body, html.EscapeString(tn.title)) ||
		!strings.Contains(body, html.EscapeString(winner.name)) {
		t.Errorf("second award: %d\n%s", resp.StatusCode, body)
	}
	if n := evCount(t, admin, `SELECT count(*) FROM contracts WHERE tender_id = $1`, tn.id); n != 1 {
		t.Errorf("%d contracts for the tender", n)
	}
	if len(evEmails(ts)) != len(tn.bidders) {
		t.Error("the refused award sent emails")
	}

	// The winner sees its contract, with nothing about the other bids.
	sup := measuresLogin(t, ts, "bids@"+winner.slug+".example")
	resp, body = get(t, sup, ts.URL+"/o/"+winner.slug+"/contracts/"+contractID)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, bid.String()) {
		t.Fatalf("the winner's contract page: %d", resp.StatusCode)
	}
	for _, b := range tn.bidders {
		if b.offer != winner.offer && strings.Contains(body, html.EscapeString(b.name)) {
			t.Errorf("the winner's contract page names another bidder, %s", b.name)
		}
	}
	if _, list := get(t, sup, ts.URL+"/o/"+winner.slug+"/contracts"); !strings.Contains(list, "/contracts/"+contractID+`"`) {
		t.Error("the winner's contracts list lacks the contract")
	}
	for _, p := range []string{"/o/" + winner.slug + tn.evaluationPath, "/o/stockport/contracts/" + contractID} {
		if resp, _ := get(t, sup, ts.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the winner: GET %s is %d, want 404", p, resp.StatusCode)
		}
	}
	// A losing bidder gets 404, and its list does not have it.
	loser := measuresLogin(t, ts, "bids@"+top.slug+".example")
	for _, p := range []string{"/o/" + top.slug + "/contracts/" + contractID, "/o/" + winner.slug + "/contracts/" + contractID} {
		if resp, _ := get(t, loser, ts.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a losing bidder: GET %s is %d, want 404", p, resp.StatusCode)
		}
	}
	if _, list := get(t, loser, ts.URL+"/o/"+top.slug+"/contracts"); strings.Contains(list, "/contracts/"+contractID+`"`) {
		t.Error("a losing bidder's contracts list has the contract")
	}
	// Another partner's staff get 404 too.
	trafford := measuresLogin(t, ts, "contracts@trafford.example")
	for _, p := range []string{"/o/trafford/contracts/" + contractID, "/o/stockport/contracts/" + contractID} {
		if resp, _ := get(t, trafford, ts.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("Trafford's contract manager: GET %s is %d, want 404", p, resp.StatusCode)
		}
	}

	// A KPI's targets change only with a reason, and only by the partner.
	var kpiID int64
	var periods int
	admin.QueryRow(context.Background(), `SELECT k.id, count(*) FROM kpis k JOIN kpi_targets t ON t.kpi_id = k.id
		WHERE k.contract_id = $1 GROUP BY k.id, k.position ORDER BY k.position LIMIT 1`, contractNum).Scan(&kpiID, &periods)
	kpiPath := "/contracts/" + contractID + "/kpis/" + strconv.FormatInt(kpiID, 10)
	targets := url.Values{}
	for i := 1; i <= periods; i++ {
		targets.Set("target-"+strconv.Itoa(i), strconv.Itoa(i))
	}
	for _, p := range []struct {
		c    *http.Client
		path string
	}{{sup, "/o/" + winner.slug + kpiPath}, {trafford, "/o/trafford" + kpiPath}, {trafford, "/o/stockport" + kpiPath}} {
		if resp, _ := evPost(t, p.c, ts.URL+p.path, url.Values{"reason": {"Ours now"}, "target-1": {"1"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p.path, resp.StatusCode)
		}
	}
	if resp, _ := evPost(t, buyer, ts.URL+"/o/stockport"+kpiPath, targets); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("KPI change without a reason: %d, want 422", resp.StatusCode)
	}
	if n := evCount(t, admin, `SELECT count(*) FROM audit_log WHERE action = 'kpi.change'`); n != 0 {
		t.Errorf("%d KPI changes audited before any was made", n)
	}
	targets.Set("reason", "Mobilisation moved by a quarter")
	targets.Set("version", versionAt(t, ts, buyer, "/o/stockport"+kpiPath))
	if resp, body := evPost(t, buyer, ts.URL+"/o/stockport"+kpiPath, targets); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("KPI change: %d\n%s", resp.StatusCode, body)
	}
	if n := evCount(t, admin, `SELECT count(*) FROM audit_log WHERE action = 'kpi.change' AND detail->>'reason' = 'Mobilisation moved by a quarter'`); n != 1 {
		t.Errorf("%d KPI changes audited, want 1", n)
	}
	if n := evCount(t, admin, `SELECT sum(target)::int FROM kpi_targets WHERE kpi_id = $1`, kpiID); n != periods*(periods+1)/2*1000 {
		t.Errorf("targets sum to %d thousandths", n)
	}
}

// TestEvExportsOfAnyReference: a tender reference is free text, and a
// spreadsheet's sheet names are not.
func TestEvExportsOfAnyReference(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	admin := evAdmin(t, ts)
	tn := evFindTender(t, admin, "stockport", evClosed)
	const ref = "SMBC/2026:019 [Lot 1] — Café? *new*"
	if _, err := admin.Exec(context.Background(), `UPDATE tenders SET reference = $2 WHERE id = $1`, tn.id, ref); err != nil {
		t.Fatal(err)
	}
	c := measuresLogin(t, ts, "buyer@stockport.example")
	base := ts.URL + "/o/stockport" + tn.evaluationPath
	record := evCSV(t, c, base+".csv")
	if got := record.get(record.rows[0], "tender"); got != ref {
		t.Errorf("the record's tender is %q", got)
	}
	resp, err := c.Get(base + ".xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(resp.Body)
	if err != nil {
		t.Fatalf("the Excel record does not open: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil || len(rows) != len(record.rows)+1 || rows[1][0] != ref {
		t.Errorf("Excel rows: %d, %v", len(rows), err)
	}
}

// TestEvHostileInputIsRefusedPolitely posts nonsense to every evaluation
// form: each answer is a 4xx with a message, the page keeps what was sent,
// and nothing is written.
func TestEvHostileInputIsRefusedPolitely(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	admin := evAdmin(t, ts)
	tn := evFindTender(t, admin, "stockport", evClosed)
	elsewhere := evFindTender(t, admin, "trafford", evClosed)
	past := evFindTender(t, admin, "stockport", "t.status = 'awarded'")
	c := measuresLogin(t, ts, "buyer@stockport.example")
	base := ts.URL + "/o/stockport" + tn.evaluationPath
	id := strconv.FormatInt(tn.bidders[0].offer, 10)
	other := strconv.FormatInt(tn.bidders[1].offer, 10)
	var measure string
	admin.QueryRow(context.Background(), `SELECT id::text FROM tender_measures WHERE tender_id = $1 ORDER BY id LIMIT 1`, tn.id).Scan(&measure)
	today := time.Now().In(tally.London())
	date := func(v url.Values, d time.Time) url.Values {
		v.Set("awarded-day", strconv.Itoa(d.Day()))
		v.Set("awarded-month", strconv.Itoa(int(d.Month())))
		v.Set("awarded-year", strconv.Itoa(d.Year()))
		return v
	}
	huge := strings.Repeat("9", 40)
	cases := []struct {
		name, path string
		form       url.Values
		status     int
		kept       []string // what the page must show back
	}{
		{"letters in price points", "/scores", url.Values{"mark-" + id: {"3"}, "price-" + id: {"forty"}}, 422, []string{`value="forty"`, `value="3" checked`}},
		{"negative quality points", "/scores", url.Values{"mark-" + other: {"0"}, "quality-" + id: {"-5"}}, 422, []string{`value="-5"`, `value="0" checked`}},
		{"huge points", "/scores", url.Values{"price-" + id: {huge}}, 422, []string{`value="` + huge + `"`}},
		{"too precise points", "/scores", url.Values{"price-" + id: {"12.345"}}, 422, []string{`value="12.345"`}},
		{"a mark out of range", "/scores", url.Values{"mark-" + id: {"9"}, "price-" + id: {"50"}}, 422, []string{`value="50"`}},
		{"letters for a mark", "/scores", url.Values{"mark-" + id: {"five"}}, 422, nil},
		{"letters in the accepted quantity", "/moderate", url.Values{"offer": {id}, "measure": {measure}, "accepted": {"lots"}, "reason": {"Typed reason"}}, 422, []string{`value="lots"`, "Typed reason</textarea>"}},
		{"a negative accepted quantity", "/moderate", url.Values{"offer": {id}, "measure": {measure}, "accepted": {"-1"}, "reason": {"x"}}, 422, []string{`value="-1"`}},
		{"a huge accepted quantity", "/moderate", url.Values{"offer": {id}, "measure": {measure}, "accepted": {huge}, "reason": {"x"}}, 422, nil},
		{"a control character in the reason", "/moderate", url.Values{"offer": {id}, "measure": {measure}, "accepted": {"0"}, "reason": {"a\x00b"}}, 422, nil},
		{"no offer to moderate", "/moderate", url.Values{"measure": {measure}, "accepted": {"0"}, "reason": {"x"}}, 404, nil},
		{"letters for the offer to moderate", "/moderate", url.Values{"offer": {"abc"}, "measure": {measure}, "accepted": {"0"}}, 404, nil},
		{"another tender's offer to moderate", "/moderate", url.Values{"offer": {strconv.FormatInt(past.bidders[0].offer, 10)}, "measure": {measure}, "accepted": {"0"}, "reason": {"x"}}, 404, nil},
		{"award without choosing", "/award", date(url.Values{"reason": {"Kept reason"}}, today), 422, []string{"Select an offer to award", "Kept reason</textarea>"}},
		{"award to letters", "/award", date(url.Values{"offer": {"abc"}}, today), 422, []string{"Select an offer to award"}},
		{"award to another partner's offer", "/award", date(url.Values{"offer": {strconv.FormatInt(elsewhere.bidders[0].offer, 10)}, "reason": {"x"}}, today), 422, []string{"Select an offer to award"}},
		{"award to another tender's offer", "/award", date(url.Values{"offer": {strconv.FormatInt(past.bidders[0].offer, 10)}, "reason": {"x"}}, today), 422, []string{"Select an offer to award"}},
		{"award dated tomorrow", "/award", date(url.Values{"offer": {id}, "reason": {"x"}}, today.AddDate(0, 0, 1)), 422, []string{"cannot be in the future", `value="` + id + `" checked`}},
		{"award dated 31 February", "/award", url.Values{"offer": {id}, "awarded-day": {"31"}, "awarded-month": {"2"}, "awarded-year": {"2026"}}, 422, []string{"must be a real date", `value="31"`}},
		{"award date in letters", "/award", url.Values{"offer": {id}, "awarded-day": {"first"}, "awarded-month": {"dec"}, "awarded-year": {huge}}, 422, []string{"must be a real date", `value="first"`}},
		{"award without a date", "/award", url.Values{"offer": {id}}, 422, []string{"Enter the award date"}},
		{"a reason too long", "/award", date(url.Values{"offer": {id}, "reason": {strings.Repeat("a", 2001)}}, today), 422, []string{"2000 characters or fewer"}},
	}
	for _, tc := range cases {
		resp, body := evPost(t, c, base+tc.path, tc.form)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
			continue
		}
		if tc.status == 422 && !strings.Contains(body, "There is a problem") {
			t.Errorf("%s: no error summary", tc.name)
		}
		for _, want := range tc.kept {
			if !strings.Contains(body, html.EscapeString(want)) && !strings.Contains(body, want) {
				t.Errorf("%s: the page does not keep %q", tc.name, want)
			}
		}
	}
	for _, table := range []string{"line_moderations", "offer_evaluations", "contracts"} {
		if n := evCount(t, admin, `SELECT count(*) FROM `+table+` WHERE tender_id = $1`, tn.id); n != 0 {
			t.Errorf("%d rows written to %s", n, table)
		}
	}
	if strings.Contains(ts.log.String(), `"level":"ERROR"`) {
		t.Errorf("the server logged an error:\n%s", ts.log.String())
	}
}
