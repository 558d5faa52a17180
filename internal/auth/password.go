// Package auth hashes and checks passwords and makes single-use tokens.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes).
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLength is the shortest password accepted for a new account.
const MinPasswordLength = 12

// Hasher hashes passwords with argon2id, with at most a fixed number of
// hashes in flight, so a burst of sign-ins queues instead of exhausting
// memory (each hash takes 19 MiB).
type Hasher struct {
	slots chan struct{}
	dummy string // a real hash, checked for unknown emails so they take as long
}

// NewHasher allows at most inFlight concurrent hashes.
func NewHasher(inFlight int) *Hasher {
	h := &Hasher{slots: make(chan struct{}, max(inFlight, 1))}
	h.dummy, _ = h.Hash(context.Background(), "not a real password")
	return h
}

// Hash returns a PHC-format argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := h.derive(ctx, password, salt, argonMemory, argonTime, argonThreads)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64(salt), b64(key)), nil
}

// Verify reports whether password matches hash. An empty hash (an account
// that has no password yet, or an unknown email) is checked against a dummy
// hash, so the answer takes the same time and is false.
func (h *Hasher) Verify(ctx context.Context, hash, password string) (bool, error) {
	ok := hash != ""
	if !ok {
		hash = h.dummy
	}
	var m, t uint32
	var p uint8
	var version int
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("auth: not an argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("auth: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errors.New("auth: bad argon2 parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, errors.New("auth: bad argon2 encoding")
	}
	got, err := h.derive(ctx, password, salt, m, t, p)
	if err != nil {
		return false, err
	}
	return ok && subtle.ConstantTimeCompare(got, want) == 1, nil
}

func (h *Hasher) derive(ctx context.Context, password string, salt []byte, m, t uint32, p uint8) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	return argon2.IDKey([]byte(password), salt, t, m, p, argonKeyLen), nil
}

func b64(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }

// NewToken returns a random URL-safe token for an emailed link, and the
// SHA-256 digest to store in its place.
func NewToken() (token string, digest []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenDigest(token)
}

// TokenDigest is the stored form of a token.
func TokenDigest(token string) []byte {
	d := sha256.Sum256([]byte(token))
	return d[:]
}
