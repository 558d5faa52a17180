package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// MaxEvidenceFiles is the most files one return may carry.
const MaxEvidenceFiles = 20

// StartReturn opens the return for one ended reporting period of a
// contract with KPIs, or finds the one already open. The supplier or a
// contract manager on its behalf may start it.
func (s *Store) StartReturn(ctx context.Context, scope tally.Scope, contractID int64, period int) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.StartReturn(%d, %d)", contractID, period)
	if err := scope.Require(tally.ReturnEditors...); err != nil {
		return 0, err
	}
	var id int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		c, err := contract(ctx, tx, contractID)
		if err != nil {
			return err
		}
		var p *tally.Period
		for _, k := range c.KPIs {
			for _, t := range k.Targets {
				if t.Period.Number == period {
					p = &t.Period
				}
			}
		}
		if p == nil {
			return tally.ErrNotFound
		}
		var ended bool
		if err := tx.QueryRow(ctx, `SELECT $1::date <= current_date`, p.End).Scan(&ended); err != nil {
			return err
		}
		if !ended {
			return tally.FormErrors{"period": "This period has not ended yet: report on it once it has"}
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO returns (partner_id, contract_id, supplier_id, period, period_start, period_end, due)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (partner_id, contract_id, period) DO UPDATE SET updated_at = returns.updated_at
			RETURNING id`, c.Partner.ID, c.ID, c.Supplier.ID, p.Number, p.Start, p.End, p.Due).Scan(&id)
		if err != nil {
			return err
		}
		for _, k := range c.KPIs {
			if _, err := tx.Exec(ctx, `
				INSERT INTO return_lines (partner_id, return_id, kpi_id, contract_id, supplier_id) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, c.Partner.ID, id, k.ID, c.ID, c.Supplier.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return id, returnErr(err)
}

// Return loads a return in scope with its lines, the period's targets and
// its evidence (with possible double counting flagged).
func (s *Store) Return(ctx context.Context, scope tally.Scope, id int64) (_ tally.Return, err error) {
	defer derrors.Wrap(&err, "Store.Return(%d)", id)
	var r tally.Return
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		r, err = loadReturn(ctx, tx, id)
		return err
	})
	return r, translate(err)
}

func loadReturn(ctx context.Context, tx pgx.Tx, id int64) (tally.Return, error) {
	var r tally.Return
	var contractID int64
	var submitted *time.Time
	err := tx.QueryRow(ctx, `
		SELECT id, contract_id, period, period_start, period_end, due, status, narrative, attest_contract, attest_period, version,
		       decisions_version, submitted_at
		FROM returns WHERE id = $1`, id).Scan(&r.ID, &contractID, &r.Period.Number, &r.Period.Start, &r.Period.End, &r.Period.Due,
		&r.Status, &r.Narrative, &r.AttestContract, &r.AttestPeriod, &r.Version, &r.DecisionsVersion, &submitted)
	if err != nil {
		return r, err
	}
	if submitted != nil {
		r.SubmittedAt = *submitted
	}
	if r.Contract, err = contract(ctx, tx, contractID); err != nil {
		return r, err
	}
	rows, err := tx.Query(ctx, `
		SELECT kpi_id, quantity, decision, note, answer FROM return_lines WHERE partner_id = $1 AND return_id = $2`, r.Contract.Partner.ID, r.ID)
	if err != nil {
		return r, err
	}
	lines := map[int64]tally.ReturnLine{}
	for rows.Next() {
		var kpiID int64
		var l tally.ReturnLine
		if err := rows.Scan(&kpiID, &l.Quantity, &l.Decision, &l.Note, &l.Answer); err != nil {
			return r, err
		}
		lines[kpiID] = l
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	for _, k := range r.Contract.KPIs {
		l, ok := lines[k.ID]
		if !ok {
			continue
		}
		l.KPI = k
		for _, t := range k.Targets {
			if t.Period.Number == r.Period.Number {
				l.Target = t.Target
			}
		}
		r.Lines = append(r.Lines, l)
	}
	erows, err := tx.Query(ctx, `
		SELECT id, name, content_type, size, sha256, uploaded_at FROM evidence WHERE partner_id = $1 AND return_id = $2 ORDER BY id`,
		r.Contract.Partner.ID, r.ID)
	if err != nil {
		return r, err
	}
	if r.Evidence, err = pgx.CollectRows(erows, func(row pgx.CollectableRow) (tally.Evidence, error) {
		var e tally.Evidence
		err := row.Scan(&e.ID, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &e.UploadedAt)
		return e, err
	}); err != nil {
		return r, err
	}
	for i := range r.Evidence {
		if r.Evidence[i].Elsewhere, err = evidenceElsewhere(ctx, tx, r.Evidence[i].SHA256, r.ID); err != nil {
			return r, err
		}
	}
	return r, nil
}

// evidenceElsewhere finds other submitted returns with the same file, and
// whether the current scope may open each.
func evidenceElsewhere(ctx context.Context, tx pgx.Tx, digest string, returnID int64) ([]tally.EvidenceCopy, error) {
	rows, err := tx.Query(ctx, `SELECT partner_id, return_id, contract_id FROM evidence_elsewhere($1, $2)`, digest, returnID)
	if err != nil {
		return nil, fmt.Errorf("evidence elsewhere: %w", err)
	}
	copies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.EvidenceCopy, error) {
		var c tally.EvidenceCopy
		err := r.Scan(&c.PartnerID, &c.ReturnID, &c.ContractID)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	for i := range copies {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM returns WHERE id = $1)`, copies[i].ReturnID).Scan(&copies[i].Visible); err != nil {
			return nil, err
		}
	}
	return copies, nil
}

// ReturnInput is what the supplier (or a contract manager for it) entered.
type ReturnInput struct {
	Narrative      string
	AttestContract bool
	AttestPeriod   bool
	Quantities     map[int64]tally.Quantity // by KPI
	Answers        map[int64]string         // answers to queries, by KPI
}

// lockEditableReturn locks a return the supplier may change: a draft, or a
// queried one (then only its queried lines).
func lockEditableReturn(ctx context.Context, tx pgx.Tx, id, version int) (tally.Return, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM returns WHERE id = $1 FOR UPDATE`, id); err != nil {
		return tally.Return{}, err
	}
	r, err := loadReturn(ctx, tx, int64(id))
	if err != nil {
		return r, err
	}
	if r.Status != tally.ReturnDraft && r.Status != tally.ReturnQueried {
		return r, tally.FormErrors{"return": "This return has been submitted, so it cannot be changed now"}
	}
	if version != r.Version {
		return r, fmt.Errorf("%w: return %d changed", tally.ErrConflict, id)
	}
	return r, nil
}

