package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// rtUpload posts one file to a return's evidence form, as the browser
// sends it: the form's version first, then the file. disposition, when
// set, replaces the file part's Content-Disposition header as sent.
func rtUpload(t *testing.T, c *http.Client, target, version, name string, data []byte, disposition ...string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("version", version)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	if len(disposition) > 0 {
		h.Set("Content-Disposition", disposition[0])
	}
	h.Set("Content-Type", "application/octet-stream")
	fw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, target, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// rtPDF is a file that starts like a PDF, padded to size bytes.
func rtPDF(size int, fill byte) []byte {
	data := bytes.Repeat([]byte{fill}, size)
	copy(data, "%PDF-1.4\n")
	return data
}

// rtEvidence lists a return's files as "name size", oldest first.
func rtEvidence(t *testing.T, ts *testServer, returnID int64) []string {
	t.Helper()
	rows, err := rtAdmin(t, ts).Query(context.Background(), `SELECT id, name, size FROM evidence WHERE return_id = $1 ORDER BY id`, returnID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, size int64
		var name string
		if err := rows.Scan(&id, &name, &size); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %d", id, name, size))
	}
	return out
}

func rtEvidenceID(t *testing.T, row string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(row[:strings.IndexByte(row, ' ')], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRtEvidenceUploadAndDownload(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	p := rtEndedPeriod(t, ts, "stockport", 1)
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)
	upload := page + "/evidence"
	version, _ := strconv.Atoi(rtVersion(t, sup, page))

	// Exactly 10 MiB is accepted.
	const tenMiB = 10 << 20
	big := rtPDF(tenMiB, ' ')
	resp, body := rtUpload(t, sup, upload, strconv.Itoa(version), "site photos.pdf", big)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("10 MiB: %d, want 303\n%.2000s", resp.StatusCode, body)
	}
	version++
	files := rtEvidence(t, ts, id)
	if len(files) != 1 || !strings.HasSuffix(files[0], fmt.Sprintf(" site photos.pdf %d", tenMiB)) {
		t.Fatalf("after a 10 MiB upload: %q", files)
	}

	// A byte more is refused with a clear message, and nothing is stored.
	resp, body = rtUpload(t, sup, upload, strconv.Itoa(version), "too big.pdf", rtPDF(tenMiB+1, ' '))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("10 MiB + 1: %d, want 413", resp.StatusCode)
	}
	if !strings.Contains(body, "The file must be 10 MB or smaller") || !strings.Contains(body, "govuk-error-summary") {
		t.Errorf("10 MiB + 1: no friendly message:\n%.3000s", body)
	}
	// HTML named like a PDF is refused.
	resp, body = rtUpload(t, sup, upload, strconv.Itoa(version), "evidence.pdf", []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The file is a web page or drawing (HTML, SVG or XML), whatever its name says: save or print it as a PDF and upload that") {
		t.Errorf("HTML named evidence.pdf: %d, want 422 saying it is a web page", resp.StatusCode)
	}
	if got := rtEvidence(t, ts, id); len(got) != 1 {
		t.Fatalf("refused uploads stored files: %q", got)
	}

	// A name with quotes, CR/LF and semicolons (sent encoded, as RFC 2231
	// allows) is stored without the line break and cannot add a header.
	hostile := `form-data; name="file"; filename*=UTF-8''q1%22%3B%20evil%3D%22x%0D%0AX-Injected%3A%20yes%0D%0A%0D%0A%3Chtml%3E.pdf`
	evil := rtPDF(200, 'x')
	resp, body = rtUpload(t, sup, upload, strconv.Itoa(version), "", evil, hostile)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("hostile name: %d\n%.2000s", resp.StatusCode, body)
	}
	version++
	files = rtEvidence(t, ts, id)
	if len(files) != 2 || strings.ContainsAny(files[1], "\r\n") || !strings.Contains(files[1], "X-Injected") {
		t.Fatalf("stored names: %q", files)
	}
	fileID := rtEvidenceID(t, files[1])
	if _, body := get(t, sup, page); strings.Contains(body, "<html>.pdf") || !strings.Contains(body, "&lt;html&gt;.pdf") {
		t.Error("the return page does not escape the file's name")
	}
	download := fmt.Sprintf("%s/evidence/%d", page, fileID)
	resp, got := get(t, sup, download)
	if resp.StatusCode != http.StatusOK || got != string(evil) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(got))
	}
	if v := resp.Header.Values("X-Injected"); len(v) > 0 {
		t.Errorf("header injected: X-Injected: %q", v)
	}
	for k := range resp.Header {
		if strings.Contains(strings.ToLower(k), "evil") || strings.Contains(k, "<") {
			t.Errorf("unexpected header %q", k)
		}
	}
	cd := resp.Header.Values("Content-Disposition")
	if len(cd) != 1 {
		t.Fatalf("Content-Disposition: %q, want one", cd)
	}
	disp, params, err := mime.ParseMediaType(cd[0])
	if err != nil || disp != "attachment" {
		t.Errorf("Content-Disposition %q: %q, %v; want an attachment that parses", cd[0], disp, err)
	}
	// The plain filename is safe ASCII; the full name travels percent-encoded
	// in filename*, which ParseMediaType decodes into "filename". Neither may
	// carry a line break, and the raw header holds no quote but the two that
	// delimit the plain name.
	if name := params["filename"]; name == "" || strings.ContainsAny(name, "\r\n") {
		t.Errorf("Content-Disposition %q: filename %q", cd[0], name)
	}
	if strings.Count(cd[0], `"`) != 2 || strings.ContainsAny(cd[0], "\r\n") {
		t.Errorf("Content-Disposition %q: want one quoted plain name and no line breaks", cd[0])
	}
	for k := range params {
		if k != "filename" {
			t.Errorf("Content-Disposition %q: extra parameter %q", cd[0], k)
		}
	}
	if h := resp.Header.Get("X-Content-Type-Options"); h != "nosniff" {
		t.Errorf("X-Content-Type-Options: %q", h)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !regexp.MustCompile(`(^|;)\s*sandbox\s*(;|$)`).MatchString(csp) {
		t.Errorf("Content-Security-Policy %q: not sandboxed", csp)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type %q, want application/pdf (typed by content)", ct)
	}

	// Within scope only: the shared service's contract manager may
	// download; Trafford's contract manager and another supplier get 404,
	// whichever organisation they try it through.
	star := measuresLogin(t, ts, "contracts@star.example")
	if resp, _ := get(t, star, fmt.Sprintf("%s/o/star/returns/%d/evidence/%d", ts.URL, id, fileID)); resp.StatusCode != http.StatusOK {
		t.Errorf("Star's contract manager downloading: %d, want 200", resp.StatusCode)
	}
	traff := measuresLogin(t, ts, "contracts@trafford.example")
	other := rtOtherSupplier(t, ts, p.Supplier)
	oc := measuresLogin(t, ts, "bids@"+other+".example")
	for _, tt := range []struct {
		who string
		c   *http.Client
		org string
	}{
		{"Trafford's contract manager", traff, "trafford"},
		{"Trafford's contract manager", traff, "star"},
		{"Trafford's contract manager", traff, "stockport"},
		{"another supplier", oc, other},
		{"another supplier", oc, p.Supplier},
		{"another supplier", oc, "stockport"},
	} {
		base := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, tt.org, id)
		if resp, body := get(t, tt.c, fmt.Sprintf("%s/evidence/%d", base, fileID)); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "%PDF") {
			t.Errorf("%s downloading via /o/%s: %d, want 404", tt.who, tt.org, resp.StatusCode)
		}
		if resp, _ := get(t, tt.c, base); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s opening the return via /o/%s: %d, want 404", tt.who, tt.org, resp.StatusCode)
		}
		if resp, _ := rtUpload(t, tt.c, base+"/evidence", strconv.Itoa(version), "x.pdf", rtPDF(100, 'z')); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s uploading via /o/%s: %d, want 404", tt.who, tt.org, resp.StatusCode)
		}
	}
	// A file is only reached through its own return.
	var otherReturn int64
	if err := rtAdmin(t, ts).QueryRow(context.Background(), `SELECT id FROM returns WHERE id <> $1 ORDER BY id LIMIT 1`, id).Scan(&otherReturn); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, star, fmt.Sprintf("%s/o/star/returns/%d/evidence/%d", ts.URL, otherReturn, fileID)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a file through another return: %d, want 404", resp.StatusCode)
	}
	if resp, _ := get(t, star, fmt.Sprintf("%s/o/star/returns/%d/evidence/%d", ts.URL, id+100000, fileID)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a file through a return that does not exist: %d, want 404", resp.StatusCode)
	}
	if got := rtEvidence(t, ts, id); len(got) != 2 {
		t.Fatalf("after refused uploads: %q", got)
	}

	// Twenty files a return, and no more.
	for i := len(files); i < 20; i++ {
		resp, body := rtUpload(t, sup, upload, strconv.Itoa(version), fmt.Sprintf("file %d.csv", i+1), []byte(fmt.Sprintf("KPI,Quantity\nNT1,%d\n", i)))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("file %d: %d\n%.2000s", i+1, resp.StatusCode, body)
		}
		version++
	}
	resp, body = rtUpload(t, sup, upload, strconv.Itoa(version), "file 21.csv", []byte("KPI,Quantity\nNT1,21\n"))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at most 20 files") {
		t.Errorf("21st file: %d, want 422 saying at most 20", resp.StatusCode)
	}
	if got := rtEvidence(t, ts, id); len(got) != 20 {
		t.Errorf("%d files stored, want 20", len(got))
	}

	// Once submitted, no more files.
	rtSubmit(t, sup, page, p)
	var current int
	if err := rtAdmin(t, ts).QueryRow(context.Background(), `SELECT version FROM returns WHERE id = $1`, id).Scan(&current); err != nil {
		t.Fatal(err)
	}
	resp, _ = rtUpload(t, sup, upload, strconv.Itoa(current), "late.csv", []byte("KPI\n1\n"))
	if resp.StatusCode == http.StatusSeeOther {
		t.Error("a file was added to a submitted return")
	}
	if got := rtEvidence(t, ts, id); len(got) != 20 {
		t.Errorf("%d files after submission, want 20", len(got))
	}
}

