package worker_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/pgtest"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/internal/worker"
)

// outbox records what was sent, from any number of workers.
type outbox struct {
	mu     sync.Mutex
	sent   map[string]int // "to|subject"
	bodies []string
}

func (o *outbox) Send(_ context.Context, m notify.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent[m.To+"|"+m.Subject]++
	o.bodies = append(o.bodies, m.Body)
	return nil
}

// TestTwoNodesSendEachReminderOnce runs the workers of two processes at
// once, each with its own pool, on one clock: the elected leader enqueues
// the hourly sweep, six more sweeps are queued besides, and both nodes
// work them side by side. Each reminder is still sent once.
func TestTwoNodesSendEachReminderOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	id := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := db.Owner.QueryRow(ctx, q, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	partner := id(`INSERT INTO organisations (kind, slug, name) VALUES ('partner', 'wp', 'Partner') RETURNING id`)
	supplier := id(`INSERT INTO organisations (kind, slug, name, postcode, size) VALUES ('supplier', 'ws', 'Supplier', 'SK1 1AA', 'small') RETURNING id`)
	for email, m := range map[string]struct {
		org  int64
		role tally.Role
	}{"sam@ws.example": {supplier, tally.RoleSupplier}, "cara@wp.example": {partner, tally.RoleContractManager}} {
		user := id(`INSERT INTO users (email, name) VALUES ($1, 'Someone') RETURNING id`, email)
		// Memberships are under row-level security, the owner's writes too.
		if err := postgres.New(db.Owner).InTx(ctx, tally.Scope{OrgIDs: []int64{m.org}}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)`, user, m.org, m.role)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	staff := tally.Scope{PartnerIDs: []int64{partner}, OrgIDs: []int64{partner}, Roles: tally.StaffRoles}
	err := postgres.New(db.Owner).InTx(ctx, staff, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO partner_settings (partner_id) VALUES ($1)`, partner)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Its first return was due on 30 April 2025.
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, tally.London())
	if _, err := postgres.New(db.App).CreateDirectContract(ctx, staff, postgres.NewContract{PartnerID: partner, SupplierID: supplier,
		Reference: "W-1", Title: "Works", Value: 100_000_00, Start: start, End: start.AddDate(1, 0, -1), AwardedOn: start,
		KPIs: []postgres.NewKPI{{Quantity: 8000, Measure: tally.TenderMeasure{Edition: "Test", Code: "NT1", Title: "Measure 1",
			Unit: "people", Proxy: 100 * 10_000, HasProxy: true}}}}); err != nil {
		t.Fatal(err)
	}

	// Monday 5 May 2025: the return is overdue, and the digest says so.
	at := time.Date(2025, 5, 5, 9, 0, 0, 0, tally.London())
	mail := &outbox{sent: map[string]int{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var nodes []*river.Client[pgx.Tx]
	for range 2 {
		pool, err := postgres.Open(ctx, db.AppURL, 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		c, err := worker.New(pool, postgres.New(pool), worker.Config{Workers: 4, BaseURL: "http://localhost", Sender: mail, Log: log,
			PollInterval: 100 * time.Millisecond, Reminders: true, Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, c)
	}
	for range 6 {
		if _, err := nodes[0].Insert(ctx, jobs.Reminders{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range nodes {
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c.Stop(stop)
		})
	}
	// Wait for the leader's sweep and the six, and every email.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var sweeps, waiting int
		if err := db.Owner.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE kind = 'reminders'), count(*) FILTER (WHERE state NOT IN ('completed', 'discarded', 'cancelled'))
			FROM river_job`).Scan(&sweeps, &waiting); err != nil {
			t.Fatal(err)
		}
		if sweeps >= 7 && waiting == 0 {
			if sweeps != 7 {
				t.Errorf("%d sweeps queued, want the leader's one and the six", sweeps)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s: %d sweeps queued, %d jobs waiting", sweeps, waiting)
		}
	}
	var nodesUsed int
	if err := db.Owner.QueryRow(ctx, `SELECT count(DISTINCT attempted_by[1]) FROM river_job WHERE kind = 'reminders'`).Scan(&nodesUsed); err != nil {
		t.Fatal(err)
	}
	t.Logf("sweeps worked by %d nodes", nodesUsed)
	var failed int
	if err := db.Owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state <> 'completed' OR errors IS NOT NULL`).Scan(&failed); err != nil {
		t.Fatal(err)
	}
	if failed != 0 {
		t.Errorf("%d jobs failed or were retried", failed)
	}
	want := map[string]int{"sam@ws.example|Your return for W-1, quarter 1, is overdue": 1, "cara@wp.example|Weekly digest for Partner": 1}
	mail.mu.Lock()
	defer mail.mu.Unlock()
	if len(mail.sent) != len(want) {
		t.Errorf("sent %v, want %v", mail.sent, want)
	}
	for k, n := range want {
		if mail.sent[k] != n {
			t.Errorf("%s: sent %d times, want %d", k, mail.sent[k], n)
		}
	}
	// Both can be turned off: each links to the place that does it.
	for _, b := range mail.bodies {
		if !strings.HasSuffix(b, "on your account page in Tally:\nhttp://localhost/account#emails\n") {
			t.Errorf("an email does not end with the link that turns it off:\n%s", b)
		}
	}
	var messages int
	if err := db.Owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'email'`).Scan(&messages); err != nil {
		t.Fatal(err)
	}
	if messages != 2 {
		t.Errorf("%d email jobs queued, want 2", messages)
	}
}