// SaveReturn saves the return's narrative, attestations and quantities. On
// a queried return only the queried lines change, with their answers.
func (s *Store) SaveReturn(ctx context.Context, scope tally.Scope, id int64, version int, in ReturnInput) (err error) {
	defer derrors.Wrap(&err, "Store.SaveReturn(%d, %d)", id, version)
	if err := scope.Require(tally.ReturnEditors...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		r, err := lockEditableReturn(ctx, tx, int(id), version)
		if err != nil {
			return err
		}
		if r.Status != tally.ReturnDraft {
			// A return that has been submitted keeps both attestations (the
			// database refuses anything else): say so rather than fail.
			errs := tally.FormErrors{}
			attestErrors(errs, in.AttestContract, in.AttestPeriod)
			if err := errs.Err(); err != nil {
				return err
			}
		}
		for _, l := range r.Lines {
			q, ok := in.Quantities[l.KPI.ID]
			if !ok || (r.Status == tally.ReturnQueried && l.Decision != tally.DecisionQueried) {
				continue
			}
			if _, err := tx.Exec(ctx, `
				UPDATE return_lines SET quantity = $4, answer = $5 WHERE partner_id = $1 AND return_id = $2 AND kpi_id = $3`,
				r.Contract.Partner.ID, r.ID, l.KPI.ID, int64(q), in.Answers[l.KPI.ID]); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `
			UPDATE returns SET narrative = $3, attest_contract = $4, attest_period = $5, version = version + 1, updated_at = now()
			WHERE partner_id = $1 AND id = $2`, r.Contract.Partner.ID, r.ID, in.Narrative, in.AttestContract, in.AttestPeriod)
		return err
	})
	return returnErr(err)
}

