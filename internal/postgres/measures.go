package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/tally"
)

// ImportEdition stores a parsed edition in one transaction: all of it or
// none. orgID is the importing organisation (0 for one shipped with Tally).
// An edition name already taken is refused as a FormErrors on "file": a
// new version is a new edition.
func (s *Store) ImportEdition(ctx context.Context, scope tally.Scope, orgID int64, e measurecsv.Edition, illustrative bool) (_ int64, err error) {
	defer derrors.Wrap(&err, "Store.ImportEdition(%d)", orgID)
	if err := scope.Require(tally.Admins...); err != nil {
		return 0, err
	}
	var id int64
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var org, user *int64
		if orgID != 0 {
			org = &orgID
		}
		if scope.UserID != 0 {
			user = &scope.UserID
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO editions (name, illustrative, imported_by_org_id, imported_by_user_id)
			VALUES ($1, $2, $3, $4) RETURNING id`, e.Name, illustrative, org, user).Scan(&id)
		if conflictOn(err, "editions_name_idx") {
			return tally.FormErrors{"file": fmt.Sprintf("An edition called %q already exists. A new version must be a new edition: change the edition name in the file", e.Name)}
		}
		if err != nil {
			return err
		}
		rows := make([][]any, len(e.Measures))
		for i, m := range e.Measures {
			rows[i] = []any{id, i + 1, m.Theme, m.Outcome, m.Code, m.Title, m.Unit, proxyOrNil(m), m.Local, m.Plugin, maxOrNil(m), m.Description}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"measures"},
			[]string{"edition_id", "position", "theme", "outcome", "code", "title", "unit", "proxy", "local", "plugin", "max_per_million", "description"},
			pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("copy measures: %w", err)
		}
		if orgID != 0 {
			return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "measures.import",
				Subject: e.Name, Detail: map[string]any{"measures": len(e.Measures)}})
		}
		return nil
	})
	return id, translate(err)
}

func proxyOrNil(m tally.Measure) any {
	if !m.HasProxy {
		return nil
	}
	return int64(m.Proxy)
}

func maxOrNil(m tally.Measure) any {
	if !m.HasMax {
		return nil
	}
	return int64(m.MaxPerMillion)
}

// Editions lists the editions an organisation can see, with whether they
// are chosen for its buyers. Shipped editions and those imported by an
// organisation in reach are listed (a licensed edition stays with the
// councils that imported it).
func (s *Store) Editions(ctx context.Context, scope tally.Scope, orgID int64) (_ []tally.Edition, err error) {
	defer derrors.Wrap(&err, "Store.Editions(%d)", orgID)
	return s.editions(ctx, scope, orgID)
}

// editions is Editions without the wrap, for callers inside the store.
func (s *Store) editions(ctx context.Context, scope tally.Scope, orgID int64) (_ []tally.Edition, err error) {
	var eds []tally.Edition
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT e.id, e.name, e.illustrative,
			       coalesce((SELECT array_agg(DISTINCT m.plugin ORDER BY m.plugin) FROM measures m
			                 WHERE m.edition_id = e.id AND m.plugin <> ''), '{}'),
			       (SELECT count(*) FROM measures m WHERE m.edition_id = e.id),
			       EXISTS (SELECT 1 FROM edition_choices c WHERE c.edition_id = e.id),
			       EXISTS (SELECT 1 FROM edition_choices c WHERE c.edition_id = e.id AND c.org_id = $1),
			       coalesce((SELECT array_agg(DISTINCT p ORDER BY p) FROM edition_choices c, unnest(c.plugins) p
			                 WHERE c.edition_id = e.id), '{}')
			FROM editions e
			WHERE e.imported_by_org_id IS NULL OR e.imported_by_org_id = ANY (tally_measure_org_ids())
			ORDER BY e.name`, orgID)
		if err != nil {
			return err
		}
		eds, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Edition, error) {
			var e tally.Edition
			err := r.Scan(&e.ID, &e.Name, &e.Illustrative, &e.Plugins, &e.Measures, &e.Chosen, &e.ChosenHere, &e.ChosenPlugins)
			return e, err
		})
		return err
	})
	return eds, translate(err)
}

// Edition returns one edition as Editions would list it, or
// tally.ErrNotFound.
func (s *Store) Edition(ctx context.Context, scope tally.Scope, orgID, editionID int64) (_ tally.Edition, err error) {
	defer derrors.Wrap(&err, "Store.Edition(%d, %d)", orgID, editionID)
	return s.edition(ctx, scope, orgID, editionID)
}

