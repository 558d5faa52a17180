package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// rmWorld is rtSetup's partners and suppliers, with people: a contract
// manager of partner A who gets the digest and one who turned it off, and
// a person at each supplier. Supplier S has a contract with A running
// through 2025 whose first quarter's return is due on 30 April 2025.
type rmWorld struct {
	*rtWorld
	admin     *pgx.Conn // superuser: reads the truth past row-level security
	contract  tally.Contract
	person    string // supplier S's person
	other     string // supplier T's person
	cm, cmOff string // partner A's contract managers, with the digest on and off
	personID  int64
	cmOffID   int64
}

func rmSetup(t *testing.T) *rmWorld {
	t.Helper()
	ctx := context.Background()
	w := &rmWorld{rtWorld: rtSetup(t)}
	var err error
	if w.admin, err = pgx.Connect(ctx, w.db.AdminURL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.admin.Close(context.Background()) })
	tag := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	person := func(who string, org int64, role tally.Role) (string, int64) {
		email := who + "." + tag + "@rm.example"
		var id int64
		if err := w.admin.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, email, who).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := w.admin.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)`, id, org, role); err != nil {
			t.Fatal(err)
		}
		return email, id
	}
	w.person, w.personID = person("sam", w.supplierS, tally.RoleSupplier)
	w.other, _ = person("tess", w.supplierT, tally.RoleSupplier)
	w.cm, _ = person("cara", w.partnerA, tally.RoleContractManager)
	w.cmOff, w.cmOffID = person("colm", w.partnerA, tally.RoleContractManager)
	if err := w.store.SetEmailChoices(ctx, w.cmOffID, tally.EmailChoices{Reminders: true, Digest: false}); err != nil {
		t.Fatal(err)
	}
	w.contract = w.contract2025(t, w.supplierS, "RM-1")
	return w
}

// contract2025 is a contract between partner A and supplier for 2025, with
// one KPI of 8 people (£100 each) phased over its four quarters.
func (w *rmWorld) contract2025(t *testing.T, supplier int64, ref string) tally.Contract {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, tally.London())
	c := postgres.NewContract{PartnerID: w.partnerA, SupplierID: supplier, Reference: ref, Title: "Contract " + ref, Value: 100_000_00,
		Start: start, End: start.AddDate(1, 0, -1), AwardedOn: start,
		KPIs: []postgres.NewKPI{{Quantity: 8000, Measure: tally.TenderMeasure{
			Edition: "Test", Code: "NT1", Title: "Measure 1", Unit: "people", Proxy: 100 * 10_000, HasProxy: true}}}}
	id, err := w.store.CreateDirectContract(ctx, w.staff(w.partnerA), c)
	if err != nil {
		t.Fatal(err)
	}
	full, err := w.store.Contract(ctx, w.staff(w.partnerA), id)
	if err != nil {
		t.Fatal(err)
	}
	return full
}

// rmAt is a London time: "2025-04-23 09:00".
func rmAt(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, tally.London())
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// sweep runs the reminders at London time at and returns how many were sent.
func (w *rmWorld) sweep(t *testing.T, at string) int {
	t.Helper()
	n, err := w.store.SendReminders(context.Background(), rmAt(t, at))
	if err != nil {
		t.Fatalf("sweep at %s: %v", at, err)
	}
	return n
}

// messages are the subjects of the messages in the app to org, oldest first.
func (w *rmWorld) messages(t *testing.T, org int64) []string {
	t.Helper()
	rows, err := w.admin.Query(context.Background(), `SELECT subject FROM notifications WHERE org_id = $1 ORDER BY id`, org)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return subjects
}

func (w *rmWorld) body(t *testing.T, org int64, subject string) string {
	t.Helper()
	var body string
	if err := w.admin.QueryRow(context.Background(), `SELECT body FROM notifications WHERE org_id = $1 AND subject = $2 ORDER BY id DESC LIMIT 1`,
		org, subject).Scan(&body); err != nil {
		t.Fatalf("message %q: %v", subject, err)
	}
	return body
}

// staffOf is a contract manager's scope in partner.
func (w *rmWorld) staffOf(partner int64) tally.Scope {
	s := w.staff(partner)
	s.Roles = []tally.Role{tally.RoleContractManager}
	return s
}

// emailsTo are the subjects of the email jobs queued to addr, oldest
// first, whatever their state.
func emailsTo(t *testing.T, db *pgtest.DB, addr string) []string {
	t.Helper()
	rows, err := db.Owner.Query(context.Background(), `
		SELECT args->>'subject' FROM river_job WHERE kind = 'email' AND args->>'to' = $1 ORDER BY id`, addr)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return subjects
}
