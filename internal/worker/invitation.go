package worker

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
)

// invitationWorker makes an invitation's link and emails it. The token is
// made here, so only its digest is ever stored; a retry makes a new one,
// and the link of a failed try never worked for anyone. An invitation
// accepted, revoked or expired meanwhile is not sent, nor is one sent
// again since this job was queued (the newer job's link is the one that
// works, whichever job runs first).
type invitationWorker struct {
	river.WorkerDefaults[jobs.Invitation]
	mailer
	store *postgres.Store
}

func (w *invitationWorker) Work(ctx context.Context, job *river.Job[jobs.Invitation]) error {
	token, digest := auth.NewToken()
	inv, err := w.store.InvitationLink(ctx, job.Args.Org, job.Args.ID, job.ID, digest)
	if errors.Is(err, tally.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	t := notify.Invitation(inv.Email, job.Args.Inviter, inv.Org, inv.Roles, route.Path("/invite/{token}", token))
	return w.mailNotice(ctx, job.ID, inv.Email, t.Notice, t.Why, t.Manage)
}