// edition is Edition without the wrap, for callers inside the store.
func (s *Store) edition(ctx context.Context, scope tally.Scope, orgID, editionID int64) (_ tally.Edition, err error) {
	eds, err := s.editions(ctx, scope, orgID)
	if err != nil {
		return tally.Edition{}, err
	}
	for _, e := range eds {
		if e.ID == editionID {
			return e, nil
		}
	}
	return tally.Edition{}, tally.ErrNotFound
}

// MeasureFilter narrows a list of measures.
type MeasureFilter struct {
	Query  string // words or a code, matched case-insensitively
	Theme  string
	Plugin string // "core" for measures in no plug-in
}

// Measures lists an edition's measures in file order, filtered.
func (s *Store) Measures(ctx context.Context, editionID int64, f MeasureFilter) (_ []tally.Measure, err error) {
	defer derrors.Wrap(&err, "Store.Measures(%d)", editionID)
	return s.measures(ctx, editionID, f)
}

// measures is Measures without the wrap, for callers inside the store.
func (s *Store) measures(ctx context.Context, editionID int64, f MeasureFilter) (_ []tally.Measure, err error) {
	var like *string
	if q := strings.TrimSpace(f.Query); q != "" {
		pattern := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
		like = &pattern
	}
	rows, err := s.pool.Query(ctx, `
		SELECT id, theme, outcome, code, title, unit, coalesce(proxy, 0), proxy IS NOT NULL, local, plugin,
		       coalesce(max_per_million, 0), max_per_million IS NOT NULL, description
		FROM measures
		WHERE edition_id = $1
		  AND ($2::text IS NULL OR lower(code) LIKE $2 OR lower(title) LIKE $2 OR lower(description) LIKE $2 OR lower(outcome) LIKE $2)
		  AND ($3 = '' OR theme = $3)
		  AND ($4 = '' OR plugin = CASE WHEN $4 = 'core' THEN '' ELSE $4 END)
		ORDER BY position`, editionID, like, f.Theme, f.Plugin)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanMeasure)
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func scanMeasure(r pgx.CollectableRow) (tally.Measure, error) {
	var m tally.Measure
	err := r.Scan(&m.ID, &m.Theme, &m.Outcome, &m.Code, &m.Title, &m.Unit, &m.Proxy, &m.HasProxy, &m.Local, &m.Plugin,
		&m.MaxPerMillion, &m.HasMax, &m.Description)
	return m, err
}

// Themes lists an edition's themes in file order.
func (s *Store) Themes(ctx context.Context, editionID int64) (_ []string, err error) {
	defer derrors.Wrap(&err, "Store.Themes(%d)", editionID)
	rows, err := s.pool.Query(ctx, `
		SELECT theme FROM measures WHERE edition_id = $1 GROUP BY theme ORDER BY min(position)`, editionID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ExportEdition returns an edition in the shape the CSV writer takes.
func (s *Store) ExportEdition(ctx context.Context, scope tally.Scope, orgID, editionID int64) (_ measurecsv.Edition, err error) {
	defer derrors.Wrap(&err, "Store.ExportEdition(%d, %d)", orgID, editionID)
	e, err := s.edition(ctx, scope, orgID, editionID)
	if err != nil {
		return measurecsv.Edition{}, err
	}
	ms, err := s.measures(ctx, editionID, MeasureFilter{})
	if err != nil {
		return measurecsv.Edition{}, err
	}
	for i := range ms {
		ms[i].ID = 0
	}
	return measurecsv.Edition{Name: e.Name, Measures: ms}, nil
}

// ChooseEdition sets whether an organisation's buyers may use an edition,
// and which of its plug-ins, and audits it.
func (s *Store) ChooseEdition(ctx context.Context, scope tally.Scope, orgID, editionID int64, chosen bool, plugins []string) (err error) {
	defer derrors.Wrap(&err, "Store.ChooseEdition(%d, %d)", orgID, editionID)
	if err := scope.Require(tally.Admins...); err != nil {
		return err
	}
	if plugins == nil {
		plugins = []string{} // the column is NOT NULL: no plug-ins is an empty list
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		if chosen {
			_, err = tx.Exec(ctx, `
				INSERT INTO edition_choices (org_id, edition_id, plugins) VALUES ($1, $2, $3)
				ON CONFLICT (org_id, edition_id) DO UPDATE SET plugins = excluded.plugins`, orgID, editionID, plugins)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM edition_choices WHERE org_id = $1 AND edition_id = $2`, orgID, editionID)
		}
		if err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "measures.choose",
			Subject: fmt.Sprintf("edition %d", editionID), Detail: map[string]any{"chosen": chosen, "plugins": plugins}})
	})
	return translate(err)
}
