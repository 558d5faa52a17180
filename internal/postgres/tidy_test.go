package postgres_test

import (
	"context"
	"testing"

	"github.com/tally-sv/tally/internal/postgres"
)

// Tidy deletes only what has outlived its use: attempts older than every
// limit's window, links and registrations expired more than a day ago.
func TestTidyDeletesOnlyWhatHasOutlivedItsUse(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	user := w.id(t, `INSERT INTO users (email, name, password_hash) VALUES ('tidy@evp.example', 'Tidy', 'x') RETURNING id`)
	w.exec(t, `INSERT INTO login_failures (key, at) VALUES
		('email:old', now() - interval '8 days'), ('email:recent', now() - interval '1 day'), ('addr:now', now())`)
	w.exec(t, `INSERT INTO sign_in_links (token_hash, user_id, expires_at) VALUES
		(sha256('old'), $1, now() - interval '2 days'), (sha256('expired'), $1, now() - interval '1 hour'), (sha256('live'), $1, now() + interval '10 minutes')`, user)
	w.exec(t, `INSERT INTO pending_registrations (email, name, org_name, postcode, size, vcse, expires_at) VALUES
		('a@x.example', 'A', 'A Ltd', 'M1 1AA', 'micro', false, now() - interval '3 days'),
		('b@x.example', 'B', 'B Ltd', 'M1 1AA', 'micro', false, now() + interval '1 day')`)

	got, err := w.store.Tidy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (postgres.Tidied{Attempts: 1, SignInLinks: 1, Registrations: 1}); got != want {
		t.Errorf("tidied %+v, want %+v", got, want)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM login_failures`:        2,
		`SELECT count(*) FROM sign_in_links`:         2,
		`SELECT count(*) FROM pending_registrations`: 1,
	} {
		if n := w.count(t, q); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
}
