package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
)

// An attempt counts against every limit until one is reached; a refused
// one counts nothing, and a refunded one no longer counts.
func TestTakeAttemptCountsUpToTheFirstLimitReached(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	store := postgres.New(db.App)
	tight := postgres.Limit{Name: "tight", Key: "k:tight", Max: 2, Window: time.Minute}
	loose := postgres.Limit{Name: "loose", Key: "k:loose", Max: 5, Window: time.Minute}
	count := func(key string) int {
		t.Helper()
		var n int
		if err := db.Owner.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE key = $1`, key).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var first postgres.Attempt
	for i := range 2 {
		a, err := store.TakeAttempt(ctx, loose, tight)
		if err != nil || a.Refused || a.At.IsZero() {
			t.Fatalf("attempt %d: %+v, %v", i+1, a, err)
		}
		if i == 0 {
			first = a
		}
	}
	a, err := store.TakeAttempt(ctx, loose, tight)
	if err != nil || !a.Refused || a.Limit.Name != "tight" {
		t.Fatalf("the third attempt: %+v, %v; want refused by tight", a, err)
	}
	if count("k:loose") != 2 || count("k:tight") != 2 {
		t.Errorf("a refused attempt was counted: loose %d, tight %d", count("k:loose"), count("k:tight"))
	}
	if err := store.RefundAttempt(ctx, first.At, loose.Key, tight.Key); err != nil {
		t.Fatal(err)
	}
	if count("k:loose") != 1 || count("k:tight") != 1 {
		t.Errorf("after a refund: loose %d, tight %d, want 1 each", count("k:loose"), count("k:tight"))
	}
	// Attempts older than the window neither count nor stay.
	if _, err := db.Owner.Exec(ctx, `UPDATE login_failures SET at = at - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if a, err := store.TakeAttempt(ctx, tight); err != nil || a.Refused {
		t.Fatalf("after the window: %+v, %v", a, err)
	}
	if count("k:tight") != 1 {
		t.Errorf("old attempts were kept: %d", count("k:tight"))
	}
}

// Attempts made at once are counted one by one: no more than Max pass.
func TestTakeAttemptHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	store := postgres.New(db.App)
	limit := postgres.Limit{Name: "burst", Key: "k:burst", Max: 3, Window: time.Minute}
	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			a, err := store.TakeAttempt(context.Background(), limit)
			if err != nil {
				t.Error(err)
				return
			}
			if !a.Refused {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if passed != limit.Max {
		t.Errorf("%d of 12 concurrent attempts passed, want %d", passed, limit.Max)
	}
}
