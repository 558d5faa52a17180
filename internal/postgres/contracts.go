package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// NewContract is a contract to create: from an award, or directly.
type NewContract struct {
	PartnerID   int64
	SupplierID  int64
	TenderID    int64 // 0 for a direct contract
	OfferID     int64
	Reference   string
	Title       string
	Value       tally.Pence
	Start, End  time.Time // dates; End is the last day
	AwardedOn   time.Time
	AwardReason string
	KPIs        []NewKPI
}

// NewKPI is a committed measure of a new contract.
type NewKPI struct {
	Measure  tally.TenderMeasure // frozen values (a direct contract copies the catalogue's)
	Quantity tally.Quantity
}

// insertContract writes a contract, its KPIs and their linearly phased
// quarterly targets inside the caller's transaction.
func insertContract(ctx context.Context, tx pgx.Tx, scope tally.Scope, c NewContract) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO contracts (partner_id, supplier_id, tender_id, offer_id, reference, title, value, start_date, end_date,
		                       awarded_on, award_reason, direct, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		c.PartnerID, c.SupplierID, nullID(c.TenderID), nullID(c.OfferID), c.Reference, c.Title, int64(c.Value), c.Start, c.End,
		c.AwardedOn, c.AwardReason, c.TenderID == 0, nullID(scope.UserID)).Scan(&id)
	if conflictOn(err, "contracts_tender_idx") {
		return 0, tally.FormErrors{"award": "This tender has been awarded already"}
	}
	if conflictOn(err, "contracts_reference_idx") {
		return 0, tally.FormErrors{"reference": "This partner already has a contract with this reference: choose another"}
	}
	if err != nil {
		return 0, err
	}
	periods := tally.ReportingPeriods(c.Start, c.End)
	for i, k := range c.KPIs {
		m := k.Measure
		var proxy, measureID, tmID any
		if m.HasProxy {
			proxy = int64(m.Proxy)
		}
		if m.MeasureID != 0 {
			measureID = m.MeasureID
		}
		if m.ID != 0 {
			tmID = m.ID
		}
		var kpiID int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO kpis (partner_id, contract_id, supplier_id, position, tender_measure_id, measure_id, edition, code, title, unit,
			                  proxy, local, plugin, quantity)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			c.PartnerID, id, c.SupplierID, i+1, tmID, measureID, m.Edition, m.Code, m.Title, m.Unit, proxy, m.Local, m.Plugin,
			int64(k.Quantity)).Scan(&kpiID); err != nil {
			return 0, fmt.Errorf("kpi %s: %w", m.Code, err)
		}
		if err := writeTargets(ctx, tx, c.PartnerID, id, kpiID, c.SupplierID, periods, tally.PhaseTarget(k.Quantity, periods)); err != nil {
			return 0, err
		}
	}
	return id, refreshContract(ctx, tx, c.PartnerID, id, true)
}

// refreshContract recomputes a contract's rollups (migration 000010) in
// the caller's transaction: its committed value and its expected and
// delivered value per reporting period and, when its KPIs changed, the
// commitments of its award month. Every write that changes a contract's
// KPIs, targets or verified delivery calls it.
func refreshContract(ctx context.Context, tx pgx.Tx, partnerID, contractID int64, kpisChanged bool) error {
	q := `SELECT tally_refresh_contracts($1, $2)`
	if kpisChanged {
		q += `, tally_refresh_commitments($1, $2)`
	}
	if _, err := tx.Exec(ctx, q, []int64{partnerID}, []int64{contractID}); err != nil {
		return fmt.Errorf("refresh contract %d: %w", contractID, err)
	}
	return nil
}

