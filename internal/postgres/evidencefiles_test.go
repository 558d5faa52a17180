package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// rtObjects lists the evidence objects in the test's file store.
func rtObjects(t *testing.T, w *rtWorld) []string {
	t.Helper()
	var keys []string
	if err := w.db.Files.List(context.Background(), "evidence/", func(o filestore.Object) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

// rtKeys lists the object keys evidence rows name, across every tenant.
func rtKeys(t *testing.T, w *rtWorld) []string {
	t.Helper()
	var keys []string
	err := postgres.New(w.db.Owner).InTx(context.Background(), w.staff(w.partnerA, w.partnerB), func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT object_key FROM evidence WHERE object_key IS NOT NULL ORDER BY object_key`)
		if err != nil {
			return err
		}
		keys, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// rtDownload reads a file back through the store as scope.
func rtDownload(t *testing.T, w *rtWorld, scope tally.Scope, returnID, id int64) []byte {
	t.Helper()
	_, body, err := w.store.OpenEvidence(context.Background(), scope, returnID, id)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rtSame(a, b []string) bool { return slices.Equal(a, b) }

// TestRtEvidenceObjectsFollowTheRows: a file's object is written with its
// row; a refused upload (a duplicate, a stale version) leaves no object;
// an upload whose row fails at COMMIT leaves one that the sweep deletes
// once it is older than the grace period, as it does a removed file's,
// while every tenant's files stay.
func TestRtEvidenceObjectsFollowTheRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	c := w.contract(t, w.partnerA, w.supplierS, "RT-OBJ-A", 80)
	other := w.contract(t, w.partnerB, w.supplierT, "RT-OBJ-B", 80)
	w.draft(t, other, 1, rtUnits(5), rtFile("partner B's file"))
	id, version := w.draft(t, c, 1, rtUnits(5), rtFile("kept"))
	sup := w.supplier(w.supplierS)
	if got := rtObjects(t, w); len(got) != 2 || !rtSame(got, rtKeys(t, w)) {
		t.Fatalf("objects %q, want the two the rows name, %q", got, rtKeys(t, w))
	}
	r, _ := w.store.Return(ctx, sup, id)
	if got := rtDownload(t, w, sup, id, r.Evidence[0].ID); string(got) != "%PDF-1.4\nkept\n%%EOF\n" {
		t.Errorf("downloaded %q", got)
	}

	var fe tally.FormErrors
	if err := w.store.AddEvidence(ctx, sup, id, version, rtFile("kept")); !errors.As(err, &fe) {
		t.Fatalf("a duplicate: %v, want a form error", err)
	}
	if err := w.store.AddEvidence(ctx, sup, id, version-1, rtFile("stale")); !errors.Is(err, tally.ErrConflict) {
		t.Fatalf("a stale version: %v, want a conflict", err)
	}
	if got := rtObjects(t, w); len(got) != 2 {
		t.Fatalf("after two refused uploads: %d objects, want 2", len(got))
	}

	// A row refused at COMMIT (a deferred constraint): the store cannot
	// know whether it committed, so it leaves the object to the sweep.
	if _, err := w.db.Owner.Exec(ctx, `
		CREATE FUNCTION rt_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
		CREATE CONSTRAINT TRIGGER rt_refuse_at_commit AFTER INSERT ON evidence DEFERRABLE INITIALLY DEFERRED
			FOR EACH ROW WHEN (NEW.name = 'commit-fails.pdf') EXECUTE FUNCTION rt_refuse()`); err != nil {
		t.Fatal(err)
	}
	failing := rtFile("never committed")
	failing.Name = "commit-fails.pdf"
	if err := w.store.AddEvidence(ctx, sup, id, version, failing); err == nil {
		t.Fatal("the upload refused at commit succeeded")
	}
	if got := rtObjects(t, w); len(got) != 3 {
		t.Fatalf("after the failed commit: %d objects, want 3 (one orphan)", len(got))
	}
	// A removed file's object stays until the sweep too.
	if err := w.store.RemoveEvidence(ctx, sup, id, version, r.Evidence[0].ID); err != nil {
		t.Fatal(err)
	}

	// Within the grace period nothing goes: the orphan might be an upload
	// about to commit.
	if n, err := w.store.SweepEvidenceFiles(ctx, time.Now().Add(-postgres.OrphanGrace)); err != nil || n != 0 {
		t.Fatalf("sweep within the grace period: %d deleted, %v", n, err)
	}
	// Past it (the cutoff moved on rather than the clock), the two
	// orphans go and partner B's file, which the app role cannot see
	// without its scope, stays.
	n, err := w.store.SweepEvidenceFiles(ctx, time.Now().Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("sweep past the grace period: %d deleted, %v; want 2", n, err)
	}
	if got, want := rtObjects(t, w), rtKeys(t, w); len(got) != 1 || !rtSame(got, want) {
		t.Fatalf("after the sweep: objects %q, want exactly the rows' %q", got, want)
	}
}

// TestRtEvidenceDataMovesToTheFileStore: files whose content is still in
// the database (from before migration 000024, or an older release) are
// downloaded from there, then moved to the file store by
// MoveEvidenceData, byte for byte, across tenants; a second run moves
// nothing.
func TestRtEvidenceDataMovesToTheFileStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	a := w.contract(t, w.partnerA, w.supplierS, "RT-MV-A", 80)
	b := w.contract(t, w.partnerB, w.supplierT, "RT-MV-B", 80)
	idA, _ := w.draft(t, a, 1, rtUnits(5), rtFile("A one"), rtFile("A two"))
	idB, _ := w.draft(t, b, 1, rtUnits(5), rtFile("B one"))
	owner := postgres.New(w.db.Owner).WithFiles(w.db.Files)
	// Put each file's content back in data, as a release before 000024
	// stored it, and drop its object.
	err := owner.InTx(ctx, w.staff(w.partnerA, w.partnerB), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, object_key FROM evidence`)
		if err != nil {
			return err
		}
		type row struct {
			ID  int64
			Key string
		}
		all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			return err
		}
		for _, r := range all {
			f, err := w.db.Files.Open(ctx, r.Key)
			if err != nil {
				return err
			}
			data, _ := io.ReadAll(f)
			f.Close()
			if _, err := tx.Exec(ctx, `UPDATE evidence SET data = $2, object_key = NULL WHERE id = $1`, r.ID, data); err != nil {
				return err
			}
			if err := w.db.Files.Delete(ctx, r.Key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rtObjects(t, w); len(got) != 0 {
		t.Fatalf("objects left: %q", got)
	}
	want := map[int64]string{}
	for _, rid := range []struct {
		id    int64
		scope tally.Scope
	}{{idA, w.supplier(w.supplierS)}, {idB, w.supplier(w.supplierT)}} {
		r, err := w.store.Return(ctx, rid.scope, rid.id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range r.Evidence {
			got := rtDownload(t, w, rid.scope, rid.id, e.ID) // from data
			want[e.ID] = string(got)
			if !bytes.HasPrefix(got, []byte("%PDF-1.4\n")) {
				t.Errorf("file %d from the database: %q", e.ID, got)
			}
		}
	}

	moved, err := owner.MoveEvidenceData(ctx)
	if err != nil || moved != 3 {
		t.Fatalf("moved %d, %v; want 3", moved, err)
	}
	if got, keys := rtObjects(t, w), rtKeys(t, w); len(got) != 3 || !rtSame(got, keys) {
		t.Fatalf("objects %q, rows' keys %q", got, keys)
	}
	var left int
	owner.InTx(ctx, w.staff(w.partnerA, w.partnerB), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM evidence WHERE data IS NOT NULL`).Scan(&left)
	})
	if left != 0 {
		t.Errorf("%d rows still hold data", left)
	}
	for _, rid := range []struct {
		id    int64
		scope tally.Scope
	}{{idA, w.supplier(w.supplierS)}, {idB, w.supplier(w.supplierT)}} {
		r, _ := w.store.Return(ctx, rid.scope, rid.id)
		for _, e := range r.Evidence {
			if got := rtDownload(t, w, rid.scope, rid.id, e.ID); string(got) != want[e.ID] {
				t.Errorf("file %d after the move: %q, want %q", e.ID, got, want[e.ID])
			}
		}
	}
	if moved, err := owner.MoveEvidenceData(ctx); err != nil || moved != 0 {
		t.Fatalf("second run moved %d, %v; want 0", moved, err)
	}
	if got := rtObjects(t, w); len(got) != 3 {
		t.Fatalf("after the second run: %d objects, want 3", len(got))
	}
}
