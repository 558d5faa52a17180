package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// Reminder kinds, as the ledger (reminders_sent.kind) records them.
const (
	kindDueSoon      = "return_due_soon"  // item: the contract; key: the period and its due date
	kindDueToday     = "return_due_today" // likewise
	kindOverdue      = "return_overdue"   // item: the contract; key: the period and the week overdue
	kindQueried      = "return_queried"   // item: the return; key: the day it was queried and the week waited
	kindOffer        = "offer_deadline"   // item: the offer; key: the tender's deadline
	kindDigest       = "digest"           // item: the partner; key: the ISO week
	kindDigestRating = "digest_rating"    // item: the contract; key: the rating and the period its fall to it began
)

const (
	// remindFromHour is the London hour before which no reminder is sent:
	// a sweep in the night leaves them to the first sweep from 7am.
	remindFromHour = 7
	// dueSoonDays is how long before a return's due date its supplier is
	// first reminded. A sweep that missed the day (the service was down)
	// still reminds on a later day before the due date, once.
	dueSoonDays = 7
	// overdueWeeks is how many weeks an overdue return is chased: once a
	// week from the day after its due date, 12 reminders in all. Past
	// that its contract managers take it up (the digest and the returns
	// page list every overdue return, however old), and neither an ended
	// contract's gaps nor, on the first sweep after deploying, years of
	// history are emailed.
	overdueWeeks = 12
	// offerWarning is how long before a tender's deadline a supplier
	// holding a draft offer on it is reminded.
	offerWarning = 48 * time.Hour
	// digestItems is how many items of each kind a digest lists.
	digestItems = 10
)

// ledgerKey is one row of the ledger of reminders sent: this kind of
// reminder about item, for period, to organisation org, in partner.
type ledgerKey struct {
	partner int64
	kind    string
	item    int64
	period  string
	org     int64
}

