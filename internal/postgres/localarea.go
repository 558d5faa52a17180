package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// LocalAreaImpact is what changing a partner's local area would do today:
// the suppliers that would start or stop counting as local, by name.
type LocalAreaImpact struct {
	Gain, Lose []tally.SupplierDetails
}

// LocalAreaImpact compares the partner's local area (tally_local_area: its
// settings, or the default area) with proposed, by tally_is_local, the one
// local rule, over every supplier organisation. It changes nothing.
func (s *Store) LocalAreaImpact(ctx context.Context, scope tally.Scope, partnerID int64, proposed tally.LocalArea) (_ LocalAreaImpact, err error) {
	defer derrors.Wrap(&err, "Store.LocalAreaImpact(%d)", partnerID)
	var im LocalAreaImpact
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH cur AS (SELECT tally_local_area($1) AS area)
			SELECT o.name, o.postcode, tally_is_local(o.postcode, $2)
			FROM organisations o, cur
			WHERE o.kind = 'supplier' AND tally_is_local(o.postcode, cur.area) <> tally_is_local(o.postcode, $2)
			ORDER BY o.name, o.id`, partnerID, proposed.Codes())
		if err != nil {
			return err
		}
		var d tally.SupplierDetails
		var postcode string
		var local bool
		_, err = pgx.ForEachRow(rows, []any{&d.Name, &postcode, &local}, func() error {
			d.Postcode, _ = tally.ParsePostcode(postcode)
			if local {
				im.Gain = append(im.Gain, d)
			} else {
				im.Lose = append(im.Lose, d)
			}
			return nil
		})
		return err
	})
	return im, translate(err)
}
