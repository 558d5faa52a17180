package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/scan/clamdtest"
	"github.com/tally-sv/tally/internal/worker"
)

// TestScanWorkerRemovesMalwareFoundLater: EICAR uploaded while clamd was
// down is held as being checked; the worker's tries fail while clamd stays
// down and the file stays held; once clamd is back the worker finds the
// virus, removes the row and the object, records it in the partner's log
// and tells the supplier, in the app and by email.
func TestScanWorkerRemovesMalwareFoundLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clamd := clamdtest.New(t)
	db := pgtest.NewSeeded(t, "demo", func(db *pgtest.DB) error {
		return demo.Load(ctx, postgres.New(db.Owner).WithFiles(db.Files), io.Discard)
	})
	admin, err := pgx.Connect(ctx, db.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	store := postgres.New(db.App).WithFiles(db.Files).WithScanner(clamd.Scanner())

	// A Stockport contract's latest ended quarter, its return started
	// afresh by the supplier.
	var contract, partner, supplier int64
	var period int
	var ref, slug string
	err = admin.QueryRow(ctx, `
		SELECT c.id, c.reference, c.partner_id, c.supplier_id, s.slug, t.period
		FROM contracts c JOIN organisations o ON o.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
		JOIN LATERAL (SELECT max(period) AS period FROM kpi_targets t WHERE t.contract_id = c.id AND t.period_end <= current_date) t
		  ON t.period IS NOT NULL
		WHERE o.slug = 'stockport' ORDER BY c.id LIMIT 1`).Scan(&contract, &ref, &partner, &supplier, &slug, &period)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `DELETE FROM returns WHERE contract_id = $1 AND period = $2`, contract, period); err != nil {
		t.Fatal(err)
	}
	u, _, err := store.UserByEmail(ctx, "bids@"+slug+".example")
	if err != nil {
		t.Fatal(err)
	}
	access, err := store.Access(ctx, u.ID, slug)
	if err != nil {
		t.Fatal(err)
	}
	returnID, err := store.StartReturn(ctx, access.Scope, contract, period)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := store.Return(ctx, access.Scope, returnID)
	if err != nil {
		t.Fatal(err)
	}

	// Uploaded while clamd is down: attached, held, its scan queued.
	clamd.Stop()
	if err := store.AddEvidence(ctx, access.Scope, returnID, rt.Version,
		postgres.EvidenceBytes("placements.pdf", "application/pdf", clamdtest.EICAR())); err != nil {
		t.Fatalf("upload with clamd down: %v", err)
	}
	var fileID int64
	var key, state string
	if err := admin.QueryRow(ctx, `SELECT id, object_key, scan FROM evidence WHERE return_id = $1`, returnID).Scan(&fileID, &key, &state); err != nil {
		t.Fatal(err)
	}
	if state != "checking" {
		t.Fatalf("uploaded with clamd down: %q, want checking", state)
	}
	if _, _, err := store.OpenEvidence(ctx, access.Scope, returnID, fileID); !errors.Is(err, postgres.ErrBeingChecked) {
		t.Fatalf("opening a held file: %v, want ErrBeingChecked", err)
	}

	// The worker's try fails while clamd is down: the file stays held.
	logs := &syncBuffer{}
	c, err := worker.New(db.App, store, worker.Config{Workers: 2, BaseURL: baseURL, Log: slog.New(slog.NewTextHandler(logs, nil)),
		Sender: notify.LogSender{Log: slog.New(slog.NewTextHandler(logs, nil))}, PollInterval: 100 * time.Millisecond,
		RetryPolicy: retryAfter(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(stopCtx); err != nil {
			c.StopAndCancel(context.Background())
		}
		if t.Failed() {
			t.Logf("the workers logged:\n%s", logs)
		}
	})
	scanJob := `SELECT count(*) FROM river_job WHERE kind = 'scan_evidence' AND (args->>'id')::bigint = $1`
	eventually(t, 20*time.Second, func() (bool, string) {
		n := count(t, admin, scanJob+` AND attempt >= 1 AND state IN ('retryable', 'available', 'running')`, fileID)
		return n == 1, "the scan job has not failed"
	})
	if n := count(t, admin, `SELECT count(*) FROM evidence WHERE id = $1 AND scan = 'checking'`, fileID); n != 1 {
		t.Fatal("the file is no longer held while clamd is down")
	}

	// clamd back: the next try finds EICAR.
	clamd.Start()
	eventually(t, 30*time.Second, func() (bool, string) {
		return count(t, admin, scanJob+` AND state = 'completed'`, fileID) == 1, "the scan job has not completed"
	})
	if n := count(t, admin, `SELECT count(*) FROM evidence WHERE id = $1`, fileID); n != 0 {
		t.Error("the infected file's row is still there")
	}
	if body, err := db.Files.Open(ctx, key); !errors.Is(err, filestore.ErrNotFound) {
		if body != nil {
			body.Close()
		}
		t.Errorf("the infected file's object: %v, want it deleted", err)
	}
	if n := count(t, admin, `SELECT count(*) FROM returns WHERE id = $1 AND version > $2`, returnID, rt.Version+1); n != 1 {
		t.Error("removing the file did not move the return's version on")
	}
	var subject, detail string
	var user *int64
	if err := admin.QueryRow(ctx, `SELECT subject, detail::text, user_id FROM audit_log WHERE org_id = $1 AND action = 'evidence.infected'`,
		partner).Scan(&subject, &detail, &user); err != nil {
		t.Fatalf("no audit entry in the partner's log: %v", err)
	}
	if subject != fmt.Sprintf("contract %s period %d", ref, period) || user != nil || !strings.Contains(detail, `"file": "placements.pdf"`) ||
		!strings.Contains(detail, `"found": "recheck"`) || !strings.Contains(detail, `"signature": "`+clamdtest.Signature) {
		t.Errorf("audit entry: %s %s by %v", subject, detail, user)
	}
	wantSubject := fmt.Sprintf("A file on your return for %s, quarter %d, contained a virus and was removed", ref, period)
	if n := count(t, admin, `SELECT count(*) FROM notifications WHERE org_id = $1 AND subject = $2 AND body LIKE 'placements.pdf, attached to your delivery return%'`,
		supplier, wantSubject); n != 1 {
		t.Errorf("messages to the supplier: %d, want 1 %q", n, wantSubject)
	}
	// Emailed to the supplier's people; the return is a draft, so no
	// contract manager is troubled.
	eventually(t, 20*time.Second, func() (bool, string) {
		n := count(t, admin, `SELECT count(*) FROM river_job WHERE kind = 'email' AND args->>'to' = $1 AND args->>'subject' = $2 AND state = 'completed'`,
			"bids@"+slug+".example", wantSubject)
		return n == 1, "no email sent to the supplier"
	})
	if n := count(t, admin, `SELECT count(*) FROM notifications WHERE org_id = $1 AND subject LIKE 'A file on the return for%'`, partner); n != 0 {
		t.Errorf("the partner was told of a draft's file: %d messages", n)
	}
}