// SendReminders sends every reminder and digest due at now, for every
// tenant, and returns how many it sent (a reminder or a digest counts once
// however many people it is emailed to). Suppliers are reminded of a
// delivery return due within 7 days (once), due today, and overdue (once
// a week for 12 weeks), of questions about a return waiting a week or more for an
// answer (once a week), and of a tender closing within 2 days while their
// offer on it is a draft (once per deadline). Each partner's contract
// managers get a digest once a week. Nothing is sent before 7am London
// time.
//
// It may run as often as anyone likes, on any number of nodes at once:
// each reminder is recorded in the ledger (reminders_sent) in the
// transaction that writes its messages and email jobs, and only the
// transaction that records it first sends it (see remindOnce).
//
// now is the clock. What is due is judged by it alone, never by the
// database's or the machine's clock, so a test can move it. Each reminder
// is sent in a transaction of its own: one that fails does not stop the
// others, and the errors are joined. A reminder sent is never sent again
// for the same period; one that failed is tried by the next sweep.
//
// Reading across tenants: the sweep runs with nobody signed in, as the
// app role, under the same row-level security as every request, and no
// transaction here holds more than one partner or one supplier in its
// scope. It lists the partners (organisations are not tenant data), then
// reads each partner's due returns, queries and digest in a transaction
// scoped to that partner alone, as that partner's contract manager would
// see them. A reminder to a supplier is written in a transaction scoped to
// that supplier alone (its own contracts, returns and offers), which reads
// the item again. Draft offers are sealed from everyone but their
// supplier, so the one read across suppliers is tally_remind_drafts
// (migration 000021), which returns ids of drafts on tenders closing soon
// and nothing of their content.
func (s *Store) SendReminders(ctx context.Context, now time.Time) (sent int, err error) {
	defer derrors.Wrap(&err, "Store.SendReminders(%s)", now.Format(time.RFC3339))
	if now.In(tally.London()).Hour() < remindFromHour {
		return 0, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT id, slug, name FROM organisations WHERE kind = 'partner' ORDER BY id`)
	if err != nil {
		return 0, err
	}
	partners, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Org, error) {
		o := tally.Org{Kind: tally.Partner}
		return o, r.Scan(&o.ID, &o.Slug, &o.Name)
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, p := range partners {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		n, err := s.remindPartner(ctx, p, now)
		sent += n
		if err != nil {
			errs = append(errs, fmt.Errorf("partner %d: %w", p.ID, err))
		}
	}
	n, err := s.remindDrafts(ctx, now)
	sent += n
	if err != nil {
		errs = append(errs, fmt.Errorf("draft offers: %w", err))
	}
	// Not translated: nobody's request waits on it, and the log wants
	// each failure whole, with its partner or item.
	return sent, errors.Join(errs...)
}

// remindPartner sends the reminders about partner p's returns and its
// digest, if they are due at now.
func (s *Store) remindPartner(ctx context.Context, p tally.Org, now time.Time) (int, error) {
	today := londonDay(now)
	var due []supplierReminder
	digestSent := false
	err := s.InTx(ctx, partnerScope(p.ID), func(tx pgx.Tx) error {
		var err error
		if due, err = dueReturnReminders(ctx, tx, p, today); err != nil {
			return fmt.Errorf("returns due: %w", err)
		}
		queried, err := queryReminders(ctx, tx, p, today)
		if err != nil {
			return fmt.Errorf("queries: %w", err)
		}
		due = append(due, queried...)
		keys := make([]ledgerKey, len(due), len(due)+1)
		for i, r := range due {
			keys[i] = r.key
		}
		keys = append(keys, digestKey(p, today))
		done, err := alreadySent(ctx, tx, p.ID, keys)
		if err != nil {
			return fmt.Errorf("reminders sent: %w", err)
		}
		digestSent = done[len(keys)-1]
		kept := due[:0]
		for i, r := range due {
			if !done[i] {
				kept = append(kept, r)
			}
		}
		due = kept
		return nil
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	sent := 0
	for _, r := range due {
		ok, err := s.remindSupplier(ctx, r, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %d: %w", r.key.kind, r.key.item, err))
		}
		if ok {
			sent++
		}
	}
	if !digestSent {
		ok, err := s.sendDigest(ctx, p, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest: %w", err))
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// supplierReminder is a reminder to a supplier's people about one item:
// stillDue reads the item again in the supplier's scope.
type supplierReminder struct {
	key      ledgerKey
	partner  tally.Org
	supplier tally.Org
	notice   notify.Notice
	stillDue func(ctx context.Context, tx pgx.Tx) (bool, error)
}

// remindSupplier sends r in the supplier's scope, unless it was sent or
// is no longer due.
func (s *Store) remindSupplier(ctx context.Context, r supplierReminder, now time.Time) (bool, error) {
	return s.remindOnce(ctx, supplierScope(r.supplier.ID), now, func(tx pgx.Tx) (ledgerKey, []notify.Telling, error) {
		if ok, err := r.stillDue(ctx, tx); err != nil || !ok {
			return r.key, nil, err
		}
		users, err := remindedPeople(ctx, tx, r.supplier.ID)
		return r.key, []notify.Telling{notify.Reminder(r.notice, r.partner, r.supplier, users)}, err
	})
}

// remindOnce sends one reminder in a transaction of its own, in scope.
// prepare reads the item again and returns the reminder's key in the
// ledger and what to tell (nothing when it is no longer due). The key is
// recorded ON CONFLICT DO NOTHING: when another sweep has sent the
// reminder, or is sending it in a transaction not yet committed, the
// insert waits for that transaction, then inserts nothing, and this
// transaction rolls back having sent nothing. Otherwise the messages and
// email jobs are written in the same transaction as the ledger row, so
// they commit or roll back together.
func (s *Store) remindOnce(ctx context.Context, scope tally.Scope, now time.Time,
	prepare func(tx pgx.Tx) (ledgerKey, []notify.Telling, error)) (bool, error) {
	err := s.InTx(ctx, scope, func(tx pgx.Tx) error {
		key, tellings, err := prepare(tx)
		if err != nil {
			return err
		}
		if len(tellings) == 0 {
			return errUnsent
		}
		first, err := recordSent(ctx, tx, key, now)
		if err != nil {
			return err
		}
		if !first {
			return errUnsent
		}
		return s.tell(ctx, tx, tellings...)
	})
	if errors.Is(err, errUnsent) {
		return false, nil
	}
	return err == nil, err
}

// errUnsent rolls back a reminder that is not to be sent (sent already,
// or no longer due), with anything its transaction recorded.
var errUnsent = errors.New("reminder not sent")

// recordSent adds key to the ledger and reports whether it was new.
func recordSent(ctx context.Context, tx pgx.Tx, k ledgerKey, now time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO reminders_sent (partner_id, kind, item, period_key, org_id, sent_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING`, k.partner, k.kind, k.item, k.period, k.org, now)
	if err != nil {
		return false, fmt.Errorf("record %s: %w", k.kind, err)
	}
	return tag.RowsAffected() == 1, nil
}

