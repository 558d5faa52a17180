package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// CreateOrganisation adds an organisation with the slug given; suppliers
// need details. It is for seeding and administration by the owner role:
// the app role cannot set a partner's shared service.
func (s *Store) CreateOrganisation(ctx context.Context, o tally.Org, d *tally.SupplierDetails) (_ tally.Org, err error) {
	defer derrors.Wrap(&err, "Store.CreateOrganisation(%q)", o.Slug)
	var shared *int64
	if o.SharedServiceID != 0 {
		shared = &o.SharedServiceID
	}
	var postcode, size, company *string
	vcse := false
	if d != nil {
		pc := d.Postcode.String()
		postcode, size, vcse = &pc, &d.Size, d.VCSE
		if d.CompanyNumber != "" {
			company = &d.CompanyNumber
		}
	}
	err = s.pool.QueryRow(ctx, `
		INSERT INTO organisations (kind, slug, name, shared_service_id, postcode, size, vcse, company_number)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		o.Kind, o.Slug, o.Name, shared, postcode, size, vcse, company).Scan(&o.ID)
	return o, translate(err)
}

// CreateUser adds a user with a password hash.
func (s *Store) CreateUser(ctx context.Context, email, name, passwordHash string) (_ tally.User, err error) {
	defer derrors.Wrap(&err, "Store.CreateUser()")
	var u tally.User
	err = s.pool.QueryRow(ctx, `
		INSERT INTO users (email, name, password_hash) VALUES (lower($1), $2, $3)
		RETURNING id, email, name, session_epoch`, email, name, passwordHash).Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch)
	return u, translate(err)
}

// AddRole gives a user a role in an organisation and audits it.
func (s *Store) AddRole(ctx context.Context, scope tally.Scope, userID, orgID int64, role tally.Role) (err error) {
	defer derrors.Wrap(&err, "Store.AddRole(%d, %d)", userID, orgID)
	if err := scope.Require(tally.PeopleAdmins...); err != nil {
		return err
	}
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, userID, orgID, role); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: orgID, UserID: scope.UserID, Action: "member.add",
			Subject: fmt.Sprintf("user %d", userID), Detail: map[string]any{"role": role}})
	})
	return translate(err)
}

// RegisteredSupplier finds a supplier organisation already registered
// with this name (ignoring case and spacing) or Companies House number, so
// that registration can point to joining it rather than make a second.
// It returns tally.ErrNotFound when there is none.
func (s *Store) RegisteredSupplier(ctx context.Context, name, companyNumber string) (_ tally.Org, err error) {
	defer derrors.Wrap(&err, "Store.RegisteredSupplier()")
	var o tally.Org
	err = s.pool.QueryRow(ctx, `
		SELECT id, kind, slug, name, coalesce(shared_service_id, 0) FROM organisations
		WHERE kind = 'supplier' AND (
			lower(regexp_replace(btrim(name), '\s+', ' ', 'g')) = lower(regexp_replace(btrim($1), '\s+', ' ', 'g'))
			OR ($2 <> '' AND company_number = $2))
		ORDER BY ($2 <> '' AND company_number = $2) DESC, id LIMIT 1`, name, companyNumber).
		Scan(&o.ID, &o.Kind, &o.Slug, &o.Name, &o.SharedServiceID)
	return o, translate(err)
}

// partnersSQL lists every partner by name, for scanOrg.
const partnersSQL = `SELECT id, kind, slug, name, coalesce(shared_service_id, 0) FROM organisations WHERE kind = 'partner' ORDER BY name`

func scanOrg(r pgx.CollectableRow) (tally.Org, error) {
	var o tally.Org
	err := r.Scan(&o.ID, &o.Kind, &o.Slug, &o.Name, &o.SharedServiceID)
	return o, err
}