func writeTargets(ctx context.Context, tx pgx.Tx, partnerID, contractID, kpiID, supplierID int64, periods []tally.Period, targets []tally.Quantity) error {
	if _, err := tx.Exec(ctx, `DELETE FROM kpi_targets WHERE partner_id = $1 AND contract_id = $2 AND kpi_id = $3`, partnerID, contractID, kpiID); err != nil {
		return err
	}
	for i, p := range periods {
		if _, err := tx.Exec(ctx, `
			INSERT INTO kpi_targets (partner_id, contract_id, kpi_id, supplier_id, period, period_start, period_end, due, target)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			partnerID, contractID, kpiID, supplierID, p.Number, p.Start, p.End, p.Due, int64(targets[i])); err != nil {
			return fmt.Errorf("kpi target: %w", err)
		}
	}
	return nil
}

// CreateDirectContract registers a contract that did not come through a
// tender (a legacy or direct award), with or without KPIs, and audits it.
func (s *Store) CreateDirectContract(ctx context.Context, scope tally.Scope, c NewContract) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.CreateDirectContract()")
	if err := scope.Require(tally.Buyers...); err != nil {
		return 0, err
	}
	var id int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		c.TenderID, c.OfferID = 0, 0
		var err error
		if id, err = insertContract(ctx, tx, scope, c); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: c.PartnerID, UserID: scope.UserID, Action: "contract.direct",
			Subject: "contract " + c.Reference, Detail: map[string]any{"id": id, "value": c.Value.Pounds(), "kpis": len(c.KPIs)}})
	})
	return id, translate(err)
}

const contractColumns = `
	c.id, c.partner_id, p.slug, p.name, c.supplier_id, s.slug, s.name, coalesce(c.tender_id, 0), c.reference, c.title, c.value,
	c.start_date, c.end_date, c.awarded_on, c.award_reason, c.direct, c.committed`

func scanContract(r pgx.Row) (tally.Contract, error) {
	var c tally.Contract
	err := r.Scan(&c.ID, &c.Partner.ID, &c.Partner.Slug, &c.Partner.Name, &c.Supplier.ID, &c.Supplier.Slug, &c.Supplier.Name,
		&c.TenderID, &c.Reference, &c.Title, &c.Value, &c.Start, &c.End, &c.AwardedOn, &c.AwardReason, &c.Direct, &c.Committed)
	c.Partner.Kind, c.Supplier.Kind = tally.Partner, tally.Supplier
	return c, err
}

// ContractFilter narrows a list of contracts.
type ContractFilter struct {
	PartnerID int64
	Query     string
	Limit     int
	Offset    int
}

// Contracts lists contracts in scope (a supplier's own, or its partners'),
// newest award first, with the number that match.
func (s *Store) Contracts(ctx context.Context, scope tally.Scope, f ContractFilter) (_ []tally.Contract, _ int, err error) {
	defer derrors.Wrap(&err, "Store.Contracts()")
	var list []tally.Contract
	var total int
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var like *string
		if q := strings.TrimSpace(f.Query); q != "" {
			p := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
			like = &p
		}
		where := `
			FROM contracts c JOIN organisations p ON p.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
			WHERE ($1 = 0 OR c.partner_id = $1)
			  AND ($2::text IS NULL OR lower(c.title) LIKE $2 OR lower(c.reference) LIKE $2 OR lower(s.name) LIKE $2)`
		if err := tx.QueryRow(ctx, `SELECT count(*) `+where, f.PartnerID, like).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+contractColumns+where+` ORDER BY c.awarded_on DESC, c.id DESC LIMIT $3 OFFSET $4`,
			f.PartnerID, like, max(f.Limit, 1), max(f.Offset, 0))
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Contract, error) { return scanContract(r) })
		return err
	})
	return list, total, translate(err)
}

// Contract returns a contract in scope with its KPIs and targets.
func (s *Store) Contract(ctx context.Context, scope tally.Scope, id int64) (_ tally.Contract, err error) {
	defer derrors.Wrap(&err, "Store.Contract(%d)", id)
	var c tally.Contract
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		c, err = contract(ctx, tx, id)
		return err
	})
	return c, translate(err)
}

func contract(ctx context.Context, tx pgx.Tx, id int64) (tally.Contract, error) {
	c, err := scanContract(tx.QueryRow(ctx, `SELECT `+contractColumns+`
		FROM contracts c JOIN organisations p ON p.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
		WHERE c.id = $1`, id))
	if err != nil {
		return c, err
	}
	rows, err := tx.Query(ctx, `
		SELECT id, edition, code, title, unit, coalesce(proxy, 0), proxy IS NOT NULL, local, plugin, quantity, version
		FROM kpis WHERE partner_id = $1 AND contract_id = $2 ORDER BY position`, c.Partner.ID, c.ID)
	if err != nil {
		return c, err
	}
	if c.KPIs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.KPI, error) {
		var k tally.KPI
		err := r.Scan(&k.ID, &k.Edition, &k.Code, &k.Title, &k.Unit, &k.Proxy, &k.HasProxy, &k.Local, &k.Plugin, &k.Quantity, &k.Version)
		return k, err
	}); err != nil {
		return c, err
	}
	trows, err := tx.Query(ctx, `
		SELECT t.kpi_id, t.period, t.period_start, t.period_end, t.due, t.target,
		       coalesce(l.quantity, 0), coalesce(l.quantity * (l.decision = 'verified')::int, 0), coalesce(r.status <> 'draft', false)
		FROM kpi_targets t
		LEFT JOIN returns r ON r.partner_id = t.partner_id AND r.contract_id = t.contract_id AND r.period = t.period
		LEFT JOIN return_lines l ON l.partner_id = r.partner_id AND l.return_id = r.id AND l.kpi_id = t.kpi_id
		WHERE t.partner_id = $1 AND t.contract_id = $2 ORDER BY t.kpi_id, t.period`, c.Partner.ID, c.ID)
	if err != nil {
		return c, err
	}
	for trows.Next() {
		var kpiID int64
		var t tally.KPITarget
		if err := trows.Scan(&kpiID, &t.Period.Number, &t.Period.Start, &t.Period.End, &t.Period.Due, &t.Target,
			&t.Reported, &t.Verified, &t.HasReturn); err != nil {
			return c, err
		}
		for i := range c.KPIs {
			if c.KPIs[i].ID == kpiID {
				c.KPIs[i].Targets = append(c.KPIs[i].Targets, t)
			}
		}
	}
	return c, trows.Err()
}

// SetKPITargets re-baselines a KPI after award: targets holds one target
// per period, and only periods that have not ended and have no return in
// (tally.KPITarget.Locked, by the UK date of the database clock) may
// differ from their current target. It refuses (FormErrors) a blank
// reason, the wrong number of targets, a change to a locked period
// ("target-N") or no change at all. The committed quantity becomes the sum
// of the targets; the change is kept in the contract's history
// (kpi_changes) with its reason, and audited. version is the KPI's version
// the form was drawn from: when the KPI has moved on since (someone else
// changed its targets), it is tally.ErrConflict and nothing is written.
func (s *Store) SetKPITargets(ctx context.Context, scope tally.Scope, contractID, kpiID int64, version int, targets []tally.Quantity, reason string) (err error) {
	defer derrors.Wrap(&err, "Store.SetKPITargets(%d, %d, %d)", contractID, kpiID, version)
	if err := scope.Require(tally.ContractChangers...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		// Lock the KPI before reading its targets, so the version checked
		// is the one the change is made to.
		var current int
		if err := tx.QueryRow(ctx, `SELECT version FROM kpis WHERE id = $1 AND contract_id = $2 FOR UPDATE`, kpiID, contractID).Scan(&current); err != nil {
			return err
		}
		if current != version {
			return fmt.Errorf("%w: KPI %d is at version %d, the form was for %d", tally.ErrConflict, kpiID, current, version)
		}
		c, err := contract(ctx, tx, contractID)
		if err != nil {
			return err
		}
		var k *tally.KPI
		for i := range c.KPIs {
			if c.KPIs[i].ID == kpiID {
				k = &c.KPIs[i]
			}
		}
		if k == nil {
			return tally.ErrNotFound
		}
		var today time.Time
		if err := tx.QueryRow(ctx, `SELECT (now() AT TIME ZONE 'Europe/London')::date`).Scan(&today); err != nil {
			return err
		}
		errs := tally.FormErrors{}
		if len(targets) != len(k.Targets) {
			errs.Add("targets", "Enter a target for every period")
		}
		if strings.TrimSpace(reason) == "" {
			errs.Add("reason", "Enter a reason for the change")
		}
		first := 0
		for i, t := range k.Targets {
			if i >= len(targets) || targets[i] == t.Target {
				continue
			}
			if t.Locked(today) {
				errs.Add(fmt.Sprintf("target-%d", t.Period.Number), fmt.Sprintf(
					"Period %d's target cannot change: the period has ended or its return is in", t.Period.Number))
			} else if first == 0 {
				first = t.Period.Number
			}
		}
		if len(errs) == 0 && first == 0 {
			errs.Add("targets", "Change at least one target of a period to come")
		}
		if len(errs) > 0 {
			return errs
		}
		var before, after []string
		var total tally.Quantity
		for i, t := range k.Targets {
			before, after = append(before, t.Target.String()), append(after, targets[i].String())
			total += targets[i]
			if targets[i] == t.Target {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE kpi_targets SET target = $5
				WHERE partner_id = $1 AND contract_id = $2 AND kpi_id = $3 AND period = $4`,
				c.Partner.ID, c.ID, k.ID, t.Period.Number, int64(targets[i])); err != nil {
				return fmt.Errorf("kpi target: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE kpis SET quantity = $3, version = version + 1 WHERE partner_id = $1 AND id = $2`, c.Partner.ID, k.ID, int64(total)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO kpi_changes (partner_id, contract_id, kpi_id, supplier_id, changed_by, changed_by_name, reason,
			                         quantity_before, quantity_after, first_period)
			VALUES ($1, $2, $3, $4, $5, coalesce((SELECT name FROM users WHERE id = $5), ''), $6, $7, $8, $9)`,
			c.Partner.ID, c.ID, k.ID, c.Supplier.ID, nullID(scope.UserID), strings.TrimSpace(reason), int64(k.Quantity), int64(total),
			first); err != nil {
			return fmt.Errorf("kpi change: %w", err)
		}
		if err := refreshContract(ctx, tx, c.Partner.ID, c.ID, true); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, notify.ContractSupplier(c, notify.TargetsChanged(c, *k, total, reason))); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: c.Partner.ID, UserID: scope.UserID, Action: "kpi.change",
			Subject: "contract " + c.Reference + " " + k.Code, Detail: map[string]any{"before": before, "after": after, "reason": reason}})
	})
	return translate(err)
}

// KPIChange is one re-baseline in a contract's history.
type KPIChange struct {
	At         time.Time
	Code       string
	Title      string
	Unit       string
	Before     tally.Quantity // committed quantity before
	After      tally.Quantity
	FromPeriod int
	Reason     string
	By         string // the person's name then; "" when unknown
}

// KPIChanges lists a contract's KPI target changes in scope, newest first.
func (s *Store) KPIChanges(ctx context.Context, scope tally.Scope, contractID int64) (_ []KPIChange, err error) {
	defer derrors.Wrap(&err, "Store.KPIChanges(%d)", contractID)
	var list []KPIChange
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT ch.changed_at, k.code, k.title, k.unit, ch.quantity_before, ch.quantity_after, ch.first_period, ch.reason, ch.changed_by_name
			FROM kpi_changes ch JOIN kpis k ON k.partner_id = ch.partner_id AND k.contract_id = ch.contract_id AND k.id = ch.kpi_id
			WHERE ch.partner_id = (SELECT partner_id FROM contracts WHERE id = $1) AND ch.contract_id = $1
			ORDER BY ch.changed_at DESC, ch.id DESC`, contractID)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[KPIChange])
		return err
	})
	return list, translate(err)
}

