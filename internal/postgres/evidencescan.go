package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/scan"
	"github.com/tally-sv/tally/internal/tally"
)

// Malware scanning of evidence files. With a scanner (WithScanner), an
// upload is scanned before its row is written: an infected file is
// refused, audited and deleted; a clean one is stored as 'clean'; one the
// scanner could not check (down, or too slow) is stored as 'checking'
// with a jobs.ScanEvidence in the same transaction, and is never served
// until RecheckEvidence, run by that job, has found it clean. Without a
// scanner every file is 'clean', as before scanning existed.

// UploadScanTimeout bounds the scan of one upload, so a slow or stuck
// scanner holds a person's request this long at most; past it the file
// is stored as being checked and scanned again by a job.
const UploadScanTimeout = 30 * time.Second

// ErrBeingChecked is OpenEvidence's refusal of a file held as being
// checked for malware: it is not served until it is found clean.
var ErrBeingChecked = errors.New("the file is being checked for viruses")

// WithScanner is a Store that scans evidence files with sc before they can
// be opened. A nil sc scans nothing.
func (s *Store) WithScanner(sc scan.Scanner) *Store {
	c := *s
	c.scanner = sc
	return &c
}

// infected is checkEvidence's finding that a file holds malware.
type infected struct{ signature string }

func (e *infected) Error() string { return "malware found: " + e.signature }

// InfectedMessage is what the person who uploaded file name is told when
// the scanner finds malware (signature, as it names it) in it.
func InfectedMessage(name, signature string) string {
	virus := "a virus"
	if signature != "" {
		virus += " (" + signature + ")"
	}
	return name + " contains " + virus + ", so it has not been attached. Check the file with your antivirus software, then upload a clean copy."
}

// maxSignature bounds a signature name kept in the audit log and shown:
// ClamAV's are a few dozen characters.
const maxSignature = 200

// checkEvidence scans an uploaded file (read again through f.Content)
// before its row is written. It returns the row's scan status: 'clean',
// or 'checking' when the scanner could not say within UploadScanTimeout;
// or *infected, which refuses the file.
func (s *Store) checkEvidence(ctx context.Context, f EvidenceFile) (string, error) {
	if s.scanner == nil {
		return "clean", nil
	}
	sctx, cancel := context.WithTimeout(ctx, UploadScanTimeout)
	defer cancel()
	v, err := s.scanner.Scan(sctx, io.NewSectionReader(f.Content, 0, f.Size))
	switch {
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err() // the request itself ended: nothing to store
	case err != nil:
		// Never clean unchecked: held until the job finds it clean. Logged
		// as a warning: one is the scanner restarting; many, an operator's
		// problem (it is down).
		slog.WarnContext(ctx, "the virus scanner could not check an upload: it is held as being checked and will be scanned again", "error", err)
		return "checking", nil
	case v.Infected:
		return "", &infected{signature: clip(v.Signature, maxSignature)}
	}
	return "clean", nil
}

// auditInfected records in the partner's log that the person in scope
// tried to attach file f, in which the scanner found signature, to return
// returnID. The return is read in the caller's scope (they may see it);
// the entry is written in the partner's, whose log it belongs in, even
// when the caller is the supplier, who cannot write there otherwise.
func (s *Store) auditInfected(ctx context.Context, scope tally.Scope, returnID int64, f EvidenceFile, signature string) error {
	return s.InTx(ctx, scope, func(tx pgx.Tx) error {
		r, err := loadReturn(ctx, tx, returnID)
		if err != nil {
			return err
		}
		partner := partnerScope(r.Contract.Partner.ID)
		partner.UserID = scope.UserID
		if err := setScope(ctx, tx, partner); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, infectedEntry(r, scope.UserID, f.Name, signature, "upload"))
	})
}

