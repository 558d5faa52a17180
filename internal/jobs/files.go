package jobs

import "github.com/riverqueue/river"

// SweepFiles asks for the evidence objects no row names (an upload whose
// row was never written, a removed file) to be deleted once they are older
// than postgres.OrphanGrace (postgres.Store.SweepEvidenceFiles). The
// elected leader enqueues one an hour (package worker).
type SweepFiles struct{}

// Kind names the job in river_job.
func (SweepFiles) Kind() string { return "sweep_files" }

// InsertOpts gives a sweep a few attempts: the next hour's comes anyway.
func (SweepFiles) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }
