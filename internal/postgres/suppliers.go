package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// NewSupplier is a self-registration: a person and the organisation they
// register, with the argon2id hash of the password they chose.
type NewSupplier struct {
	tally.SupplierDetails
	UserName     string
	Email        string
	PasswordHash string
}

// createSupplier creates the user, the supplier organisation and the
// membership in tx, and audits the registration. A taken email is
// tally.ErrConflict (through translate).
func createSupplier(ctx context.Context, tx pgx.Tx, n NewSupplier) (tally.User, tally.Org, error) {
	var u tally.User
	var o tally.Org
	err := tx.QueryRow(ctx, `
		INSERT INTO users (email, name, password_hash) VALUES (lower($1), $2, $3)
		RETURNING id, email, name, session_epoch`, n.Email, n.UserName, n.PasswordHash).
		Scan(&u.ID, &u.Email, &u.Name, &u.SessionEpoch)
	if err != nil {
		return u, o, err
	}
	slug, err := freeSlug(ctx, tx, n.Name)
	if err != nil {
		return u, o, err
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
		return u, o, err
	}
	// The new organisation's scope, in which it gains its first member.
	if err := setScope(ctx, tx, tally.Scope{UserID: u.ID, OrgIDs: []int64{o.ID}, SupplierID: o.ID}); err != nil {
		return u, o, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'supplier')`, u.ID, o.ID); err != nil {
		return u, o, err
	}
	return u, o, AppendAudit(ctx, tx, tally.AuditEntry{OrgID: o.ID, UserID: u.ID, Action: "supplier.register",
		Subject: o.Name, Detail: map[string]any{"postcode": n.Postcode.String(), "size": n.Size, "vcse": n.VCSE}})
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
func (s *Store) SupplierDetails(ctx context.Context, orgID int64) (_ tally.SupplierDetails, err error) {
	defer derrors.Wrap(&err, "Store.SupplierDetails(%d)", orgID)
	var d tally.SupplierDetails
	var postcode string
	err = s.pool.QueryRow(ctx, `
		SELECT name, coalesce(company_number, ''), postcode, size, vcse FROM organisations
		WHERE id = $1 AND kind = 'supplier'`, orgID).Scan(&d.Name, &d.CompanyNumber, &postcode, &d.Size, &d.VCSE)
	if err != nil {
		return d, translate(err)
	}
	d.Postcode, _ = tally.ParsePostcode(postcode)
	return d, nil
}

// PartnerArea is a partner council, the local area it counts as local, and
// whether the postcode asked about is in it.
type PartnerArea struct {
	Partner   tally.Org
	LocalArea tally.LocalArea
	Local     bool // by tally_is_local, the one local rule
}

// PartnerAreas lists every partner's local area and whether postcode is
// local to it. Local areas are public facts (suppliers see whether they
// count as local to each council), so this reads them in a scope of all
// partners for this query alone.
func (s *Store) PartnerAreas(ctx context.Context, postcode tally.Postcode) (_ []PartnerArea, err error) {
	defer derrors.Wrap(&err, "Store.PartnerAreas()")
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
			SELECT o.id, o.slug, o.name, coalesce(o.shared_service_id, 0), array_to_string(ps.local_area, ' '),
			       tally_is_local($2, ps.local_area)
			FROM organisations o JOIN partner_settings ps ON ps.partner_id = o.id
			WHERE ps.partner_id = ANY ($1) ORDER BY o.name`, ids, postcode.String())
		if err != nil {
			return err
		}
		areas, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PartnerArea, error) {
			var a PartnerArea
			var codes string
			a.Partner.Kind = tally.Partner
			if err := r.Scan(&a.Partner.ID, &a.Partner.Slug, &a.Partner.Name, &a.Partner.SharedServiceID, &codes, &a.Local); err != nil {
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
	Slug  string
	Local bool // local to one of the filter's partners, as of today
}

// SupplierFilter narrows and orders the supplier directory.
type SupplierFilter struct {
	Partners         []int64 // "local" means local to one of these partners today
	Local, SME, VCSE bool    // only suppliers that are
	Sort             string  // a key of SupplierSorts; "" is by name
	Limit, Offset    int
}

// SupplierSorts are the directory's orders, by the key a page names them.
var SupplierSorts = map[string]string{
	"name":      "o.name, o.id",
	"name-desc": "o.name DESC, o.id",
	"size":      "array_position(ARRAY['micro', 'small', 'medium', 'large'], o.size), o.name, o.id",
	"size-desc": "array_position(ARRAY['micro', 'small', 'medium', 'large'], o.size) DESC, o.name, o.id",
	"postcode":  "o.postcode, o.name, o.id",
}

// SupplierDirectory lists supplier organisations with their details, one
// page of them with the total matching. A supplier is local when
// tally_is_local puts its postcode in the local area of any of the
// filter's partners (their own settings, or the default area): it is read
// in scope, so only those partners' settings count.
func (s *Store) SupplierDirectory(ctx context.Context, scope tally.Scope, f SupplierFilter) (_ []DirectoryEntry, _ int, err error) {
	defer derrors.Wrap(&err, "Store.SupplierDirectory()")
	return s.supplierDirectory(ctx, scope, f)
}

// supplierDirectory is SupplierDirectory without the wrap, for callers inside the store.
func (s *Store) supplierDirectory(ctx context.Context, scope tally.Scope, f SupplierFilter) (_ []DirectoryEntry, _ int, err error) {
	order, ok := SupplierSorts[f.Sort]
	if !ok {
		order = SupplierSorts["name"]
	}
	var list []DirectoryEntry
	var total int
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH areas AS (
				SELECT coalesce(ps.local_area, tally_default_local_area()) AS area
				FROM unnest($1::bigint[]) p (id) LEFT JOIN partner_settings ps ON ps.partner_id = p.id
				WHERE p.id = ANY (tally_partner_ids())),
			s AS (
				SELECT o.*, EXISTS (SELECT 1 FROM areas a WHERE tally_is_local(o.postcode, a.area)) AS local
				FROM organisations o WHERE o.kind = 'supplier')
			SELECT o.slug, o.name, coalesce(o.company_number, ''), o.postcode, o.size, o.vcse, o.local, count(*) OVER ()
			FROM s o
			WHERE (NOT $2 OR o.local) AND (NOT $3 OR o.size <> 'large') AND (NOT $4 OR o.vcse)
			ORDER BY `+order+` LIMIT $5 OFFSET $6`, f.Partners, f.Local, f.SME, f.VCSE, f.Limit, f.Offset)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DirectoryEntry, error) {
			var d DirectoryEntry
			var postcode string
			err := r.Scan(&d.Slug, &d.Name, &d.CompanyNumber, &postcode, &d.Size, &d.VCSE, &d.Local, &total)
			d.Postcode, _ = tally.ParsePostcode(postcode)
			return d, err
		})
		return err
	})
	if err == nil && len(list) == 0 && f.Offset > 0 {
		// Past the last page: count what matches for the page's caption.
		_, total, err = s.supplierDirectory(ctx, scope, SupplierFilter{Partners: f.Partners, Local: f.Local, SME: f.SME, VCSE: f.VCSE, Limit: 1})
	}
	return list, total, translate(err)
}