// infectedEntry is the audit entry for malware found in file name on
// return r: at "upload" (refused; by is who uploaded it) or "recheck"
// (found by the job and removed; by is 0, Tally). It holds the file's
// name and the signature, never its content.
func infectedEntry(r tally.Return, by int64, name, signature, when string) tally.AuditEntry {
	return tally.AuditEntry{OrgID: r.Contract.Partner.ID, UserID: by, Action: "evidence.infected",
		Subject: fmt.Sprintf("contract %s period %d", r.Contract.Reference, r.Period.Number),
		Detail:  map[string]any{"return": r.ID, "file": name, "signature": signature, "found": when}}
}

// Recheck is what RecheckEvidence did with one file.
type Recheck struct {
	Outcome   string // "clean", "infected" (removed) or "gone" (removed already, nothing to do)
	Signature string // when infected
}

// RecheckEvidence scans evidence file id of partner again, from the file
// store, if it is still held as being checked: clean, it is marked so and
// can be opened; infected, its row is deleted (the return's version moves
// on), the partner's log records it, its supplier is told (and the
// partner's contract managers, when the return is with them) in the same
// transaction, and then its object is deleted. An error means it could not
// be checked (no scanner in this process, the scanner down or slow, the
// file store unreachable): the file stays held, and the job tries again.
func (s *Store) RecheckEvidence(ctx context.Context, partner, id int64) (_ Recheck, err error) {
	defer derrors.Wrap(&err, "Store.RecheckEvidence(%d, %d)", partner, id)
	if s.scanner == nil {
		return Recheck{}, errors.New("no virus scanner in this process (set CLAMD_ADDR): the file stays held as being checked")
	}
	if s.files == nil {
		return Recheck{}, errors.New("no file store for evidence (Store.WithFiles)")
	}
	var key *string
	var name, state string
	var returnID int64
	err = s.InTx(ctx, partnerScope(partner), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT object_key, name, scan, return_id FROM evidence WHERE partner_id = $1 AND id = $2`,
			partner, id).Scan(&key, &name, &state, &returnID)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Recheck{Outcome: "gone"}, nil // removed by its supplier meanwhile
	case err != nil:
		return Recheck{}, err
	case state != "checking":
		return Recheck{Outcome: state}, nil // checked already (a retry after a commit whose reply was lost)
	case key == nil:
		// Every 'checking' row was uploaded with scanning, to the file
		// store; one without an object is a bug, and stays held.
		return Recheck{}, fmt.Errorf("evidence %d is being checked but has no object", id)
	}
	body, err := s.files.Open(ctx, *key)
	if err != nil {
		return Recheck{}, err
	}
	v, err := s.scanner.Scan(ctx, body)
	body.Close()
	if err != nil {
		return Recheck{}, err
	}
	if !v.Infected {
		err = s.InTx(ctx, partnerScope(partner), func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE evidence SET scan = 'clean' WHERE partner_id = $1 AND id = $2 AND scan = 'checking'`, partner, id)
			return err
		})
		return Recheck{Outcome: "clean"}, err
	}
	sig := clip(v.Signature, maxSignature)
	removed := false
	err = s.InTx(ctx, partnerScope(partner), func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM evidence WHERE partner_id = $1 AND id = $2 AND scan = 'checking'`, partner, id)
		if err != nil || tag.RowsAffected() == 0 {
			return err // removed by its supplier meanwhile: nobody to tell
		}
		if _, err := tx.Exec(ctx, `UPDATE returns SET version = version + 1, updated_at = now() WHERE partner_id = $1 AND id = $2`,
			partner, returnID); err != nil {
			return err
		}
		r, err := loadReturn(ctx, tx, returnID)
		if err != nil {
			return err
		}
		if err := AppendAudit(ctx, tx, infectedEntry(r, 0, name, sig, "recheck")); err != nil {
			return err
		}
		removed = true
		return s.tell(ctx, tx, notify.EvidenceInfected(r, name, sig)...)
	})
	if err != nil {
		return Recheck{}, err
	}
	// After the commit: the row no longer names it. What cannot be deleted
	// now, the orphan sweep deletes.
	s.deleteEvidenceObject(ctx, *key)
	if !removed {
		return Recheck{Outcome: "gone"}, nil
	}
	return Recheck{Outcome: "infected", Signature: sig}, nil
}

// clip shortens s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