// Notification is an in-app message to an organisation.
type Notification struct {
	At      time.Time
	Subject string
	Body    string
	Link    string
}

// Notifications lists an organisation's recent notifications.
func (s *Store) Notifications(ctx context.Context, scope tally.Scope, orgID int64, limit int) (_ []Notification, err error) {
	defer derrors.Wrap(&err, "Store.Notifications(%d)", orgID)
	var list []Notification
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT at, subject, body, link FROM notifications WHERE org_id = $1 AND org_id = ANY (tally_org_ids())
			ORDER BY at DESC LIMIT $2`, orgID, limit)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Notification])
		return err
	})
	return list, translate(err)
}

// ContractForTender returns the id of the contract awarded from a tender.
func (s *Store) ContractForTender(ctx context.Context, scope tally.Scope, tenderID int64) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.ContractForTender(%d)", tenderID)
	var id int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM contracts WHERE tender_id = $1`, tenderID).Scan(&id)
	})
	return id, translate(err)
}

// Suppliers lists every supplier organisation, for a direct contract.
func (s *Store) Suppliers(ctx context.Context) (_ []tally.Org, err error) {
	defer derrors.Wrap(&err, "Store.Suppliers()")
	rows, err := s.pool.Query(ctx, `SELECT id, kind, slug, name, 0::bigint FROM organisations WHERE kind = 'supplier' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanOrg)
}

// ContractListFilter narrows, sorts and pages the contracts list.
type ContractListFilter struct {
	PartnerID int64
	Query     string    // words in the reference, title or supplier's name
	Status    string    // "", "not_started", "live" or "ended", on AsOf
	Rating    string    // "", a ContractRow.Rating key: "good", "approaching", "requires_improvement", "inadequate", "not_yet_due" or "none"
	Sort      string    // "" (newest award first), "value", "committed", "reference", "supplier" or "end"
	AsOf      time.Time // the day statuses and ratings are for
	Limit     int
	Offset    int
}

// ContractRow is a contract in a list, with its delivery to date.
type ContractRow struct {
	tally.Contract
	Expected  tally.Pence // phased commitment of the periods due by AsOf
	Delivered tally.Pence // verified
	Rating    string      // "none" for a contract without KPIs; else as tally.Rate rates it
}

// contractRatingSQL rates the contract c at $1 from its rollups (migration
// 000010) with its partner's bands ($2-$4 when it has none): the same rule
// as tally.Rate (TestContractListRatesAsRateDoes holds them together).
const contractRatingSQL = `(
	SELECT coalesce(lp.expected, 0) AS expected, coalesce(lp.delivered, 0) AS delivered,
	       CASE WHEN c.kpi_count = 0 THEN 'none'
	            WHEN coalesce(lp.expected, 0) <= 0 THEN 'not_yet_due'
	            WHEN lp.delivered::numeric * 100 >= coalesce(ps.band_good, $2)::numeric * lp.expected THEN 'good'
	            WHEN lp.delivered::numeric * 100 >= coalesce(ps.band_approaching, $3)::numeric * lp.expected THEN 'approaching'
	            WHEN lp.delivered::numeric * 100 >= coalesce(ps.band_requires_improvement, $4)::numeric * lp.expected THEN 'requires_improvement'
	            ELSE 'inadequate' END AS rating
	FROM (SELECT 1) one
	LEFT JOIN LATERAL (
		SELECT p.expected, p.delivered FROM contract_periods p
		WHERE p.partner_id = c.partner_id AND p.contract_id = c.id AND p.due <= $1::date ORDER BY p.due DESC LIMIT 1) lp ON true
	LEFT JOIN partner_settings ps ON ps.partner_id = c.partner_id)`

// contractSorts are the list's orders, each ending on the id so pages
// never overlap.
var contractSorts = map[string]string{
	"":          "c.awarded_on DESC, c.id DESC",
	"value":     "c.value DESC, c.id DESC",
	"committed": "c.committed DESC, c.id DESC",
	"reference": "lower(c.reference), c.id",
	"supplier":  "lower(s.name), c.id",
	"end":       "c.end_date, c.id",
}

// ContractList lists contracts in scope (a supplier's own, or its
// partners') with their status and rating on f.AsOf, filtered, sorted and
// a page at a time, and how many match.
func (s *Store) ContractList(ctx context.Context, scope tally.Scope, f ContractListFilter) (_ []ContractRow, _ int, err error) {
	defer derrors.Wrap(&err, "Store.ContractList()")
	var list []ContractRow
	var total int
	b := tally.DefaultBands()
	args := []any{f.AsOf, b.Good, b.Approaching, b.RequiresImprovement}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	conds := []string{"true"}
	if f.PartnerID != 0 {
		conds = append(conds, "c.partner_id = "+arg(f.PartnerID))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + likeEscaper.Replace(strings.ToLower(q)) + "%")
		conds = append(conds, "(lower(c.title) LIKE "+p+" OR lower(c.reference) LIKE "+p+" OR lower(s.name) LIKE "+p+")")
	}
	switch f.Status {
	case "not_started":
		conds = append(conds, "c.start_date > $1::date")
	case "live":
		conds = append(conds, "c.start_date <= $1::date AND c.end_date >= $1::date")
	case "ended":
		conds = append(conds, "c.end_date < $1::date")
	}
	if f.Rating != "" {
		conds = append(conds, "r.rating = "+arg(f.Rating))
	}
	order, ok := contractSorts[f.Sort]
	if !ok {
		order = contractSorts[""]
	}
	from := `
		FROM contracts c JOIN organisations p ON p.id = c.partner_id JOIN organisations s ON s.id = c.supplier_id
		LEFT JOIN LATERAL ` + contractRatingSQL + ` r ON true
		WHERE ` + strings.Join(conds, " AND ")
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) `+from, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+contractColumns+`, r.expected, r.delivered, r.rating `+from+
			` ORDER BY `+order+` LIMIT `+strconv.Itoa(max(f.Limit, 1))+` OFFSET `+strconv.Itoa(max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ContractRow, error) {
			var c ContractRow
			err := r.Scan(&c.ID, &c.Partner.ID, &c.Partner.Slug, &c.Partner.Name, &c.Supplier.ID, &c.Supplier.Slug, &c.Supplier.Name,
				&c.TenderID, &c.Reference, &c.Title, &c.Value, &c.Start, &c.End, &c.AwardedOn, &c.AwardReason, &c.Direct, &c.Committed,
				&c.Expected, &c.Delivered, &c.Rating)
			c.Partner.Kind, c.Supplier.Kind = tally.Partner, tally.Supplier
			return c, err
		})
		return err
	})
	return list, total, translate(err)
}
