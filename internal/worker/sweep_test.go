package worker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/worker"
)

// TestSweepDeletesOrphanedEvidence: with SweepFiles on, the leader
// enqueues a sweep when it is elected, and the sweep deletes an evidence
// object no row names once it is past the grace period (the workers'
// clock is two hours on), leaving objects outside evidence/ alone.
func TestSweepDeletesOrphanedEvidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	orphan, other := filestore.NewKey("evidence"), filestore.NewKey("other")
	for _, key := range []string{orphan, other} {
		if err := db.Files.Put(ctx, key, strings.NewReader("%PDF-1.4 orphan"), 15); err != nil {
			t.Fatal(err)
		}
	}
	startWorkers(t, db, worker.Config{SweepFiles: true, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	eventually(t, 30*time.Second, func() (bool, string) {
		_, err := db.Files.Open(ctx, orphan)
		return errors.Is(err, filestore.ErrNotFound), "the orphaned object is still there"
	})
	if r, err := db.Files.Open(ctx, other); err != nil {
		t.Errorf("an object outside evidence/: %v", err)
	} else {
		r.Close()
	}
}
