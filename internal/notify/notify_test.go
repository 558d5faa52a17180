package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

// fakeStore records messages and answers contacts from maps.
type fakeStore struct {
	messages  []string // "org|subject|body|link"
	failOrg   int64
	suppliers map[int64][]string
	staff     map[int64][]string
	inviter   map[int64]string
	failFind  bool
}

func (f *fakeStore) Notify(_ context.Context, _ tally.Scope, orgID int64, subject, body, link string) error {
	if orgID == f.failOrg {
		return errors.New("store down")
	}
	f.messages = append(f.messages, strings.Join([]string{itoa(orgID), subject, body, link}, "|"))
	return nil
}

func (f *fakeStore) SupplierContacts(_ context.Context, ids []int64) ([]string, error) {
	if f.failFind {
		return nil, errors.New("store down")
	}
	var out []string
	for _, id := range ids {
		out = append(out, f.suppliers[id]...)
	}
	return out, nil
}

func (f *fakeStore) StaffContacts(_ context.Context, id int64, role tally.Role) ([]string, error) {
	if role != tally.RoleContractManager {
		return nil, nil
	}
	return f.staff[id], nil
}

func (f *fakeStore) InviterEmail(_ context.Context, id int64) (string, error) {
	to, ok := f.inviter[id]
	if !ok {
		return "", tally.ErrNotFound
	}
	return to, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// outbox keeps what was sent.
type outbox struct {
	sent []Message
	fail bool
}

func (o *outbox) Send(_ context.Context, m Message) error {
	if o.fail {
		return errors.New("smtp down")
	}
	o.sent = append(o.sent, m)
	return nil
}

func newTest() (*Notifier, *fakeStore, *outbox, *bytes.Buffer) {
	st := &fakeStore{suppliers: map[int64][]string{1: {"a@one.example", "b@one.example"}, 2: {"c@two.example"}},
		staff: map[int64][]string{5: {"cm@council.example"}}, inviter: map[int64]string{9: "admin@one.example"}}
	box := &outbox{}
	var logs bytes.Buffer
	return New(st, box, "https://tally.example", slog.New(slog.NewTextHandler(&logs, nil))), st, box, &logs
}

// TestTellRecordsAndEmailsTheSameText: one call records the message in the
// app and emails its people the same subject and text.
func TestTellRecordsAndEmailsTheSameText(t *testing.T) {
	nf, st, box, _ := newTest()
	n := Notice{Subject: "Subject", Body: "Body.", Link: "/o/one/returns/3"}
	if err := nf.Tell(context.Background(), tally.Scope{}, 1, n, Suppliers(1)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"1|Subject|Body.|/o/one/returns/3"}; !slices.Equal(st.messages, want) {
		t.Errorf("messages %q, want %q", st.messages, want)
	}
	want := []Message{{To: "a@one.example", Subject: "Subject", Body: "Body.\n"}, {To: "b@one.example", Subject: "Subject", Body: "Body.\n"}}
	if !slices.Equal(box.sent, want) {
		t.Errorf("sent %q, want %q", box.sent, want)
	}
}

// TestTellEmailsTheLinkWhenAsked: a notice asking the reader to act ends
// its email with the full link.
func TestTellEmailsTheLinkWhenAsked(t *testing.T) {
	nf, _, box, _ := newTest()
	n := Notice{Subject: "S", Body: "B.", Link: "/o/one/users?invite=x%40y", EmailLink: true}
	if err := nf.Tell(context.Background(), tally.Scope{}, 1, n, Inviter(9)); err != nil {
		t.Fatal(err)
	}
	want := []Message{{To: "admin@one.example", Subject: "S", Body: "B.\n\nhttps://tally.example/o/one/users?invite=x%40y\n"}}
	if !slices.Equal(box.sent, want) {
		t.Errorf("sent %q, want %q", box.sent, want)
	}
	// An inviter who is gone is nobody to email, not an error.
	box.sent = nil
	if err := nf.Tell(context.Background(), tally.Scope{}, 1, n, Inviter(8)); err != nil || len(box.sent) != 0 {
		t.Errorf("inviter gone: %v, sent %q", err, box.sent)
	}
}

// TestTellAllTellsEachOrgAndEmailsOnce: several organisations get a
// message each, and their people one email each.
func TestTellAllTellsEachOrgAndEmailsOnce(t *testing.T) {
	nf, st, box, _ := newTest()
	if err := nf.TellAll(context.Background(), tally.Scope{}, []int64{1, 2}, Notice{Subject: "S", Body: "B."}, Suppliers(1, 2)); err != nil {
		t.Fatal(err)
	}
	if len(st.messages) != 2 || len(box.sent) != 3 {
		t.Errorf("messages %q, sent %q", st.messages, box.sent)
	}
	st.messages, box.sent = nil, nil
	if err := nf.TellAll(context.Background(), tally.Scope{}, nil, Notice{Subject: "S"}, Suppliers()); err != nil || len(st.messages)+len(box.sent) != 0 {
		t.Errorf("nobody to tell: %v, messages %q, sent %q", err, st.messages, box.sent)
	}
	box.sent = nil
	if err := nf.Tell(context.Background(), tally.Scope{}, 5, Notice{Subject: "S", Body: "B."}, Staff(5, tally.RoleContractManager)); err != nil || len(box.sent) != 1 || box.sent[0].To != "cm@council.example" {
		t.Errorf("staff: %v, sent %q", err, box.sent)
	}
}

// TestTellFailures: a message not recorded still lets the emails go, and
// the error says so; recipients not found is an error; an email that
// cannot be sent is logged, not returned.
func TestTellFailures(t *testing.T) {
	nf, st, box, logs := newTest()
	st.failOrg = 1
	err := nf.Tell(context.Background(), tally.Scope{}, 1, Notice{Subject: "S", Body: "B."}, Suppliers(1))
	if err == nil || !strings.Contains(err.Error(), "record message to org 1") || len(box.sent) != 2 {
		t.Errorf("store failure: %v, sent %q", err, box.sent)
	}
	st.failOrg, st.failFind = 0, true
	if err := nf.Tell(context.Background(), tally.Scope{}, 1, Notice{Subject: "S"}, Suppliers(1)); err == nil {
		t.Error("recipients not found, no error")
	}
	st.failFind, box.fail = false, true
	if err := nf.Tell(context.Background(), tally.Scope{}, 1, Notice{Subject: "S"}, Suppliers(1)); err != nil {
		t.Errorf("a failed email returned %v", err)
	}
	if !strings.Contains(logs.String(), "send email") {
		t.Errorf("a failed email was not logged: %s", logs.String())
	}
}
