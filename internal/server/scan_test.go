package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/config"
	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/scan"
	"github.com/tally-sv/tally/internal/scan/clamdtest"
	"github.com/tally-sv/tally/internal/server"
)

// Malware scanning of evidence uploads (issue 17), against a real clamd
// started by the test with a signature database that knows EICAR.

// scanServer is the demo's test server, scanning uploads with sc; its
// workers (workJobs) scan with sc too, from the same file store. The test
// fails if the server logs an error.
func scanServer(t *testing.T, sc scan.Scanner) *testServer {
	t.Helper()
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(context.Background(), postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	logs := &syncBuffer{}
	cfg := config.Config{Addr: "127.0.0.1:0", DatabaseURL: db.AppURL, BaseURL: "http://localhost",
		SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour, LogLevel: "debug"}
	store := postgres.New(db.App).WithFiles(db.Files).WithScanner(sc)
	srv := server.New(cfg, store, slog.New(slog.NewJSONHandler(logs, nil)))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ts := &testServer{Server: hs, srv: srv, db: db, log: logs, t: t, store: store}
	t.Cleanup(func() {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("server logged an error: %s", line)
			}
		}
	})
	return ts
}

// scanObjects counts the objects in the file store whose content is data
// (the demo's folder is shared by every test, so keys alone say nothing).
func scanObjects(t *testing.T, files filestore.Store, data []byte) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	err := files.List(ctx, "evidence/", func(o filestore.Object) error {
		if o.Size != int64(len(data)) {
			return nil
		}
		r, err := files.Open(ctx, o.Key)
		if err != nil {
			return nil // deleted meanwhile by another test
		}
		defer r.Close()
		b, _ := io.ReadAll(r)
		if bytes.Equal(b, data) {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// scanState is the evidence row's scan column for the return's file
// named name, or "" when there is none.
func scanState(t *testing.T, ts *testServer, returnID int64, name string) (int64, string) {
	t.Helper()
	var id int64
	var state string
	err := rtAdmin(t, ts).QueryRow(context.Background(), `SELECT id, scan FROM evidence WHERE return_id = $1 AND name = $2`,
		returnID, name).Scan(&id, &state)
	if err != nil {
		return 0, ""
	}
	return id, state
}

func TestScanInfectedUploadIsRefusedAndAudited(t *testing.T) {
	t.Parallel()
	clamd := clamdtest.New(t)
	ts := scanServer(t, clamd.Scanner())
	p := rtEndedPeriod(t, ts, "stockport", 2)
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)
	q1 := fmt.Sprintf("quantity-%d", p.KPIs[0])
	eicar := clamdtest.EICAR()

	// The whole form, typed, with the EICAR file chosen: refused with the
	// message, everything typed shown again, nothing of the file kept.
	form := url.Values{"version": {rtVersion(t, sup, page)}, "action": {"upload"}, q1: {"17"},
		"narrative": {"Placements for care leavers, see the register."}}
	resp, body := rtMultipart(t, sup, page, form, "placements.pdf", eicar)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("EICAR: %d, want 422\n%.3000s", resp.StatusCode, body)
	}
	want := "placements.pdf contains a virus (" + clamdtest.Signature
	if !strings.Contains(body, want) || !strings.Contains(body, "so it has not been attached. Check the file with your antivirus software, then upload a clean copy.") ||
		!rtHasFieldError(body, "file") || !strings.Contains(body, "govuk-error-summary") {
		t.Errorf("EICAR: the page lacks the message %q…\n%.3000s", want, body)
	}
	if !strings.Contains(body, "Placements for care leavers, see the register.") || !strings.Contains(body, `value="17"`) {
		t.Error("EICAR: what was typed is not shown again")
	}
	if files := rtEvidence(t, ts, id); len(files) != 0 {
		t.Errorf("EICAR: files stored: %q", files)
	}
	if n := scanObjects(t, ts.db.Files, eicar); n != 0 {
		t.Errorf("EICAR: %d objects with its content left in the file store", n)
	}

	// The upload on its own (the evidence route) is refused the same way.
	resp, body = rtUpload(t, sup, page+"/evidence", rtVersion(t, sup, page), "timesheet.csv", eicar)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "timesheet.csv contains a virus (") {
		t.Errorf("EICAR on the evidence route: %d\n%.2000s", resp.StatusCode, body)
	}
	if files := rtEvidence(t, ts, id); len(files) != 0 {
		t.Errorf("EICAR on the evidence route: files stored: %q", files)
	}

	// Both attempts are in Stockport's log: the file's name and the
	// signature, never its content.
	rows, err := rtAdmin(t, ts).Query(context.Background(), `
		SELECT a.subject, a.detail::text, u.email FROM audit_log a JOIN organisations o ON o.id = a.org_id
		LEFT JOIN users u ON u.id = a.user_id
		WHERE o.slug = 'stockport' AND a.action = 'evidence.infected' ORDER BY a.seq`)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for rows.Next() {
		var subject, detail, email string
		if err := rows.Scan(&subject, &detail, &email); err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		json.Unmarshal([]byte(detail), &d)
		if sig, _ := d["signature"].(string); !strings.HasPrefix(sig, clamdtest.Signature) {
			t.Errorf("audit detail %s: signature %q", detail, sig)
		}
		if strings.Contains(detail, "EICAR") {
			t.Errorf("audit detail holds the file's content: %s", detail)
		}
		entries = append(entries, fmt.Sprintf("%s|%v|%v|%s", subject, d["file"], d["return"], email))
	}
	wantEntries := []string{
		fmt.Sprintf("contract %s period %d|placements.pdf|%d|bids@%s.example", p.Reference, p.Period, id, p.Supplier),
		fmt.Sprintf("contract %s period %d|timesheet.csv|%d|bids@%s.example", p.Reference, p.Period, id, p.Supplier),
	}
	if strings.Join(entries, "\n") != strings.Join(wantEntries, "\n") {
		t.Errorf("audit entries:\n%s\nwant\n%s", strings.Join(entries, "\n"), strings.Join(wantEntries, "\n"))
	}
	// The council's administrator finds it under its own filter, in words.
	admin := measuresLogin(t, ts, "admin@star.example")
	resp, body = get(t, admin, ts.URL+"/o/star/audit?partner=stockport&action=evidence.infected")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "tried to attach placements.pdf to the delivery return for contract "+p.Reference) ||
		!strings.Contains(body, "so it was refused") {
		t.Errorf("audit trail: %d, no sentence for the refused file\n%.4000s", resp.StatusCode, body)
	}
}

