package worker

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/postgres"
)

// tidyWorker deletes rows kept only for a while (Store.Tidy).
type tidyWorker struct {
	river.WorkerDefaults[jobs.Tidy]
	store *postgres.Store
	log   *slog.Logger
}

func (w *tidyWorker) Work(ctx context.Context, _ *river.Job[jobs.Tidy]) error {
	t, err := w.store.Tidy(ctx)
	if err != nil {
		return err
	}
	w.log.InfoContext(ctx, "tidied", "attempts", t.Attempts, "sign_in_links", t.SignInLinks, "registrations", t.Registrations)
	return nil
}
