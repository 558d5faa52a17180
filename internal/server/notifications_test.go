package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

func TestMessagesLinkToTheirItemAndCountUnread(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	trafford := orgID(t, ts, "trafford")
	var returnID int64
	if err := adminPool(t, ts.db).QueryRow(t.Context(), `SELECT id FROM returns WHERE partner_id = $1 AND status = 'submitted' LIMIT 1`, trafford).Scan(&returnID); err != nil {
		t.Fatal(err)
	}
	link := "/o/trafford/returns/" + itoa64(returnID)
	store := postgres.New(ts.db.App)
	msg := notify.Telling{Notice: notify.Notice{Subject: "Return submitted: TRA test", Body: "A return waits for you.", Link: link}, Orgs: []int64{trafford}}
	if err := store.Tell(t.Context(), tally.Scope{OrgIDs: []int64{trafford}}, msg); err != nil {
		t.Fatal(err)
	}

	// Trafford's own contract manager, and the shared service's, each see it
	// as unread; a supplier does not see it at all.
	for _, who := range []struct{ email, home string }{{"contracts@trafford.example", "/o/trafford"}, {"contracts@star.example", "/o/star"}} {
		c := signIn(t, ts, who.email)
		_, body := get(t, c, ts.URL+who.home)
		if !strings.Contains(body, "You have 1 unread message") {
			t.Errorf("%s: the home page does not count 1 unread message", who.email)
		}
		resp, body := get(t, c, ts.URL+who.home+"/notifications")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="`+link+`">Return submitted: TRA test</a>`) || !strings.Contains(body, ">New</strong>") {
			t.Errorf("%s: the message is not shown as new with a link to its return: %d", who.email, resp.StatusCode)
		}
		if who.home == "/o/star" && !strings.Contains(body, "for Trafford Council") {
			t.Errorf("%s: a partner's message does not say which partner it is for", who.email)
		}
		if resp, _ := get(t, c, ts.URL+link); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: the message's link answers %d", who.email, resp.StatusCode)
		}
		// Viewed once, it is read.
		_, body = get(t, c, ts.URL+who.home)
		if !strings.Contains(body, "You have no unread messages") {
			t.Errorf("%s: the message is still unread after viewing it", who.email)
		}
		_, body = get(t, c, ts.URL+who.home+"/notifications")
		if strings.Contains(body, ">New</strong>") || !strings.Contains(body, "0 unread messages out of 1 message") {
			t.Errorf("%s: the list still shows the message as new", who.email)
		}
	}
	_, body := get(t, signIn(t, ts, "bids@northernbuild.example"), ts.URL+"/o/northernbuild/notifications")
	if strings.Contains(body, "TRA test") {
		t.Error("a supplier sees a council's message")
	}
	_, body = get(t, signIn(t, ts, "buyer@stockport.example"), ts.URL+"/o/stockport/notifications")
	if strings.Contains(body, "TRA test") {
		t.Error("another partner sees Trafford's message")
	}
}
