package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/tally"
)

// evidencePrefix starts every evidence object's key.
const evidencePrefix = "evidence"

// WithFiles is a Store that keeps evidence files in files. Without one,
// attaching or opening a file fails.
func (s *Store) WithFiles(files filestore.Store) *Store {
	c := *s
	c.files = files
	return &c
}

// EvidenceFile is a file to attach, or the facts of one attached. Content
// is read (from the start, any number of times) only to store it.
type EvidenceFile struct {
	Name        string
	ContentType string
	SHA256      string // lower-case hex
	Size        int64
	Content     io.ReaderAt // Size bytes
	Scan        string      // of an attached file: 'checking' or 'clean'
}

// EvidenceBytes is an EvidenceFile of data held in memory (the demo's and
// tests' small files).
func EvidenceBytes(name, contentType string, data []byte) EvidenceFile {
	sum := sha256.Sum256(data)
	return EvidenceFile{Name: name, ContentType: contentType, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)),
		Content: bytes.NewReader(data)}
}

// putEvidence stores f's content under a new key.
func (s *Store) putEvidence(ctx context.Context, f EvidenceFile) (string, error) {
	if s.files == nil {
		return "", errors.New("no file store for evidence (Store.WithFiles)")
	}
	if f.Content == nil || f.Size <= 0 {
		return "", tally.FormErrors{"file": "The file is empty: choose the file again"}
	}
	key := filestore.NewKey(evidencePrefix)
	return key, s.files.Put(ctx, key, io.NewSectionReader(f.Content, 0, f.Size), f.Size)
}

// checkEvidence is where a file is checked once it is stored and before
// its row is written: it returns the row's scan status, or an error
// (tally.FormErrors for one to show) that refuses the file, whose object
// AddEvidence then deletes. The file can be read again through
// f.Content, or from the store under key. Malware scanning (package scan)
// will be called here; until then every file is clean.
func (s *Store) checkEvidence(ctx context.Context, key string, f EvidenceFile) (string, error) {
	return "clean", nil
}

// deleteEvidenceObject deletes an object whose row was not written. It is
// best effort, and runs even when ctx has ended (a request cancelled
// mid-upload): what it cannot delete, the orphan sweep does.
func (s *Store) deleteEvidenceObject(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.files.Delete(ctx, key); err != nil {
		slog.WarnContext(ctx, "an evidence object whose row was not written is left for the sweep", "key", key, "error", err)
	}
}

// OpenEvidence streams a file of a return in scope: its facts and its
// content, which the caller closes; tally.ErrNotFound when the scope cannot
// see it. A file written by an earlier release and not yet moved out of
// the database is read from there.
func (s *Store) OpenEvidence(ctx context.Context, scope tally.Scope, returnID, evidenceID int64) (_ EvidenceFile, _ io.ReadCloser, err error) {
	defer derrors.Wrap(&err, "Store.OpenEvidence(%d, %d)", returnID, evidenceID)
	var f EvidenceFile
	var key *string
	var data []byte
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			SELECT name, content_type, size, sha256, scan, object_key, CASE WHEN object_key IS NULL THEN data END
			FROM evidence WHERE return_id = $1 AND id = $2`,
			returnID, evidenceID).Scan(&f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Scan, &key, &data)
	})
	if err != nil {
		return f, nil, translate(err)
	}
	if key == nil {
		return f, io.NopCloser(bytes.NewReader(data)), nil
	}
	if s.files == nil {
		return f, nil, errors.New("no file store for evidence (Store.WithFiles)")
	}
	// The object is opened after the transaction: streaming it holds no
	// connection.
	body, err := s.files.Open(ctx, *key)
	if err != nil {
		return f, nil, fmt.Errorf("evidence %d: %w", evidenceID, err)
	}
	return f, body, nil
}