// alreadySent reports, for each of keys (all in partner), whether the
// ledger holds it: the sweep skips those without a transaction each.
func alreadySent(ctx context.Context, tx pgx.Tx, partner int64, keys []ledgerKey) ([]bool, error) {
	kinds, items, periods, orgs := make([]string, len(keys)), make([]int64, len(keys)), make([]string, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		kinds[i], items[i], periods[i], orgs[i] = k.kind, k.item, k.period, k.org
	}
	rows, err := tx.Query(ctx, `
		SELECT k.i FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[]) WITH ORDINALITY AS k (kind, item, period_key, org_id, i)
		JOIN reminders_sent r ON r.partner_id = $1 AND r.kind = k.kind AND r.item = k.item AND r.period_key = k.period_key AND r.org_id = k.org_id`,
		partner, kinds, items, periods, orgs)
	if err != nil {
		return nil, err
	}
	done := make([]bool, len(keys))
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	for _, i := range found {
		done[i-1] = true
	}
	return done, err
}

// remindedPeople are the people who act for supplier and have reminders
// on.
func remindedPeople(ctx context.Context, tx pgx.Tx, supplier int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT u.id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND m.role = 'supplier' AND u.email_reminders ORDER BY 1`, supplier)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// digestPeople are the contract managers of partner, directly or through
// its shared service, who have the digest on. The shared service's people
// are outside the partner's scope: they are read for this alone.
func digestPeople(ctx context.Context, tx pgx.Tx, partner int64) (ids []int64, err error) {
	err = withMembersOf(ctx, tx, []int64{partner}, func() error {
		rows, err := tx.Query(ctx, `
			SELECT DISTINCT u.id FROM memberships m JOIN users u ON u.id = m.user_id JOIN organisations p ON p.id = $1
			WHERE m.role = 'contract_manager' AND (m.org_id = p.id OR m.org_id = p.shared_service_id) AND u.email_digest ORDER BY 1`, partner)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	return ids, err
}

// partnerScope is a transaction's view of one partner's tenant data, as
// its staff see it.
func partnerScope(partner int64) tally.Scope {
	return tally.Scope{PartnerIDs: []int64{partner}, OrgIDs: []int64{partner}}
}

// supplierScope is a transaction's view of one supplier's own data.
func supplierScope(supplier int64) tally.Scope {
	return tally.Scope{OrgIDs: []int64{supplier}, SupplierID: supplier}
}

// londonDay is t's calendar day in London, as midnight UTC: whole days
// apart are whole multiples of 24 hours, and it is the date a PostgreSQL
// date parameter gets.
func londonDay(t time.Time) time.Time {
	y, m, d := t.In(tally.London()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysFrom is how many calendar days (in London) b falls after a.
func daysFrom(a, b time.Time) int {
	return int(londonDay(b).Sub(londonDay(a)).Hours() / 24)
}

// dateKey writes t's London date in a ledger key: "2025-04-30".
func dateKey(t time.Time) string { return londonDay(t).Format(time.DateOnly) }
