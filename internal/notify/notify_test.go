package notify

import (
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

// TestEmailBodyEndsWithTheLinkAndWhy: an email says what the message in
// the app says, then the page it is about, then why it was sent.
func TestEmailBodyEndsWithTheLinkAndWhy(t *testing.T) {
	got := EmailBody("Body.\n", "https://tally.example/o/one/returns/3", "You act for One.", "")
	if want := "Body.\n\nhttps://tally.example/o/one/returns/3\n\n--\nYou act for One.\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := EmailBody("Body.", "", "", ""), "Body.\n\n"; got != want {
		t.Errorf("no link, no why: got %q, want %q", got, want)
	}
	got = EmailBody("Due.", "", "Turn them off:", "https://tally.example/account#emails")
	if want := "Due.\n\n--\nTurn them off:\nhttps://tally.example/account#emails\n"; got != want {
		t.Errorf("with the page to turn them off: got %q, want %q", got, want)
	}
}

// TestOutcomesTellEachBidderOnlyItsOwn: one telling per bidder, to that
// bidder alone, linking to its own offer; the winner is told it won.
func TestOutcomesTellEachBidderOnlyItsOwn(t *testing.T) {
	e := tally.Evaluation{Tender: tally.Tender{ID: 4, Reference: "T-1", Title: "Roads", Partner: tally.Org{ID: 2, Name: "Council"}},
		AwardedOfferID: 11, Offers: []tally.EvalOffer{
			{OfferID: 10, Supplier: tally.Org{ID: 7, Slug: "acme"}},
			{OfferID: 11, Supplier: tally.Org{ID: 8, Slug: "bolt"}}}}
	ts := Outcomes(e)
	if len(ts) != 2 {
		t.Fatalf("%d tellings for 2 bidders", len(ts))
	}
	for i, want := range []struct {
		org  int64
		link string
		won  bool
	}{{7, "/o/acme/offers/10", false}, {8, "/o/bolt/offers/11", true}} {
		got := ts[i]
		if len(got.Orgs) != 1 || got.Orgs[0] != want.org || len(got.To.Suppliers) != 1 || got.To.Suppliers[0] != want.org ||
			got.Link != want.link || got.Owner != 2 || (got.Subject == TenderOutcome(e.Tender, true, "").Subject) != want.won {
			t.Errorf("bidder %d: %+v", want.org, got)
		}
	}
}

// TestReasonWordsSenderErrors: administrators read why in words, never
// the error with its servers and addresses.
func TestReasonWordsSenderErrors(t *testing.T) {
	for err, want := range map[string]string{
		`mail: send to a@x.example: dial failed: STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`: "encrypted connection",
		"mail: send to a@x.example: failed to set mail recipient: 550 5.1.1 user unknown":                                         "refused the address",
		"mail: send to a@x.example: dial tcp 10.0.0.5:587: connect: connection refused":                                           "could not reach",
		"mail: send to a@x.example: EHLO/HELO exchange failed: 421 4.3.2 down":                                                    "could not reach",
		"mail: send to a@x.example: 552 mailbox full":                                                                             "mailbox is full",
		"something else": "did not accept",
	} {
		if got := Reason(err); !strings.Contains(got, want) || strings.Contains(got, "10.0.0.5") {
			t.Errorf("Reason(%q) = %q, want it to say %q", err, got, want)
		}
	}
}
