package auth

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	h := NewHasher(2)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want argon2id with m=19456,t=2,p=1", hash)
	}
	for _, tc := range []struct {
		hash, password string
		want           bool
	}{
		{hash, "correct horse battery staple", true},
		{hash, "correct horse battery stapler", false},
		{hash, "", false},
		{"", "correct horse battery staple", false}, // unknown account
		{"", "not a real password", false},          // even the dummy's password
	} {
		got, err := h.Verify(ctx, tc.hash, tc.password)
		if err != nil || got != tc.want {
			t.Errorf("Verify(%.20q, %q) = %t, %v; want %t", tc.hash, tc.password, got, err, tc.want)
		}
	}
	if _, err := h.Verify(ctx, "$2a$10$bcrypt", "x"); err == nil {
		t.Error("a non-argon2id hash verified without error")
	}
}

func TestHashesInFlightAreCapped(t *testing.T) {
	t.Parallel()
	h := NewHasher(1)
	h.slots <- struct{}{} // occupy the only slot
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "x"); err == nil {
		t.Fatal("hash ran with no free slot")
	}
	<-h.slots
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := h.Hash(context.Background(), "y"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestTokens(t *testing.T) {
	t.Parallel()
	a, da := NewToken()
	b, _ := NewToken()
	if a == b || len(a) < 40 {
		t.Errorf("tokens %q %q", a, b)
	}
	if string(TokenDigest(a)) != string(da) {
		t.Error("digest mismatch")
	}
}
