package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// NewSupplier is a self-registration: a person and the organisation they
// register.
type NewSupplier struct {
	tally.SupplierDetails
	UserName     string
	Email        string
	PasswordHash string
}

// RegisterSupplier creates the user, the supplier organisation and the
// membership in one transaction. A taken email is a FormErrors on "email".
func (s *Store) RegisterSupplier(ctx context.Context, n NewSupplier) (tally.User, tally.Org, error) {
	var u tally.User
	var o tally.Org
	err := s.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO users (email, name, password_hash) VALUES (lower($1), $2, $3)
			RETURNING id, email, name, session_epoch`, n.Email, n.UserName, n.PasswordHash).
			Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch)
		if conflictOn(err, "users_email_idx") {
			return tally.FormErrors{"email": "An account with this email address already exists. Sign in, or reset your password"}
		}
		if err != nil {
			return err
		}
		slug, err := freeSlug(ctx, tx, n.Name)
		if err != nil {
			return err
		}
		var company *string
		if n.CompanyNumber != "" {
			company = &n.CompanyNumber
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO organisations (kind, slug, name, postcode, size, vcse, company_number)
			VALUES ('supplier', $1, $2, $3, $4, $5, $6) RETURNING id, kind, slug, name`,
			slug, n.Name, n.Postcode.String(), n.Size, n.VCSE, company).Scan(&o.ID, &o.Kind, &o.Slug, &o.Name)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'supplier')`, u.ID, o.ID); err != nil {
			return err
		}
		if err := setScope(ctx, tx, tally.Scope{UserID: u.ID, OrgIDs: []int64{o.ID}, SupplierID: o.ID}); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, tally.AuditEntry{OrgID: o.ID, UserID: u.ID, Action: "supplier.register",
			Subject: o.Name, Detail: map[string]any{"postcode": n.Postcode.String(), "size": n.Size, "vcse": n.VCSE}})
	})
	return u, o, translate(err)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// freeSlug makes a URL name from an organisation's name that no other
// organisation has: "Northern Build Ltd" becomes northern-build-ltd, then
// northern-build-ltd-2 and so on.
func freeSlug(ctx context.Context, tx pgx.Tx, name string) (string, error) {
	base := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(base) > 30 {
		base = strings.TrimRight(base[:30], "-")
	}
	if base == "" {
		base = "supplier"
	}
	// Serialise concurrent registrations of the same name.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, base); err != nil {
		return "", err
	}
	for i := 1; ; i++ {
		slug := base
		if i > 1 {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE slug = $1)`, slug).Scan(&taken); err != nil {
			return "", err
		}
		if !taken && !reservedSlugs[slug] {
			return slug, nil
		}
	}
}

// reservedSlugs would read as something else in a URL.
var reservedSlugs = map[string]bool{"admin": true, "new": true, "static": true, "login": true, "logout": true, "o": true}

// SupplierDetails returns a supplier organisation's details.
func (s *Store) SupplierDetails(ctx context.Context, orgID int64) (tally.SupplierDetails, error) {
	var d tally.SupplierDetails
	var postcode string
	err := s.pool.QueryRow(ctx, `
		SELECT name, coalesce(company_number, ''), postcode, size, vcse FROM organisations
		WHERE id = $1 AND kind = 'supplier'`, orgID).Scan(&d.Name, &d.CompanyNumber, &postcode, &d.Size, &d.VCSE)
	if err != nil {
		return d, translate(err)
	}
	d.Postcode, _ = tally.ParsePostcode(postcode)
	return d, nil
}

// PartnerArea is a partner council and the local area it counts as local.
type PartnerArea struct {
	Partner   tally.Org
	LocalArea tally.LocalArea
}

// PartnerAreas lists every partner's local area. Local areas are public
// facts (suppliers see whether they count as local to each council), so
// this reads them in a scope of all partners for this query alone.
func (s *Store) PartnerAreas(ctx context.Context) ([]PartnerArea, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM organisations WHERE kind = 'partner'`)
	if err != nil {
		return nil, fmt.Errorf("partners: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var areas []PartnerArea
	err = s.InTx(ctx, tally.Scope{PartnerIDs: ids}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT o.id, o.slug, o.name, coalesce(o.shared_service_id, 0), array_to_string(ps.local_area, ' ')
			FROM organisations o JOIN partner_settings ps ON ps.partner_id = o.id
			WHERE ps.partner_id = ANY ($1) ORDER BY o.name`, ids)
		if err != nil {
			return err
		}
		areas, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PartnerArea, error) {
			var a PartnerArea
			var codes string
			a.Partner.Kind = tally.Partner
			if err := r.Scan(&a.Partner.ID, &a.Partner.Slug, &a.Partner.Name, &a.Partner.SharedServiceID, &codes); err != nil {
				return a, err
			}
			a.LocalArea, err = tally.ParseLocalArea(codes)
			return a, err
		})
		return err
	})
	return areas, translate(err)
}

// DirectoryEntry is a supplier organisation in the directory.
type DirectoryEntry struct {
	tally.SupplierDetails
	Slug string
}

// SupplierDirectory lists every supplier organisation with its details.
func (s *Store) SupplierDirectory(ctx context.Context) ([]DirectoryEntry, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT slug, name, coalesce(company_number, ''), postcode, size, vcse FROM organisations WHERE kind = 'supplier' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("supplier directory: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DirectoryEntry, error) {
		var d DirectoryEntry
		var postcode string
		err := r.Scan(&d.Slug, &d.Name, &d.CompanyNumber, &postcode, &d.Size, &d.VCSE)
		d.Postcode, _ = tally.ParsePostcode(postcode)
		return d, err
	})
}
