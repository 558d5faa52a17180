// Package secretbox seals small secrets that Tally must keep and use again
// (an identity provider's client secret, a person's TOTP key) before they
// are stored, so that a copy of the database alone does not give them away.
//
// It is AES-256-GCM with a random nonce. Each sealed value is bound to a
// label naming what it is and whose it is ("totp:user:42"), so a sealed
// value copied into another row or column does not open there.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the key length in bytes.
const KeySize = 32

// version leads every sealed value, so that another scheme or key can be
// told apart later.
const version = 1

// ErrOpen is returned when a sealed value does not open: the key is not the
// one it was sealed with, the label differs, or it was altered.
var ErrOpen = errors.New("secretbox: the value does not open with this key and label")

// Box seals and opens values with one key. The zero Box has no key: Seal
// and Open fail with ErrNoKey.
type Box struct {
	aead cipher.AEAD
}

// ErrNoKey is returned by a Box without a key.
var ErrNoKey = errors.New("secretbox: no key (set SECRET_KEY)")

// New returns a Box for a KeySize-byte key.
func New(key []byte) (Box, error) {
	if len(key) != KeySize {
		return Box{}, fmt.Errorf("secretbox: want a %d-byte key, got %d bytes", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return Box{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Box{}, err
	}
	return Box{aead}, nil
}

// ParseKey reads a key written as base64 (standard or URL alphabet, with
// or without padding), as SECRET_KEY holds it.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("want %d bytes in base64, got %d bytes", KeySize, len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("want a key in base64 (make one with: openssl rand -base64 32)")
}

// NewKey returns a random key in the form ParseKey reads.
func NewKey() string {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(k)
}

// Ready reports whether b has a key.
func (b Box) Ready() bool { return b.aead != nil }

// Seal encrypts plaintext bound to label.
func (b Box) Seal(plaintext []byte, label string) ([]byte, error) {
	if b.aead == nil {
		return nil, ErrNoKey
	}
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return b.aead.Seal(out, out[1:], plaintext, []byte(label)), nil // #nosec G407 -- the nonce is out[1:], filled by crypto/rand just above
}

// Open decrypts a value sealed with the same key and label, or returns
// ErrOpen.
func (b Box) Open(sealed []byte, label string) ([]byte, error) {
	if b.aead == nil {
		return nil, ErrNoKey
	}
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(label))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