func TestScanCleanUploadIsAttached(t *testing.T) {
	t.Parallel()
	clamd := clamdtest.New(t)
	ts := scanServer(t, clamd.Scanner())
	p := rtEndedPeriod(t, ts, "stockport", 1)
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)

	pdf := rtPDF(50_000, 'c')
	resp, body := rtUpload(t, sup, page+"/evidence", rtVersion(t, sup, page), "register.pdf", pdf)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("clean PDF: %d, want 303\n%.2000s", resp.StatusCode, body)
	}
	fileID, state := scanState(t, ts, id, "register.pdf")
	if state != "clean" {
		t.Fatalf("clean PDF stored as %q, want clean", state)
	}
	_, body = get(t, sup, page)
	if !strings.Contains(body, "register.pdf is attached.") || strings.Contains(body, "Being checked") {
		t.Error("the page after a clean upload does not say it is attached, or says it is being checked")
	}
	resp, got := get(t, sup, fmt.Sprintf("%s/evidence/%d", page, fileID))
	if resp.StatusCode != http.StatusOK || got != string(pdf) {
		t.Errorf("download: %d, %d bytes; want 200 and the file", resp.StatusCode, len(got))
	}
}

// With clamd stopped an upload is attached but held: never served, shown
// as being checked, to the supplier and to the contract manager; once
// clamd is back the worker finds it clean and it downloads.
func TestScanUploadWaitsWhileClamdIsDown(t *testing.T) {
	t.Parallel()
	clamd := clamdtest.New(t)
	ts := scanServer(t, clamd.Scanner())
	p := rtEndedPeriod(t, ts, "stockport", 1)
	sup := measuresLogin(t, ts, "bids@"+p.Supplier+".example")
	id := rtStart(t, ts, sup, p.Supplier, p)
	page := fmt.Sprintf("%s/o/%s/returns/%d", ts.URL, p.Supplier, id)

	clamd.Stop()
	pdf := rtPDF(20_000, 'h')
	resp, body := rtUpload(t, sup, page+"/evidence", rtVersion(t, sup, page), "payroll.pdf", pdf)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload with clamd down: %d, want 303\n%.2000s", resp.StatusCode, body)
	}
	fileID, state := scanState(t, ts, id, "payroll.pdf")
	if state != "checking" {
		t.Fatalf("upload with clamd down stored as %q, want checking", state)
	}
	var jobs int
	if err := rtAdmin(t, ts).QueryRow(context.Background(), `
		SELECT count(*) FROM river_job WHERE kind = 'scan_evidence' AND (args->>'id')::bigint = $1`, fileID).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("scan jobs for the file: %d (%v), want 1", jobs, err)
	}
	download := fmt.Sprintf("%s/evidence/%d", page, fileID)
	_, body = get(t, sup, page)
	if !strings.Contains(body, "payroll.pdf is attached. It is being checked for viruses, and can be opened once the check is done.") {
		t.Errorf("the page after a held upload does not say it is being checked\n%.3000s", body)
	}
	if !strings.Contains(body, "Being checked") || strings.Contains(body, `href="`+strings.TrimPrefix(download, ts.URL)+`"`) {
		t.Error("the supplier's page links a file being checked, or lacks its tag")
	}
	resp, body = get(t, sup, download)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "This file is being checked for viruses. Try again in a few minutes.") ||
		strings.Contains(body, string(pdf[:100])) {
		t.Errorf("download of a held file: %d, want 409 with a plain page\n%.2000s", resp.StatusCode, body)
	}

	// Submitted while held: the contract manager sees it is being checked.
	rtSubmit(t, sup, page, p)
	cm := measuresLogin(t, ts, "contracts@star.example")
	resp, body = get(t, cm, fmt.Sprintf("%s/o/star/returns/%d", ts.URL, id))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "1 file is still being checked for viruses") ||
		!strings.Contains(body, "Being checked") || strings.Contains(body, fmt.Sprintf(`/evidence/%d"`, fileID)) {
		t.Errorf("contract manager's page: %d, no being-checked notice, or a link to the file\n%.4000s", resp.StatusCode, body)
	}
	resp, _ = get(t, cm, fmt.Sprintf("%s/o/star/returns/%d/evidence/%d", ts.URL, id, fileID))
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("contract manager's download of a held file: %d, want 409", resp.StatusCode)
	}

	// clamd back: the worker scans it from the file store, and it opens.
	clamd.Start()
	ts.workJobs()
	if _, state := scanState(t, ts, id, "payroll.pdf"); state != "clean" {
		t.Fatalf("after the worker: %q, want clean", state)
	}
	resp, got := get(t, sup, download)
	if resp.StatusCode != http.StatusOK || got != string(pdf) {
		t.Errorf("download once clean: %d, %d bytes; want 200 and the file", resp.StatusCode, len(got))
	}
	_, body = get(t, cm, fmt.Sprintf("%s/o/star/returns/%d", ts.URL, id))
	if strings.Contains(body, "Being checked") || !strings.Contains(body, fmt.Sprintf(`/evidence/%d"`, fileID)) {
		t.Error("once clean, the contract manager's page still says it is being checked, or has no link")
	}
}
