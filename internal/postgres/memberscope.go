package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// withMembersOf runs fn in tx with the transaction's organisations
// (app.org_ids, which row-level security on memberships and invitations
// reads) set to orgs and the shared services they belong to, then sets
// them back. It is for the few reads of memberships that cross a scope on
// purpose, each for organisations the caller names: whom to tell in
// another organisation, the contract managers of a partner and of its
// shared service, who acted in an audit trail. fn must read only
// memberships (with users and organisations) of those organisations.
func withMembersOf(ctx context.Context, tx pgx.Tx, orgs []int64, fn func() error) error {
	var saved string
	if err := tx.QueryRow(ctx, `SELECT coalesce(current_setting('app.org_ids', true), '')`).Scan(&saved); err != nil {
		return fmt.Errorf("read scope: %w", err)
	}
	if _, err := tx.Exec(ctx, `
		SELECT set_config('app.org_ids', coalesce((
			SELECT array_agg(id) FROM (
				SELECT id FROM organisations WHERE id = ANY ($1)
				UNION SELECT shared_service_id FROM organisations WHERE id = ANY ($1) AND shared_service_id IS NOT NULL) o
		), '{}')::text, true)`, orgs); err != nil {
		return fmt.Errorf("widen scope: %w", err)
	}
	if err := fn(); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('app.org_ids', $1, true)`, saved); err != nil {
		return fmt.Errorf("restore scope: %w", err)
	}
	return nil
}
