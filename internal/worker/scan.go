package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/postgres"
)

// scanTimeout bounds one try of a scan: reading a file of up to 10 MiB
// from the file store and clamd's own limit on one file (120 s by
// default), with room to spare. Like sweepTimeout it stays below
// Config.RescueAfter's default.
const scanTimeout = 3 * time.Minute

// scanWorker scans a file that was held as being checked at upload
// (postgres.Store.RecheckEvidence). While the scanner is down it fails, so
// River tries again with growing waits (jobs.ScanAttempts), and the file
// stays held meanwhile.
type scanWorker struct {
	river.WorkerDefaults[jobs.ScanEvidence]
	store *postgres.Store
	log   *slog.Logger
}

func (w *scanWorker) Work(ctx context.Context, job *river.Job[jobs.ScanEvidence]) error {
	res, err := w.store.RecheckEvidence(ctx, job.Args.Partner, job.Args.ID)
	if err != nil {
		return err
	}
	switch res.Outcome {
	case "infected":
		w.log.WarnContext(ctx, "an evidence file held as being checked contained malware: it was removed and its supplier told",
			"job", job.ID, "evidence", job.Args.ID, "partner", job.Args.Partner, "signature", res.Signature)
	case "clean":
		w.log.InfoContext(ctx, "an evidence file held as being checked is clean", "job", job.ID, "evidence", job.Args.ID)
	}
	return nil
}

// Timeout is a scan's, not an email's.
func (w *scanWorker) Timeout(*river.Job[jobs.ScanEvidence]) time.Duration { return scanTimeout }
