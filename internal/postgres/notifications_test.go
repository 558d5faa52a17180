package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// Messages are read per person, and only within the reader's scope: row
// level security keeps one person's reads, and another partner's
// messages, out of reach.
func TestMessagesAreReadPerPersonWithinScope(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a, b := twoPartners(t, db)
	ctx := context.Background()
	owner := postgres.New(db.Owner)
	var ann, bob int64
	for _, u := range []struct {
		email string
		id    *int64
	}{{"ann@a.example", &ann}, {"bob@a.example", &bob}} {
		user, err := owner.CreateUser(ctx, u.email, u.email, "")
		if err != nil {
			t.Fatal(err)
		}
		*u.id = user.ID
	}
	store := postgres.New(db.App)
	for _, org := range []int64{a, a, b} {
		msg := notify.Telling{Notice: notify.Notice{Subject: "Subject", Body: "Body", Link: "/o/a/returns/1"}, Orgs: []int64{org}}
		if err := store.Tell(ctx, tally.Scope{OrgIDs: []int64{org}}, msg); err != nil {
			t.Fatal(err)
		}
	}
	annScope := tally.Scope{UserID: ann, PartnerIDs: []int64{a}, OrgIDs: []int64{a}}
	bobScope := tally.Scope{UserID: bob, PartnerIDs: []int64{a}, OrgIDs: []int64{a}}
	list, total, unread, err := store.Messages(ctx, annScope, 10, 0)
	if err != nil || total != 2 || unread != 2 || len(list) != 2 {
		t.Fatalf("Ann's messages: %d of %d unread, %d listed, %v", unread, total, len(list), err)
	}
	if err := store.MarkRead(ctx, annScope, list[:1]); err != nil {
		t.Fatal(err)
	}
	if n, err := store.UnreadMessages(ctx, annScope); err != nil || n != 1 {
		t.Errorf("Ann has %d unread after reading one, want 1 (%v)", n, err)
	}
	if n, err := store.UnreadMessages(ctx, bobScope); err != nil || n != 2 {
		t.Errorf("Bob has %d unread after Ann read one, want 2 (%v)", n, err)
	}
	// B's message cannot be marked read from A's scope, and Ann's reads
	// are invisible to Bob's transaction.
	bList, _, _, err := store.Messages(ctx, tally.Scope{UserID: ann, PartnerIDs: []int64{b}, OrgIDs: []int64{b}}, 10, 0)
	if err != nil || len(bList) != 1 {
		t.Fatalf("B's messages: %v %v", bList, err)
	}
	bMsg := bList[0]
	if err := store.MarkRead(ctx, annScope, []postgres.Message{bMsg}); err != nil {
		t.Fatal(err)
	}
	if n, _ := store.UnreadMessages(ctx, tally.Scope{UserID: ann, PartnerIDs: []int64{b}, OrgIDs: []int64{b}}); n != 1 {
		t.Error("a message out of scope was marked read")
	}
	var seen int
	err = store.InTx(ctx, bobScope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notification_reads`).Scan(&seen)
	})
	if err != nil || seen != 0 {
		t.Errorf("Bob's transaction sees %d of Ann's reads (%v)", seen, err)
	}
}
