// Package scan checks uploaded files for malware before anyone can open
// them.
package scan

import (
	"context"
	"io"
)

// Scanner checks a file for malware.
type Scanner interface {
	// Scan reads r to its end and says whether it holds malware. An error
	// means the file could not be checked (the scanner is down, or timed
	// out): the caller holds the file as "being checked" and tries again
	// later; it never treats the file as clean.
	Scan(ctx context.Context, r io.Reader) (Verdict, error)
}

// Verdict is a scanner's answer about one file.
type Verdict struct {
	Infected  bool
	Signature string // what was found, when Infected (for the audit log)
}
