package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// PartnerSettings returns a partner's settings, or tally.ErrNotFound when
// the partner is out of scope.
func (s *Store) PartnerSettings(ctx context.Context, scope tally.Scope, partnerID int64) (_ tally.PartnerSettings, err error) {
	defer derrors.Wrap(&err, "Store.PartnerSettings(%d)", partnerID)
	var ps tally.PartnerSettings
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		ps, err = partnerSettings(ctx, tx, partnerID)
		return err
	})
	return ps, translate(err)
}

func partnerSettings(ctx context.Context, tx pgx.Tx, partnerID int64) (tally.PartnerSettings, error) {
	ps := tally.PartnerSettings{PartnerID: partnerID}
	var area string
	err := tx.QueryRow(ctx, `
		SELECT threshold_pence, default_weighting_permille, array_to_string(local_area, ' '), max_measures,
		       band_good, band_approaching, band_requires_improvement, version
		FROM partner_settings WHERE partner_id = $1 AND partner_id = ANY (tally_partner_ids())`, partnerID).
		Scan(&ps.Threshold, &ps.DefaultWeighting, &area, &ps.MaxMeasures,
			&ps.Bands.Good, &ps.Bands.Approaching, &ps.Bands.RequiresImprovement, &ps.Version)
	if err != nil {
		return ps, err
	}
	ps.LocalArea, err = tally.ParseLocalArea(area)
	return ps, err
}

// SavePartnerSettings creates or replaces a partner's settings and audits
// the change under the partner. ps.Version is the version the form was
// drawn from (0: the partner had none saved); when the settings have moved
// on since, it is tally.ErrConflict and nothing is written.
func (s *Store) SavePartnerSettings(ctx context.Context, scope tally.Scope, ps tally.PartnerSettings) (err error) {
	defer derrors.Wrap(&err, "Store.SavePartnerSettings(%d, %d)", ps.PartnerID, ps.Version)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	codes := ps.LocalArea.Codes()
	if codes == nil {
		codes = []string{} // an empty area is '{}', not NULL
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		args := []any{ps.PartnerID, ps.Threshold, ps.DefaultWeighting, codes, ps.MaxMeasures,
			ps.Bands.Good, ps.Bands.Approaching, ps.Bands.RequiresImprovement}
		q := `
			INSERT INTO partner_settings (partner_id, threshold_pence, default_weighting_permille, local_area, max_measures,
			                              band_good, band_approaching, band_requires_improvement)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (partner_id) DO NOTHING`
		if ps.Version != 0 {
			q = `
				UPDATE partner_settings SET threshold_pence = $2, default_weighting_permille = $3, local_area = $4,
				       max_measures = $5, band_good = $6, band_approaching = $7, band_requires_improvement = $8,
				       version = version + 1, updated_at = now()
				WHERE partner_id = $1 AND version = $9`
			args = append(args, ps.Version)
		}
		tag, err := tx.Exec(ctx, q, args...)
		if err == nil && tag.RowsAffected() == 0 {
			// Someone saved them first (or created them, for a form drawn
			// from the defaults).
			return fmt.Errorf("%w: settings of partner %d moved on from version %d", tally.ErrConflict, ps.PartnerID, ps.Version)
		}
		if err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: ps.PartnerID, UserID: scope.UserID, Action: "settings.update",
			Detail: map[string]any{
				"threshold": ps.Threshold.Pounds(), "default_weighting": ps.DefaultWeighting.String(),
				"local_area": ps.LocalArea.String(), "max_measures": ps.MaxMeasures,
				"bands": []int{ps.Bands.Good, ps.Bands.Approaching, ps.Bands.RequiresImprovement},
			}})
	})
	return translate(err)
}

// DraftTender is a draft as a settings change sees it: what a new
// threshold or measure limit would refuse when it is next saved.
type DraftTender struct {
	ID             int64
	Reference      string
	Title          string
	EstimatedValue tally.Pence
	Measures       int
}

// SettingsReach is the work a partner's settings apply to: its draft
// tenders and how many of its tenders are open for offers now.
type SettingsReach struct {
	Drafts []DraftTender
	Open   int
}

// PartnerSettingsReach lists a partner's draft tenders (by reference) and
// counts its open tenders, for the check before its settings change.
func (s *Store) PartnerSettingsReach(ctx context.Context, scope tally.Scope, partnerID int64) (_ SettingsReach, err error) {
	defer derrors.Wrap(&err, "Store.PartnerSettingsReach(%d)", partnerID)
	var sr SettingsReach
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT t.id, t.reference, t.title, t.estimated_value,
			       (SELECT count(*) FROM tender_measures m WHERE m.partner_id = t.partner_id AND m.tender_id = t.id)::int
			FROM tenders t WHERE t.partner_id = $1 AND t.partner_id = ANY (tally_partner_ids()) AND t.status = 'draft'
			ORDER BY t.reference`, partnerID)
		if err != nil {
			return err
		}
		if sr.Drafts, err = pgx.CollectRows(rows, pgx.RowToStructByPos[DraftTender]); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			SELECT count(*) FROM tenders WHERE partner_id = $1 AND partner_id = ANY (tally_partner_ids())
			AND status = 'published' AND deadline > now()`, partnerID).Scan(&sr.Open)
	})
	return sr, translate(err)
}

// DraftsUsingEdition lists the draft tenders in scope that ask for
// measures of an edition that orgID's choice alone offers them: any of its
// measures when all is true, otherwise only those of the plug-ins given. Switching these off for buyers strands
// the drafts, so the change is checked first.
func (s *Store) DraftsUsingEdition(ctx context.Context, scope tally.Scope, orgID, editionID int64, all bool, plugins []string) (_ []DraftTender, err error) {
	defer derrors.Wrap(&err, "Store.DraftsUsingEdition(%d, %d)", orgID, editionID)
	if plugins == nil {
		plugins = []string{}
	}
	var list []DraftTender
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT t.id, t.reference, t.title, t.estimated_value, count(*)::int
			FROM tenders t
			JOIN tender_measures tm ON tm.partner_id = t.partner_id AND tm.tender_id = t.id
			JOIN measures m ON m.id = tm.measure_id
			JOIN organisations p ON p.id = t.partner_id
			WHERE t.partner_id = ANY ($1) AND t.status = 'draft' AND m.edition_id = $2
			  AND ($3 OR m.plugin = ANY ($4))
			  -- still offered to the partner by its own or its shared service's choice
			  AND NOT EXISTS (SELECT 1 FROM edition_choices c
			                  WHERE c.edition_id = m.edition_id AND c.org_id <> $5
			                    AND c.org_id IN (p.id, p.shared_service_id)
			                    AND (m.plugin = '' OR m.plugin = ANY (c.plugins)))
			GROUP BY t.id, t.reference, t.title, t.estimated_value
			ORDER BY t.reference`, scope.PartnerIDs, editionID, all, plugins, orgID)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowToStructByPos[DraftTender])
		return err
	})
	return list, translate(err)
}
