package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
)

// dueReturnReminders finds partner p's delivery returns not yet submitted
// that are due within dueSoonDays of today, due today or overdue by no
// more than overdueWeeks (the last week's reminder included), each
// with the reminder its supplier is due today (the ledger has the last
// word on whether it was sent).
func dueReturnReminders(ctx context.Context, tx pgx.Tx, p tally.Org, today time.Time) ([]supplierReminder, error) {
	// contract_periods marks each period submitted (migration 000010); its
	// partial index holds only the periods not yet submitted.
	rows, err := tx.Query(ctx, `
		SELECT t.contract_id, c.reference, c.title, t.period, t.due, coalesce(r.id, 0), s.id, s.slug, s.name
		FROM contract_periods t
		JOIN contracts c ON c.partner_id = t.partner_id AND c.id = t.contract_id
		JOIN organisations s ON s.id = t.supplier_id
		LEFT JOIN returns r ON r.partner_id = t.partner_id AND r.contract_id = t.contract_id AND r.period = t.period
		WHERE t.partner_id = $1 AND NOT t.submitted AND t.due <= $2::date + $3::int AND t.due >= $2::date - $4::int
		ORDER BY t.due, t.contract_id, t.period`, p.ID, today, dueSoonDays, 7*overdueWeeks)
	if err != nil {
		return nil, err
	}
	type dueRow struct {
		Contract           int64
		Reference, Title   string
		Period             int
		Due                time.Time
		Return             int64 // 0: not started
		Supplier           int64
		SupplierSlug, Name string
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[dueRow])
	if err != nil {
		return nil, err
	}
	out := make([]supplierReminder, 0, len(list))
	for _, d := range list {
		sup := tally.Org{ID: d.Supplier, Kind: tally.Supplier, Slug: d.SupplierSlug, Name: d.Name}
		c := tally.Contract{ID: d.Contract, Partner: p, Supplier: sup, Reference: d.Reference, Title: d.Title}
		per := tally.Period{Number: d.Period, Due: d.Due}
		// The link is the return once started, else the contract, where
		// the supplier starts it.
		link := route.Path("/o/{org}/contracts/{contract}", sup.Slug, c.ID)
		if d.Return != 0 {
			link = route.Path("/o/{org}/returns/{return}", sup.Slug, d.Return)
		}
		r := supplierReminder{partner: p, supplier: sup,
			key:      ledgerKey{partner: p.ID, item: c.ID, org: sup.ID},
			stillDue: periodNotSubmitted(p.ID, c.ID, per.Number)}
		days := daysFrom(today, per.Due)
		switch {
		case days > 0:
			r.key.kind, r.key.period = kindDueSoon, fmt.Sprintf("period %d due %s", per.Number, dateKey(per.Due))
			r.notice = notify.ReturnDue(c, per, days, link)
		case days == 0:
			r.key.kind, r.key.period = kindDueToday, fmt.Sprintf("period %d due %s", per.Number, dateKey(per.Due))
			r.notice = notify.ReturnDue(c, per, 0, link)
		default:
			// Overdue by 1 to 7 days is week 1, 8 to 14 week 2, …: one
			// reminder a week, from the day after the due date, to week
			// overdueWeeks (the query leaves out older returns).
			week := (-days-1)/7 + 1
			r.key.kind, r.key.period = kindOverdue, fmt.Sprintf("period %d overdue week %d", per.Number, week)
			r.notice = notify.ReturnOverdue(c, per, -days, link)
		}
		out = append(out, r)
	}
	return out, nil
}

// periodNotSubmitted reads again whether a period's return is still to
// be submitted (in the supplier's scope, which reads its own periods).
func periodNotSubmitted(partner, contract int64, period int) func(context.Context, pgx.Tx) (bool, error) {
	return func(ctx context.Context, tx pgx.Tx) (bool, error) {
		var open bool
		err := tx.QueryRow(ctx, `
			SELECT NOT submitted FROM contract_periods WHERE partner_id = $1 AND contract_id = $2 AND period = $3`,
			partner, contract, period).Scan(&open)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return open, err
	}
}