// AddEvidence attaches a file to a draft or queried return. The object is
// stored first, outside the transaction (a slow upload to the object store
// holds no connection or lock), then the row is written; if the row is
// not written the object is deleted, and if even that fails the orphan
// sweep (SweepEvidenceFiles) deletes it later.
func (s *Store) AddEvidence(ctx context.Context, scope tally.Scope, returnID int64, version int, f EvidenceFile) (err error) {
	defer derrors.Wrap(&err, "Store.AddEvidence(%d, %d)", returnID, version)
	if err := scope.Require(tally.ReturnEditors...); err != nil {
		return err
	}
	key, err := s.putEvidence(ctx, f)
	if err != nil {
		return err
	}
	rolledBack := true // until the transaction's work is done: then only COMMIT can fail, and its outcome is unknown
	defer func() {
		if err != nil && rolledBack {
			s.deleteEvidenceObject(ctx, key)
		}
	}()
	scan, err := s.checkEvidence(ctx, key, f)
	if err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		r, err := lockEditableReturn(ctx, tx, int(returnID), version)
		if err != nil {
			return err
		}
		for _, e := range r.Evidence {
			if e.SHA256 == f.SHA256 {
				return tally.FormErrors{"file": fmt.Sprintf("This file is already attached to this return, as %s: choose a different file", e.Name)}
			}
		}
		if len(r.Evidence) >= MaxEvidenceFiles {
			return tally.FormErrors{"file": fmt.Sprintf("A return can have at most %d files: remove one first", MaxEvidenceFiles)}
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO evidence (partner_id, return_id, contract_id, supplier_id, name, content_type, size, sha256, object_key, scan, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			r.Contract.Partner.ID, r.ID, r.Contract.ID, r.Contract.Supplier.ID, f.Name, f.ContentType, f.Size, f.SHA256, key, scan,
			nullID(scope.UserID)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE returns SET version = version + 1, updated_at = now() WHERE partner_id = $1 AND id = $2`,
			r.Contract.Partner.ID, r.ID)
		if err == nil {
			rolledBack = false
		}
		return err
	})
	return returnErr(err)
}

// RemoveEvidence detaches a file from a draft or queried return.
func (s *Store) RemoveEvidence(ctx context.Context, scope tally.Scope, returnID int64, version int, evidenceID int64) (err error) {
	defer derrors.Wrap(&err, "Store.RemoveEvidence(%d, %d, %d)", returnID, version, evidenceID)
	if err := scope.Require(tally.ReturnEditors...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		r, err := lockEditableReturn(ctx, tx, int(returnID), version)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM evidence WHERE partner_id = $1 AND return_id = $2 AND id = $3`, r.Contract.Partner.ID, r.ID, evidenceID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return tally.ErrNotFound
		}
		_, err = tx.Exec(ctx, `UPDATE returns SET version = version + 1, updated_at = now() WHERE partner_id = $1 AND id = $2`,
			r.Contract.Partner.ID, r.ID)
		return err
	})
	return returnErr(err)
}

// ReturnSubmitErrors says what a saved return lacks before it can be
// submitted: both attestations, and an answer to every question.
func ReturnSubmitErrors(r tally.Return) tally.FormErrors {
	errs := tally.FormErrors{}
	attestErrors(errs, r.AttestContract, r.AttestPeriod)
	for _, l := range r.Lines {
		if r.Status == tally.ReturnQueried && l.Decision == tally.DecisionQueried && l.Answer == "" {
			errs.Add(fmt.Sprintf("answer-%d", l.KPI.ID), "Answer the question about "+l.KPI.Code)
		}
	}
	return errs
}

func attestErrors(errs tally.FormErrors, contract, period bool) {
	if !contract {
		errs.Add("attest_contract", "Confirm that the figures relate only to this contract")
	}
	if !period {
		errs.Add("attest_period", "Confirm that the figures relate only to this period")
	}
}

// SubmitReturn submits a draft or answered return in one transaction: both
// attestations are needed, queried lines go back for verification, and the
// supplier's log records it. It returns the return as submitted.
func (s *Store) SubmitReturn(ctx context.Context, scope tally.Scope, id int64, version int) (_ tally.Return, err error) {
	defer derrors.Wrap(&err, "Store.SubmitReturn(%d, %d)", id, version)
	if err := scope.Require(tally.ReturnEditors...); err != nil {
		return tally.Return{}, err
	}
	var r tally.Return
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		if r, err = lockEditableReturn(ctx, tx, int(id), version); err != nil {
			return err
		}
		if err := ReturnSubmitErrors(r).Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE return_lines SET decision = 'pending' WHERE partner_id = $1 AND return_id = $2 AND decision = 'queried'`,
			r.Contract.Partner.ID, r.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE returns SET status = 'submitted', submitted_at = now(), submitted_by = $3, version = version + 1, updated_at = now()
			WHERE partner_id = $1 AND id = $2`, r.Contract.Partner.ID, r.ID, nullID(scope.UserID)); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, notify.ReturnManagers(r)); err != nil {
			return err
		}
		org := r.Contract.Supplier.ID
		if scope.SupplierID == 0 {
			org = r.Contract.Partner.ID // a contract manager submitting on the supplier's behalf
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: org, UserID: scope.UserID, Action: "return.submit",
			Subject: fmt.Sprintf("contract %s period %d", r.Contract.Reference, r.Period.Number),
			Detail:  map[string]any{"return": r.ID, "files": len(r.Evidence)}})
	})
	return r, returnErr(err)
}

// Verdict is a contract manager's decision on one line.
type Verdict struct {
	KPIID    int64
	Decision tally.Decision
	Note     string
}

