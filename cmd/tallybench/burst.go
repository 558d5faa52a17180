package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/demo"
)

// burst is the submission burst's outcome.
type burst struct {
	suppliers, receipts, errors int
	stored, counted             int // submitted offers in the database; the tender's count
	lost                        int
	firstErr                    string
	flow, submit                latencies
	within, window              time.Duration
}

// benchBurst makes o.suppliers supplier organisations with a user each
// (once) and a fresh open tender, signs every user in, and then has each
// supplier start, fill in and submit an offer through the pages, all
// starting within o.within. Afterwards it counts the submitted offers in
// the database.
func benchBurst(ctx context.Context, o options, srv *server, owner *pgxpool.Pool, r *report) error {
	hash, err := auth.NewHasher(1).Hash(ctx, demo.Password)
	if err != nil {
		return err
	}
	// The new suppliers' memberships are under row-level security, even for
	// the owner: they are added in a scope of those suppliers.
	err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			WITH s AS (
				INSERT INTO organisations (kind, slug, name, postcode, size)
				SELECT 'supplier', format('bench-supplier-%s', lpad(i::text, 4, '0')), format('Bench Supplier %s Ltd', i), 'M1 1AE', 'small'
				FROM generate_series(1, $1) i
				ON CONFLICT (slug) DO NOTHING RETURNING id, slug),
			u AS (
				INSERT INTO users (email, name, password_hash)
				SELECT replace(s.slug, 'bench-supplier-', 'bench-') || '@bench.example', 'Bench bidder', $2 FROM s
				ON CONFLICT (email) DO NOTHING RETURNING id, email)
			SELECT s.id, u.id FROM s JOIN u ON u.email = replace(s.slug, 'bench-supplier-', 'bench-') || '@bench.example'`,
			o.suppliers, hash)
		if err != nil {
			return err
		}
		var orgs, users []int64
		var org, user int64
		if _, err := pgx.ForEachRow(rows, []any{&org, &user}, func() error {
			orgs, users = append(orgs, org), append(users, user)
			return nil
		}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.org_ids', coalesce($1::bigint[], '{}')::text, true)`, orgs); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) SELECT unnest($1::bigint[]), unnest($2::bigint[]), 'supplier'`,
			users, orgs)
		return err
	})
	if err != nil {
		return fmt.Errorf("bench suppliers: %w", err)
	}
	partner, tenderID, measures, err := openTender(ctx, owner)
	if err != nil {
		return fmt.Errorf("open tender: %w", err)
	}

	// Sign everyone in first (argon2id is deliberately slow; it is not
	// what this measures).
	clients := make([]*http.Client, o.suppliers)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	var mu sync.Mutex
	var loginErr error
	for i := range o.suppliers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := srv.login(fmt.Sprintf("bench-%04d@bench.example", i+1), demo.Password)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && loginErr == nil {
				loginErr = err
			}
			clients[i] = c
		})
	}
	wg.Wait()
	if loginErr != nil {
		return loginErr
	}

	var flows, submits []time.Duration
	receipts := map[int64]bool{}
	var b burst
	b.suppliers, b.within = o.suppliers, o.within
	start := time.Now()
	for i := range o.suppliers {
		wg.Go(func() {
			at := start.Add(o.within * time.Duration(i) / time.Duration(o.suppliers))
			time.Sleep(time.Until(at))
			slug := fmt.Sprintf("bench-supplier-%04d", i+1)
			t0 := time.Now()
			id, submit, err := submitOffer(clients[i], srv.base, slug, tenderID, measures)
			flow := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				b.errors++
				if b.firstErr == "" {
					b.firstErr = err.Error()
				}
				return
			}
			receipts[id] = true
			flows, submits = append(flows, flow), append(submits, submit)
		})
	}
	wg.Wait()
	b.window = time.Since(start)
	b.receipts = len(receipts)
	b.flow, b.submit = summarise(flows), summarise(submits)

	// What the database holds: read as the partner's staff with the
	// tender's reseal scope, the one way to see offers before the deadline.
	err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.partner_ids', $1, true), set_config('app.reseal_tender', $2, true)`,
			fmt.Sprintf("{%d}", partner), strconv.FormatInt(tenderID, 10)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT o.id FROM offers o
			WHERE o.partner_id = $1 AND o.tender_id = $2 AND o.status = 'submitted'
			  AND EXISTS (SELECT 1 FROM offer_submissions s WHERE s.partner_id = o.partner_id AND s.offer_id = o.id AND s.kind = 'submit')`,
			partner, tenderID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		b.stored = len(ids)
		found := map[int64]bool{}
		for _, id := range ids {
			found[id] = true
		}
		for id := range receipts {
			if !found[id] {
				b.lost++
			}
		}
		return tx.QueryRow(ctx, `SELECT submitted_offers FROM tenders WHERE partner_id = $1 AND id = $2`, partner, tenderID).Scan(&b.counted)
	})
	r.burst = b
	return err
}

// openTender publishes a fresh tender at Stockport, open for a day, asking
// for six of the demo edition's measures.
func openTender(ctx context.Context, owner *pgxpool.Pool) (int64, int64, []int64, error) {
	var partner, tender int64
	var measures []int64
	err := pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = 'stockport'`).Scan(&partner); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('app.partner_ids', $1, true)`, fmt.Sprintf("{%d}", partner)); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO tenders (partner_id, reference, title, category, estimated_value, contract_start, contract_end, weighting,
			                     deadline, status, published_at)
			VALUES ($1, 'BENCH-' || to_char(clock_timestamp(), 'YYYYMMDD-HH24MISS-US'), 'Benchmark burst tender', 'services', 50000000,
			        current_date + 60, current_date + 424, 200, now() + interval '1 day', 'published', now())
			RETURNING id`, partner).Scan(&tender); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO tender_measures (partner_id, tender_id, position, measure_id, edition, code, title, unit, proxy, local, plugin,
			                             max_per_million, published)
			SELECT $1, $2, row_number() OVER (ORDER BY m.position), m.id, e.name, m.code, m.title, m.unit, m.proxy, m.local, m.plugin,
			       m.max_per_million, true
			FROM (SELECT * FROM measures WHERE proxy IS NOT NULL AND plugin = '' ORDER BY position LIMIT 6) m
			JOIN editions e ON e.id = m.edition_id
			RETURNING id`, partner, tender)
		if err != nil {
			return err
		}
		measures, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	return partner, tender, measures, err
}

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// submitOffer is one supplier's journey: start an offer, save it for
// review, and submit it. It returns the offer and the submit's latency.
func submitOffer(c *http.Client, base, slug string, tender int64, measures []int64) (int64, time.Duration, error) {
	org := base + "/o/" + slug
	body, final, err := post(c, fmt.Sprintf("%s/opportunities/%d/offer", org, tender), nil)
	if err != nil {
		return 0, 0, fmt.Errorf("start: %w", err)
	}
	id, err := strconv.ParseInt(final[strings.LastIndex(final, "/")+1:], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("start: landed on %s", final)
	}
	form := url.Values{"bid_price": {"480000"}, "action": {"review"}, "version": {version(body)}}
	for i, m := range measures {
		k := strconv.FormatInt(m, 10)
		form.Set("quantity-"+k, strconv.Itoa(1+i))
		form.Set("statement-"+k, "We will deliver this through our local partners and report each quarter.")
	}
	offer := fmt.Sprintf("%s/offers/%d", org, id)
	if body, _, err = post(c, offer, form); err != nil {
		return id, 0, fmt.Errorf("save: %w", err)
	}
	t0 := time.Now()
	_, final, err = post(c, offer+"/submit", url.Values{"version": {version(body)}})
	d := time.Since(t0)
	if err != nil {
		return id, d, fmt.Errorf("submit: %w", err)
	}
	if !strings.HasSuffix(final, "/receipt") {
		return id, d, fmt.Errorf("submit: landed on %s", final)
	}
	return id, d, nil
}

func version(body string) string {
	if m := versionRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// post sends a form, follows the redirect, and returns the page and where
// it ended; anything but a 200 is an error.
func post(c *http.Client, u string, form url.Values) (string, string, error) {
	resp, err := c.PostForm(u, form)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), resp.Request.URL.Path, fmt.Errorf("POST %s: %s", u, resp.Status)
	}
	return string(b), resp.Request.URL.Path, nil
}
