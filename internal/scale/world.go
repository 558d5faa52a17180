package scale

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

// world is what the scale data builds on: the demo's partners and
// measures, and the suppliers (the demo's and generated ones).
type world struct {
	partners  []org
	suppliers []org
	measures  []measure
	edition   string
	buyer     int64 // created_by on tenders and contracts
	verifier  int64 // decided_by on return lines
}

type org struct {
	id   int64
	slug string
	name string
}

type measure struct {
	id      int64
	code    string
	title   string
	unit    string
	proxy   tally.Proxy
	hasProx bool
	local   bool
	plugin  string
	maxPM   int64
	hasMax  bool
}

func loadWorld(ctx context.Context, tx pgx.Tx, size Size) (*world, error) {
	w := &world{}
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.slug, p.name FROM organisations p JOIN organisations s ON s.id = p.shared_service_id
		WHERE s.slug = 'star' ORDER BY p.id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o org
		if err := rows.Scan(&o.id, &o.slug, &o.name); err != nil {
			return nil, err
		}
		w.partners = append(w.partners, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(w.partners) == 0 {
		return nil, ErrNoDemo
	}
	if err := tx.QueryRow(ctx, `SELECT e.name FROM editions e WHERE e.illustrative ORDER BY e.id LIMIT 1`).Scan(&w.edition); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDemo, err)
	}
	rows, err = tx.Query(ctx, `
		SELECT m.id, m.code, m.title, m.unit, coalesce(m.proxy, 0), m.proxy IS NOT NULL, m.local, m.plugin,
		       coalesce(m.max_per_million, 0), m.max_per_million IS NOT NULL
		FROM measures m JOIN editions e ON e.id = m.edition_id WHERE e.name = $1 ORDER BY m.position, m.id`, w.edition)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m measure
		if err := rows.Scan(&m.id, &m.code, &m.title, &m.unit, &m.proxy, &m.hasProx, &m.local, &m.plugin, &m.maxPM, &m.hasMax); err != nil {
			return nil, err
		}
		w.measures = append(w.measures, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_ = tx.QueryRow(ctx, `SELECT id FROM users WHERE email = 'buyer@star.example'`).Scan(&w.buyer)
	_ = tx.QueryRow(ctx, `SELECT id FROM users WHERE email = 'contracts@star.example'`).Scan(&w.verifier)
	if err := createSuppliers(ctx, tx, size); err != nil {
		return nil, err
	}
	// The demo's suppliers are those a "bids@" account acts for. Memberships
	// are under row-level security even for the owner: they are read in a
	// scope of every supplier, for this query alone.
	if _, err := tx.Exec(ctx, `
		SELECT set_config('app.org_ids', (SELECT coalesce(array_agg(id), '{}')::text FROM organisations WHERE kind = 'supplier'), true)`); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT id, slug, name FROM organisations WHERE kind = 'supplier' AND (slug LIKE $1 || '%' OR id IN (
		SELECT org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email LIKE 'bids@%.example')) ORDER BY id`, SupplierSlugPrefix)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o org
		if err := rows.Scan(&o.id, &o.slug, &o.name); err != nil {
			return nil, err
		}
		w.suppliers = append(w.suppliers, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `SELECT set_config('app.org_ids', '', true)`)
	return w, err
}

// Postcode areas: about half of the generated suppliers are in Greater
// Manchester (the demo partners' local area), the rest across England.
var (
	localAreas    = []string{"M", "SK", "OL", "BL", "WN", "WA"}
	nationalAreas = []string{"LS", "B", "L", "NR", "EC", "S", "NE", "BS", "CF", "LE"}
	inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"
	supplierWords = []string{"Northern", "Civic", "Pennine", "Valley", "Mill", "Canal", "Moorland", "Riverside", "Summit", "Beacon"}
	supplierKinds = []string{"Construction", "Care", "Facilities", "Catering", "Digital", "Transport", "Cleaning", "Landscapes", "Energy", "Consulting"}
)

// createSuppliers adds the generated supplier organisations. Organisations
// are not tenant data (no row-level security), so one insert does.
func createSuppliers(ctx context.Context, tx pgx.Tx, size Size) error {
	rng := rand.New(rand.NewPCG(2026, 100)) // #nosec G404 -- synthetic data must repeat exactly; nothing secret
	var slugs, names, postcodes, sizes, companies []string
	var vcses []bool
	for i := range size.Suppliers {
		area := nationalAreas[rng.IntN(len(nationalAreas))]
		if rng.IntN(2) == 0 {
			area = localAreas[rng.IntN(len(localAreas))]
		}
		pc := fmt.Sprintf("%s%d %d%c%c", area, 1+rng.IntN(9), rng.IntN(10), inwardLetters[rng.IntN(len(inwardLetters))],
			inwardLetters[rng.IntN(len(inwardLetters))])
		if _, err := tally.ParsePostcode(pc); err != nil {
			return fmt.Errorf("generated postcode %q: %w", pc, err)
		}
		sz := []string{tally.SizeMicro, tally.SizeSmall, tally.SizeSmall, tally.SizeMedium, tally.SizeMedium, tally.SizeLarge}[rng.IntN(6)]
		vcse := rng.IntN(10) == 0
		company := fmt.Sprintf("%08d", 1_000_000+rng.IntN(9_000_000))
		if vcse && rng.IntN(2) == 0 {
			company = ""
		}
		slugs = append(slugs, fmt.Sprintf("%s%04d", SupplierSlugPrefix, i+1))
		names = append(names, fmt.Sprintf("%s %s %d Ltd", supplierWords[rng.IntN(len(supplierWords))], supplierKinds[rng.IntN(len(supplierKinds))], i+1))
		postcodes = append(postcodes, pc)
		sizes = append(sizes, sz)
		companies = append(companies, company)
		vcses = append(vcses, vcse)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO organisations (kind, slug, name, postcode, size, vcse, company_number)
		SELECT 'supplier', slug, name, pc, sz, v, nullif(cn, '')
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::text[]) AS x(slug, name, pc, sz, v, cn)`,
		slugs, names, postcodes, sizes, vcses, companies)
	return err
}

// reserve takes n values from a table's identity sequence, so the
// generator can link rows before it writes them (inserted with OVERRIDING
// SYSTEM VALUE).
func reserve(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
