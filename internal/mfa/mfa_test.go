package mfa_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/mfa"
)

// A fixed clock: the middle of a 30-second step.
var now = time.Date(2026, 12, 4, 14, 0, 15, 0, time.UTC)

func key(t *testing.T) string {
	t.Helper()
	k, err := mfa.NewKey("admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := mfa.Code(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestValidCode(t *testing.T) {
	secret := key(t)
	step, err := mfa.Check(secret, code(t, secret, now), now, 0)
	if err != nil {
		t.Fatalf("the current code: %v", err)
	}
	if step != mfa.Step(now) {
		t.Errorf("step %d, want %d", step, mfa.Step(now))
	}
	// As people type it: with a space in the middle.
	c := code(t, secret, now)
	if _, err := mfa.Check(secret, c[:3]+" "+c[3:], now, 0); err != nil {
		t.Errorf("the current code with a space: %v", err)
	}
}

func TestWrongCode(t *testing.T) {
	secret := key(t)
	right := code(t, secret, now)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	for _, c := range []string{wrong, "", "12345", "1234567", "abcdef"} {
		if _, err := mfa.Check(secret, c, now, 0); !errors.Is(err, mfa.ErrWrongCode) {
			t.Errorf("code %q: %v, want ErrWrongCode", c, err)
		}
	}
}

func TestSameCodeTwiceRefused(t *testing.T) {
	secret := key(t)
	c := code(t, secret, now)
	step, err := mfa.Check(secret, c, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Used: the store keeps step as the last step used.
	if _, err := mfa.Check(secret, c, now.Add(5*time.Second), step); !errors.Is(err, mfa.ErrReused) {
		t.Errorf("the same code again: %v, want ErrReused", err)
	}
	// The previous step's code (still inside the skew) is refused too.
	if _, err := mfa.Check(secret, code(t, secret, now.Add(-mfa.Period*time.Second)), now, step); !errors.Is(err, mfa.ErrReused) {
		t.Errorf("an earlier step's code after a later one: %v, want ErrReused", err)
	}
	// The next step's code works.
	next := now.Add(mfa.Period * time.Second)
	if _, err := mfa.Check(secret, code(t, secret, next), next, step); err != nil {
		t.Errorf("the next code: %v", err)
	}
}

func TestOneStepSkew(t *testing.T) {
	secret := key(t)
	for _, tc := range []struct {
		name  string
		steps int
		ok    bool
	}{
		{"one step behind", -1, true},
		{"one step ahead", 1, true},
		{"two steps behind", -2, false},
		{"two steps ahead", 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := now.Add(time.Duration(tc.steps*mfa.Period) * time.Second)
			c := code(t, secret, at)
			step, err := mfa.Check(secret, c, now, 0)
			if tc.ok && (err != nil || step != mfa.Step(at)) {
				t.Errorf("code of %d steps: step %d, %v; want step %d", tc.steps, step, err, mfa.Step(at))
			}
			if !tc.ok && !errors.Is(err, mfa.ErrWrongCode) {
				t.Errorf("code of %d steps: %v, want ErrWrongCode", tc.steps, err)
			}
		})
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, err := mfa.NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != mfa.RecoveryCodes {
		t.Fatalf("%d codes, want %d", len(codes), mfa.RecoveryCodes)
	}
	shape := regexp.MustCompile(`^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}$`)
	seen := map[string]bool{}
	digests := make([][]byte, len(codes))
	for i, c := range codes {
		if !shape.MatchString(c) {
			t.Errorf("code %q: not like xxxx-xxxx", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		digests[i] = mfa.HashRecoveryCode(c)
	}
	// Typed in capitals, without the dash, with spaces.
	typed := " " + codes[3][:4] + " " + codes[3][5:] + " "
	if i := mfa.MatchRecoveryCode(typed, digests); i != 3 {
		t.Errorf("typed %q: matched %d, want 3", typed, i)
	}
	upper := []byte(codes[7])
	for i, b := range upper {
		if b >= 'a' && b <= 'z' {
			upper[i] = b - 'a' + 'A'
		}
	}
	if i := mfa.MatchRecoveryCode(string(upper), digests); i != 7 {
		t.Errorf("typed %q: matched %d, want 7", upper, i)
	}
	if i := mfa.MatchRecoveryCode("zzzz-zzzz", digests); i != -1 && codes[i] != "zzzz-zzzz" {
		t.Errorf("an unknown code matched %d", i)
	}
}

func TestGroupedAndQRCode(t *testing.T) {
	if got := mfa.Grouped("ABCDEFGHIJ"); got != "ABCD EFGH IJ" {
		t.Errorf("Grouped: %q", got)
	}
	k, err := mfa.NewKey("a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	uri, err := mfa.QRCode(k.URL)
	if err != nil || len(uri) < 100 || uri[:22] != "data:image/png;base64," {
		t.Errorf("QRCode: %.40q, %v", uri, err)
	}
}