// VerifyReturn records decisions on a submitted return's pending lines,
// each audited. A queried line sends the return back to the supplier; when
// every line is decided and none queried the return is complete. version
// is the return's DecisionsVersion the form was drawn from: when decisions
// have been made since (or a queried line answered), or a verdict names a
// line no longer pending, it is tally.ErrConflict and nothing is written.
func (s *Store) VerifyReturn(ctx context.Context, scope tally.Scope, id int64, version int, verdicts []Verdict) (_ tally.Return, err error) {
	defer derrors.Wrap(&err, "Store.VerifyReturn(%d, %d)", id, version)
	if err := scope.Require(tally.ContractManagers...); err != nil {
		return tally.Return{}, err
	}
	var r tally.Return
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM returns WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		var err error
		if r, err = loadReturn(ctx, tx, id); err != nil {
			return err
		}
		// A queried return's other lines can still be decided while the
		// supplier answers.
		if r.Status != tally.ReturnSubmitted && r.Status != tally.ReturnQueried {
			return tally.FormErrors{"return": "Only a submitted return awaiting verification can be checked"}
		}
		if r.DecisionsVersion != version {
			return fmt.Errorf("%w: return %d's decisions are at version %d, the form was for %d", tally.ErrConflict, id, r.DecisionsVersion, version)
		}
		pending := map[int64]bool{}
		for _, l := range r.Lines {
			pending[l.KPI.ID] = l.Decision == tally.DecisionPending
		}
		for _, v := range verdicts {
			if v.Decision == tally.DecisionPending {
				continue
			}
			if !pending[v.KPIID] {
				// Decided already: never decided twice, last one winning.
				return fmt.Errorf("%w: return %d's line for KPI %d is decided", tally.ErrConflict, id, v.KPIID)
			}
			if _, err := tx.Exec(ctx, `
				UPDATE return_lines SET decision = $4, note = $5, decided_by = $6, decided_at = now()
				WHERE partner_id = $1 AND return_id = $2 AND kpi_id = $3`,
				r.Contract.Partner.ID, r.ID, v.KPIID, string(v.Decision), v.Note, nullID(scope.UserID)); err != nil {
				return err
			}
			if err := AppendAudit(ctx, tx, tally.AuditEntry{OrgID: r.Contract.Partner.ID, UserID: scope.UserID, Action: "return." + string(v.Decision),
				Subject: fmt.Sprintf("contract %s period %d", r.Contract.Reference, r.Period.Number),
				Detail:  map[string]any{"return": r.ID, "kpi": v.KPIID, "note": v.Note}}); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE returns SET status = CASE
			         WHEN EXISTS (SELECT 1 FROM return_lines l WHERE l.partner_id = $1 AND l.return_id = $2 AND l.decision = 'queried') THEN 'queried'
			         WHEN NOT EXISTS (SELECT 1 FROM return_lines l WHERE l.partner_id = $1 AND l.return_id = $2 AND l.decision = 'pending') THEN 'complete'
			         ELSE 'submitted' END,
			       -- the supplier's form on a queried return stays current:
			       -- decisions on other lines do not change what it edits
			       version = version + CASE WHEN status = 'submitted' THEN 1 ELSE 0 END, updated_at = now()
			WHERE partner_id = $1 AND id = $2`, r.Contract.Partner.ID, r.ID); err != nil {
			return err
		}
		if err := refreshContract(ctx, tx, r.Contract.Partner.ID, r.Contract.ID, false); err != nil {
			return err
		}
		if r, err = loadReturn(ctx, tx, id); err != nil {
			return err
		}
		return s.tell(ctx, tx, notify.ReturnSupplier(r))
	})
	return r, returnErr(err)
}

// returnErr translates errors as translate does, and turns a rule the
// database enforces on returns, lines or evidence into a message to show:
// the handlers check these first, so this is the last line of defence,
// never a 500.
func returnErr(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return translate(err)
	}
	switch pgErr.Code {
	case "23514", "23502", "22001", "22003", "22021", "22P02": // check, not null, too long, out of range, bad bytes, bad text
	default:
		return translate(err)
	}
	field, msg := "return", "Something in this return could not be saved: check what you entered and try again"
	switch pgErr.ConstraintName {
	case "returns_check":
		field, msg = "attest_contract", "Confirm that the figures relate only to this contract and only to this period"
	case "returns_narrative_check":
		field, msg = "narrative", "The description of what you delivered must be 5,000 characters or fewer"
	case "return_lines_quantity_check":
		msg = "Each quantity delivered must be 0 or more"
	case "return_lines_check":
		msg = "Give the question or the reason for each line you query or reject"
	case "return_lines_note_check", "return_lines_answer_check":
		msg = "Each question, reason or answer must be 2,000 characters or fewer"
	case "evidence_name_check", "evidence_size_check", "evidence_sha256_check":
		field, msg = "file", "The file could not be stored: it must be between 1 byte and 10 MB, with a name. Choose it again"
	}
	return fmt.Errorf("%w: %s", tally.FormErrors{field: msg}, pgErr.ConstraintName)
}
