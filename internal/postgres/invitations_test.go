package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

// Sending an invitation again queues a second email job while the first may
// still wait; workers run in parallel, so the jobs may run in either order.
// Whichever runs last, the newest job's link is the one that works, and an
// older job that runs after it sends nothing.
func TestOlderInvitationJobDoesNotReplaceNewerLink(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	inviter := w.id(t, `INSERT INTO users (email, name, password_hash) VALUES ('inviter@evp.example', 'Inviter', 'x') RETURNING id`)
	id := w.id(t, `INSERT INTO invitations (token_hash, org_id, email, role, roles, invited_by, expires_at)
		VALUES ($1, $2, 'new@evp.example', 'buyer', '{buyer}', $3, now() + interval '1 day') RETURNING id`,
		digest("unused"), w.partner, inviter)
	stored := func() []byte {
		var d []byte
		if err := w.admin.QueryRow(ctx, `SELECT token_hash FROM invitations WHERE id = $1`, id).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}

	// The newer job (7) runs first, then the older (6).
	if _, err := w.store.InvitationLink(ctx, w.partner, id, 7, digest("newer")); err != nil {
		t.Fatalf("newer job: %v", err)
	}
	if _, err := w.store.InvitationLink(ctx, w.partner, id, 6, digest("older")); !errors.Is(err, tally.ErrNotFound) {
		t.Errorf("older job after the newer one: %v, want nothing to send", err)
	}
	if !bytes.Equal(stored(), digest("newer")) {
		t.Error("the older job replaced the newer job's link")
	}
	// A retry of the newest job makes a new link; a newer job still wins.
	for _, step := range []struct {
		job   int64
		token string
	}{{7, "retried"}, {8, "newest"}} {
		if _, err := w.store.InvitationLink(ctx, w.partner, id, step.job, digest(step.token)); err != nil {
			t.Fatalf("job %d: %v", step.job, err)
		}
		if !bytes.Equal(stored(), digest(step.token)) {
			t.Errorf("job %d did not set its link", step.job)
		}
	}
}

func digest(token string) []byte {
	d := sha256.Sum256([]byte(token))
	return d[:]
}
