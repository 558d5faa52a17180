package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/tally"
)

func TestDraftOfferIsRemindedBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := tnSetup(t)
	person := "bids@" + strings.ToLower(t.Name()) + ".example"
	uid := w.adminID(t, `INSERT INTO users (email, name) VALUES ($1, 'Bea') RETURNING id`, person)
	w.adminExec(t, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, 'supplier')`, uid, w.suppliers[0])
	tn := w.open(t, "RM-T1")
	offer, _ := w.saved(t, 0, tn, "2") // a draft
	w.submitted(t, 1, tn, "2")         // submitted: no reminder
	w.moveDeadline(t, tn.ID, `timestamptz '2025-06-12 12:00 Europe/London'`)
	sweep := func(at string) int {
		t.Helper()
		when, err := time.ParseInLocation("2006-01-02 15:04", at, tally.London())
		if err != nil {
			t.Fatal(err)
		}
		n, err := w.store.SendReminders(ctx, when)
		if err != nil {
			t.Fatalf("sweep at %s: %v", at, err)
		}
		return n
	}
	messages := func(org int64) int { return w.truth(t, `SELECT count(*) FROM notifications WHERE org_id = $1`, org) }
	if n := sweep("2025-06-10 11:59"); n != 0 {
		t.Errorf("49 hours before: sent %d, want none", n)
	}
	if n := sweep("2025-06-10 12:00"); n != 1 {
		t.Errorf("48 hours before: sent %d, want 1", n)
	}
	sweep("2025-06-11 09:00")
	sweep("2025-06-12 11:00")
	if got := messages(w.suppliers[0]); got != 1 {
		t.Errorf("supplier with a draft: %d messages, want 1", got)
	}
	if got := messages(w.suppliers[1]); got != 0 {
		t.Errorf("supplier that submitted: %d messages, want none", got)
	}
	var subject, link string
	if err := w.admin.QueryRow(ctx, `SELECT subject, link FROM notifications WHERE org_id = $1`, w.suppliers[0]).Scan(&subject, &link); err != nil {
		t.Fatal(err)
	}
	if want := "Your offer on RM-T1 is not submitted: the deadline is midday on 12 June 2025"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	if want := fmt.Sprintf("/o/s0/offers/%d", offer); link != want {
		t.Errorf("link %q, want %q", link, want)
	}
	// An extended deadline is reminded of again.
	w.moveDeadline(t, tn.ID, `timestamptz '2025-06-19 12:00 Europe/London'`)
	sweep("2025-06-18 09:00")
	sweep("2025-06-18 10:00")
	if got := messages(w.suppliers[0]); got != 2 {
		t.Errorf("after an extension: %d messages, want 2", got)
	}
	if got := emailsTo(t, w.db, person); len(got) != 2 {
		t.Errorf("emails: %q, want 2", got)
	}
}

// The owner's policy that lets tally_remind_drafts read every supplier's
// drafts is no door for the app role, whatever it sets; and the function
// gives back the caller's scope as it was.
func TestAppRoleCannotReadOthersDrafts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := tnSetup(t)
	tn := w.open(t, "RM-T2")
	w.saved(t, 0, tn, "2")
	err := w.store.InTx(ctx, w.buyer, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.remind_drafts', 'on', true)`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM offers`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("the buyer, with app.remind_drafts on, sees %d draft offers", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = w.store.InTx(ctx, w.supplier(1), func(tx pgx.Tx) error {
		var found, seen int
		var partners, remind string
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM tally_remind_drafts('-infinity', 'infinity')`).Scan(&found); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*), current_setting('app.partner_ids'), current_setting('app.remind_drafts')
			FROM offers`).Scan(&seen, &partners, &remind); err != nil {
			return err
		}
		if found != 1 || seen != 0 || partners != "{}" || remind != "" {
			t.Errorf("tally_remind_drafts found %d drafts (want 1); then supplier 1 sees %d offers (want 0), partners %q, remind %q",
				found, seen, partners, remind)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
