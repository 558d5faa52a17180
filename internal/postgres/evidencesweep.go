package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/filestore"
)

// OrphanGrace is how old an evidence object must be before the sweep may
// delete it when no row names it: far longer than an upload takes between
// storing the object and committing its row.
const OrphanGrace = time.Hour

// sweepBatch is how many keys the sweep asks about at once.
const sweepBatch = 500

// SweepEvidenceFiles deletes the evidence objects written before cutoff
// (now less OrphanGrace, in production) that no evidence row names: those
// whose row was never written (a refused or failed upload the upload could
// not clean up after, a crash) and those of files removed from a return.
// It sees every tenant's rows (through evidence_unreferenced, which says
// only which keys are unknown) and returns how many objects it deleted.
func (s *Store) SweepEvidenceFiles(ctx context.Context, cutoff time.Time) (deleted int, err error) {
	defer derrors.Wrap(&err, "Store.SweepEvidenceFiles")
	if s.files == nil {
		return 0, nil
	}
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		rows, err := s.pool.Query(ctx, `SELECT k FROM evidence_unreferenced($1) AS k`, batch)
		if err != nil {
			return err
		}
		orphans, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, key := range orphans {
			if err := s.files.Delete(ctx, key); err != nil {
				return err
			}
			deleted++
		}
		batch = batch[:0]
		return nil
	}
	err = s.files.List(ctx, evidencePrefix+"/", func(o filestore.Object) error {
		if !o.Modified.Before(cutoff) {
			return nil // perhaps an upload whose row is not yet committed
		}
		batch = append(batch, o.Key)
		if len(batch) < sweepBatch {
			return nil
		}
		return flush()
	})
	if err != nil {
		return deleted, err
	}
	return deleted, flush()
}

// moveBatch is how many rows MoveEvidenceData looks up at once; it reads
// and moves them one at a time (at most 10 MiB in memory).
const moveBatch = 100

// MoveEvidenceData moves files whose content is still in the database
// (written before migration 000024, or by an older release during a
// rolling deploy) into the file store: for each, it writes the object,
// then in one statement sets the row's key and empties data, only if no
// other run moved it first (else it deletes its own copy). It is safe to
// run again, or beside itself, and returns how many it moved. s must be
// connected as the owner role: it works across every tenant (setting the
// scope of all partners, as the row-level security policies require even
// of the owner).
func (s *Store) MoveEvidenceData(ctx context.Context) (moved int, err error) {
	defer derrors.Wrap(&err, "Store.MoveEvidenceData")
	if s.files == nil {
		return 0, fmt.Errorf("no file store for evidence (Store.WithFiles)")
	}
	var last int64
	for {
		var ids []int64
		err := s.allPartners(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `
				SELECT id FROM evidence WHERE object_key IS NULL AND id > $1 ORDER BY id LIMIT $2`, last, moveBatch)
			if err != nil {
				return err
			}
			ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
		if err != nil || len(ids) == 0 {
			return moved, err
		}
		for _, id := range ids {
			ok, err := s.moveOne(ctx, id)
			if err != nil {
				return moved, fmt.Errorf("evidence %d: %w", id, err)
			}
			if ok {
				moved++
			}
		}
		last = ids[len(ids)-1]
	}
}

// moveOne moves one row's data to the file store, reporting whether this
// call moved it.
func (s *Store) moveOne(ctx context.Context, id int64) (bool, error) {
	var data []byte
	err := s.allPartners(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT data FROM evidence WHERE id = $1 AND object_key IS NULL`, id).Scan(&data)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // moved (or removed) since it was listed
	}
	if err != nil {
		return false, err
	}
	key := filestore.NewKey(evidencePrefix)
	if err := s.files.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return false, err
	}
	var n int64
	err = s.allPartners(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE evidence SET object_key = $2, data = NULL WHERE id = $1 AND object_key IS NULL`, id, key)
		n = tag.RowsAffected()
		return err
	})
	if err != nil || n == 0 {
		s.deleteEvidenceObject(ctx, key)
	}
	return n == 1, err
}

// allPartners runs fn in a transaction whose scope is every partner, for
// the owner's work across tenants.
func (s *Store) allPartners(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			SELECT set_config('app.partner_ids', (SELECT coalesce(array_agg(id), '{}')::text FROM organisations WHERE kind = 'partner'), true)`); err != nil {
			return err
		}
		return fn(tx)
	})
}
