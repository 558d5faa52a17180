package worker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/worker"
)

// The test binary doubles as a worker process that a test can kill for
// real: run with these variables set it works the jobs of the database at
// childDB, sending through the SMTP server at childSMTP, until its stdin
// closes or it is killed.
const (
	childDB   = "TALLY_TEST_WORKER_DB"
	childSMTP = "TALLY_TEST_WORKER_SMTP"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childDB); url != "" {
		if err := runChild(url, os.Getenv(childSMTP)); err != nil {
			fmt.Fprintln(os.Stderr, "worker child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runChild is a worker process as `tally worker` runs one, with one worker
// so that a held send keeps every other job waiting.
func runChild(dbURL, smtpAddr string) error {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, dbURL, 4)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	c, err := worker.New(pool, postgres.New(pool), worker.Config{Workers: 1, BaseURL: baseURL,
		Sender: plainSender(smtpAddr), Log: log, PollInterval: 100 * time.Millisecond})
	if err != nil {
		return err
	}
	if err := c.Start(ctx); err != nil {
		return err
	}
	// The parent holds stdin open: its end (or two minutes, whatever
	// happens to it) ends this process, so none outlives its test.
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
	}
	return nil
}