// rtWarning starts the double counting warning a verifier sees.
const rtWarning = "Possible double counting"

// rtWarningLinks is the warning's text and links, or "" when there is none.
func rtWarningLinks(body string) string {
	i := strings.Index(body, rtWarning)
	if i < 0 {
		return ""
	}
	end := strings.Index(body[i:], "</strong>")
	return body[i : i+end]
}

func TestRtDuplicateEvidenceIsFlaggedToTheVerifier(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	a := rtEndedPeriod(t, ts, "stockport", 1)
	b := rtEndedPeriod(t, ts, "trafford", 1)
	supA := measuresLogin(t, ts, "bids@"+a.Supplier+".example")
	supB := supA
	if b.Supplier != a.Supplier {
		supB = measuresLogin(t, ts, "bids@"+b.Supplier+".example")
	}
	ra := rtStart(t, ts, supA, a.Supplier, a)
	rb := rtStart(t, ts, supB, b.Supplier, b)
	pageA := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, a.Supplier, ra)
	pageB := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, b.Supplier, rb)
	same := rtPDF(300, 'd')
	copy(same[9:], "TestRtDuplicateEvidenceIsFlaggedToTheVerifier")
	for _, up := range []struct {
		c    *http.Client
		page string
	}{{supA, pageA}, {supB, pageB}} {
		if resp, body := rtUpload(t, up.c, up.page+"/evidence", rtVersion(t, up.c, up.page), "timesheets.pdf", same); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload to %s: %d\n%.2000s", up.page, resp.StatusCode, body)
		}
	}
	// Only B is submitted: A's copy is on a draft, which does not count.
	rtSubmit(t, supB, pageB, b)
	star := measuresLogin(t, ts, "contracts@star.example")
	starB := fmt.Sprintf("%s/o/star/returns/%d", ts.URL, rb)
	if _, body := get(t, star, starB); !strings.Contains(body, "timesheets.pdf") || strings.Contains(body, rtWarning) {
		t.Errorf("with the other copy on a draft: file shown %t, warning shown %t; want the file and no warning",
			strings.Contains(body, "timesheets.pdf"), strings.Contains(body, rtWarning))
	}

	rtSubmit(t, supA, pageA, a)
	// The shared service's contract manager sees both councils: a link.
	_, body := get(t, star, starB)
	if w := rtWarningLinks(body); !strings.Contains(w, fmt.Sprintf(`href="/o/star/returns/%d"`, ra)) {
		t.Errorf("Star's verifier on B: warning %q, want a link to return %d", w, ra)
	}
	_, body = get(t, star, fmt.Sprintf("%s/o/star/returns/%d", ts.URL, ra))
	if w := rtWarningLinks(body); !strings.Contains(w, fmt.Sprintf(`href="/o/star/returns/%d"`, rb)) {
		t.Errorf("Star's verifier on A: warning %q, want a link to return %d", w, rb)
	}
	// Trafford's contract manager is warned, but cannot follow it to
	// Stockport's return.
	traff := measuresLogin(t, ts, "contracts@trafford.example")
	resp, body := get(t, traff, fmt.Sprintf("%s/o/trafford/returns/%d", ts.URL, rb))
	w := rtWarningLinks(body)
	if resp.StatusCode != http.StatusOK || w == "" {
		t.Fatalf("Trafford's verifier on B: %d, no warning", resp.StatusCode)
	}
	if strings.Contains(w, "href=") || strings.Contains(body, fmt.Sprintf("/returns/%d", ra)) {
		t.Errorf("Trafford's verifier on B: warning %q links to Stockport's return", w)
	}
	if !strings.Contains(w, "a return you cannot see") {
		t.Errorf("Trafford's verifier on B: warning %q does not say the other return is out of sight", w)
	}
	// The suppliers never see the warning.
	for _, s := range []struct {
		c    *http.Client
		page string
	}{{supA, pageA}, {supB, pageB}} {
		resp, body := get(t, s.c, s.page)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "timesheets.pdf") {
			t.Fatalf("supplier's page %s: %d, no file", s.page, resp.StatusCode)
		}
		if strings.Contains(body, rtWarning) {
			t.Errorf("supplier's page %s shows the double counting warning", s.page)
		}
	}
}