// queryReminders finds partner p's returns whose questions have waited a
// week or more for their supplier's answer, each with the reminder due:
// one for every whole week waited since the day of the latest question.
func queryReminders(ctx context.Context, tx pgx.Tx, p tally.Org, today time.Time) ([]supplierReminder, error) {
	rows, err := tx.Query(ctx, `
		SELECT r.id, r.contract_id, c.reference, c.title, r.period, max(l.decided_at), s.id, s.slug, s.name
		FROM returns r
		JOIN contracts c ON c.partner_id = r.partner_id AND c.id = r.contract_id
		JOIN organisations s ON s.id = r.supplier_id
		JOIN return_lines l ON l.partner_id = r.partner_id AND l.return_id = r.id AND l.decision = 'queried'
		WHERE r.partner_id = $1 AND r.status = 'queried'
		GROUP BY r.partner_id, r.id, c.partner_id, c.id, s.id
		ORDER BY r.id`, p.ID)
	if err != nil {
		return nil, err
	}
	type queriedRow struct {
		Return, Contract   int64
		Reference, Title   string
		Period             int
		Asked              time.Time // the latest question
		Supplier           int64
		SupplierSlug, Name string
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[queriedRow])
	if err != nil {
		return nil, err
	}
	var out []supplierReminder
	for _, q := range list {
		week := daysFrom(q.Asked, today) / 7
		if week < 1 {
			continue
		}
		sup := tally.Org{ID: q.Supplier, Kind: tally.Supplier, Slug: q.SupplierSlug, Name: q.Name}
		rt := tally.Return{ID: q.Return, Period: tally.Period{Number: q.Period},
			Contract: tally.Contract{ID: q.Contract, Partner: p, Supplier: sup, Reference: q.Reference, Title: q.Title}}
		out = append(out, supplierReminder{partner: p, supplier: sup,
			key: ledgerKey{partner: p.ID, kind: kindQueried, item: rt.ID, org: sup.ID,
				period: fmt.Sprintf("asked %s week %d", dateKey(q.Asked), week)},
			notice:   notify.QueryWaiting(rt, q.Asked, route.Path("/o/{org}/returns/{return}", sup.Slug, rt.ID)),
			stillDue: returnQueried(p.ID, rt.ID)})
	}
	return out, nil
}

// returnQueried reads again whether a return still awaits its supplier's
// answers.
func returnQueried(partner, id int64) func(context.Context, pgx.Tx) (bool, error) {
	return func(ctx context.Context, tx pgx.Tx) (bool, error) {
		var queried bool
		err := tx.QueryRow(ctx, `SELECT status = 'queried' FROM returns WHERE partner_id = $1 AND id = $2`, partner, id).Scan(&queried)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		return queried, err
	}
}

// remindDrafts reminds each supplier holding a draft offer on a tender
// whose deadline falls within offerWarning of now, once per deadline (an
// extended deadline is reminded of again).
func (s *Store) remindDrafts(ctx context.Context, now time.Time) (int, error) {
	type draft struct{ Partner, Tender, Offer, Supplier int64 }
	var drafts []draft
	// tally_remind_drafts sets its own scope (see migration 000021); the
	// caller's is empty, and restored as it was.
	err := s.InTx(ctx, tally.Scope{}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT partner_id, tender_id, offer_id, supplier_id FROM tally_remind_drafts($1, $2)`,
			now, now.Add(offerWarning))
		if err != nil {
			return err
		}
		drafts, err = pgx.CollectRows(rows, pgx.RowToStructByPos[draft])
		return err
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	sent := 0
	for _, d := range drafts {
		ok, err := s.remindDraft(ctx, d.Partner, d.Offer, d.Supplier, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("offer %d: %w", d.Offer, err))
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// remindDraft reminds supplier of its draft offer, in the supplier's
// scope, where the offer and its tender are read again (still a draft,
// still closing within offerWarning). The deadline is the reminder's
// period: an extended deadline is reminded of again.
func (s *Store) remindDraft(ctx context.Context, partner, offer, supplier int64, now time.Time) (bool, error) {
	return s.remindOnce(ctx, supplierScope(supplier), now, func(tx pgx.Tx) (ledgerKey, []notify.Telling, error) {
		var t tally.Tender
		sup := tally.Org{Kind: tally.Supplier}
		var draft bool
		err := tx.QueryRow(ctx, `
			SELECT o.status = 'draft' AND t.status = 'published' AND t.deadline > $2 AND t.deadline <= $3,
			       t.id, t.reference, t.title, t.deadline, p.id, p.slug, p.name, s.id, s.slug, s.name
			FROM offers o JOIN tenders t ON t.partner_id = o.partner_id AND t.id = o.tender_id
			JOIN organisations p ON p.id = o.partner_id JOIN organisations s ON s.id = o.supplier_id
			WHERE o.partner_id = $1 AND o.id = $4`, partner, now, now.Add(offerWarning), offer).
			Scan(&draft, &t.ID, &t.Reference, &t.Title, &t.Deadline, &t.Partner.ID, &t.Partner.Slug, &t.Partner.Name,
				&sup.ID, &sup.Slug, &sup.Name)
		key := ledgerKey{partner: partner, kind: kindOffer, item: offer, org: supplier,
			period: "deadline " + t.Deadline.UTC().Format(time.RFC3339)}
		if errors.Is(err, pgx.ErrNoRows) || err == nil && !draft {
			return key, nil, nil // submitted, withdrawn or moved since the sweep looked
		}
		if err != nil {
			return key, nil, err
		}
		users, err := remindedPeople(ctx, tx, supplier)
		n := notify.OfferDeadline(t, route.Path("/o/{org}/offers/{offer}", sup.Slug, offer))
		return key, []notify.Telling{notify.Reminder(n, t.Partner, sup, users)}, err
	})
}
