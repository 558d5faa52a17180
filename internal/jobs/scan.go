package jobs

import "github.com/riverqueue/river"

// ScanAttempts is how often a file held as "being checked" is scanned
// before it is given up. Each failed try is the scanner being down or
// timing out; River waits attempt⁴ seconds between tries (1 s, 16 s,
// 81 s … 28,561 s: about a day in all), so a scanner stopped for hours
// still gets every file checked. A file given up stays held: it is never
// served unscanned.
const ScanAttempts = 14

// ScanEvidence asks for evidence file ID of partner Partner, uploaded while
// the scanner could not check it, to be scanned from the file store: marked
// clean, or removed (and its supplier told) when it holds malware. The
// upload enqueues it in the transaction that writes the file's row.
type ScanEvidence struct {
	ID      int64 `json:"id"`
	Partner int64 `json:"partner"`
}

// Kind names the job in river_job.
func (ScanEvidence) Kind() string { return "scan_evidence" }

// InsertOpts gives a scan ScanAttempts tries.
func (ScanEvidence) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: ScanAttempts} }
