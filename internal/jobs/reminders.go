package jobs

import "github.com/riverqueue/river"

// RemindersAttempts is how often one sweep is tried: the next hour's comes
// anyway, and a reminder a failed sweep did not send is still due then.
const RemindersAttempts = 3

// Reminders asks for the reminders and digests due now to be sent, for
// every tenant (postgres.Store.SendReminders). The elected leader enqueues
// one an hour (package worker); the sweep sends each reminder once however
// many sweeps run, on however many nodes.
type Reminders struct{}

// Kind names the job in river_job.
func (Reminders) Kind() string { return "reminders" }

// InsertOpts gives a sweep its attempts.
func (Reminders) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: RemindersAttempts}
}

// Tidy deletes what is kept only for a while: counted sign-in attempts past
// every limit's window, and sign-in links and registrations long expired.
// A periodic job, hourly.
type Tidy struct{}

// Kind names the job in river_job.
func (Tidy) Kind() string { return "tidy" }
