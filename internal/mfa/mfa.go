// Package mfa holds the rules of 2-step verification (issue 18): time-based
// security codes (TOTP, RFC 6238) from an authenticator app, and recovery
// codes for when the app is lost. It keeps no state: the store keeps a
// person's sealed key, the last time step used and the recovery codes'
// digests, and the caller passes the clock in.
package mfa

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Issuer names Tally in authenticator apps.
const Issuer = "Tally"

// Period is how long a security code lasts; Skew is how many periods
// either side of now a code is still accepted, for clocks a little apart.
const (
	Period = 30
	Skew   = 1
)

var (
	// ErrWrongCode is a code that is not the current one (or near it).
	ErrWrongCode = errors.New("mfa: wrong security code")
	// ErrReused is a right code for a time step already used: a code
	// works once, so one seen over a shoulder or in a proxy is worthless.
	ErrReused = errors.New("mfa: security code already used")
)

var opts = totp.ValidateOpts{Period: Period, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Key is a new authenticator key for account (the person's email).
type Key struct {
	Secret string // base32, as apps take it typed
	URL    string // otpauth:// URL, which the QR code holds
}

// NewKey makes a new random key for account.
func NewKey(account string) (Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: account, Period: Period,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Key{}, fmt.Errorf("mfa: new key: %w", err)
	}
	return Key{Secret: k.Secret(), URL: k.URL()}, nil
}

// URL is the otpauth:// URL of secret for account, which authenticator
// apps read from a QR code.
func URL(secret, account string) string {
	v := url.Values{"secret": {secret}, "issuer": {Issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + Issuer + ":" + account, RawQuery: v.Encode()}
	return u.String()
}

// QRCode is the key's otpauth URL as a PNG data URI, for an <img>.
func QRCode(url string) (string, error) {
	k, err := otp.NewKeyFromURL(url)
	if err != nil {
		return "", fmt.Errorf("mfa: qr code: %w", err)
	}
	img, err := k.Image(200, 200)
	if err != nil {
		return "", fmt.Errorf("mfa: qr code: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", fmt.Errorf("mfa: qr code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// Grouped is a key in groups of four characters, easier to type.
func Grouped(secret string) string {
	var parts []string
	for len(secret) > 4 {
		parts = append(parts, secret[:4])
		secret = secret[4:]
	}
	return strings.Join(append(parts, secret), " ")
}

// Step is the time step (period number) of t.
func Step(t time.Time) int64 { return t.Unix() / Period }

// NormaliseCode is a typed security code without spaces or dashes.
func NormaliseCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code)
}

// Check checks a 6-digit code typed at time t against secret, accepting
// the code of t's time step or of Skew steps either side. It returns the
// step matched, which must be later than lastStep, the last step used (0
// for none): ErrReused otherwise. A code that matches no step is
// ErrWrongCode.
func Check(secret, code string, t time.Time, lastStep int64) (int64, error) {
	code = NormaliseCode(code)
	if len(code) != int(otp.DigitsSix) {
		return 0, ErrWrongCode
	}
	now := Step(t)
	for _, off := range []int64{0, -1, 1}[:1+2*Skew] {
		step := now + off
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*Period, 0).UTC(), opts)
		if err != nil {
			return 0, fmt.Errorf("mfa: check: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			if step <= lastStep {
				return step, ErrReused
			}
			return step, nil
		}
	}
	return 0, ErrWrongCode
}

// Code is the code for secret at t (for tests and the setup page's own
// checks).
func Code(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, opts)
}

// RecoveryCodes is how many recovery codes a person is given at once.
const RecoveryCodes = 10

// recoveryAlphabet has no letters or digits easily taken for one another
// (no 0/o, 1/l/i): 31 symbols, nearly 40 bits in a code of eight.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// NewRecoveryCodes makes RecoveryCodes random codes like "k7wq-3mzp".
func NewRecoveryCodes() ([]string, error) {
	codes := make([]string, RecoveryCodes)
	for i := range codes {
		var s strings.Builder
		b := make([]byte, 1)
		for s.Len() < 9 {
			if _, err := rand.Read(b); err != nil {
				return nil, fmt.Errorf("mfa: recovery codes: %w", err)
			}
			// Bytes past the last whole multiple of the alphabet are
			// dropped, so every symbol is equally likely.
			if int(b[0]) >= 256/len(recoveryAlphabet)*len(recoveryAlphabet) {
				continue
			}
			if s.Len() == 4 {
				s.WriteByte('-')
			}
			s.WriteByte(recoveryAlphabet[int(b[0])%len(recoveryAlphabet)])
		}
		codes[i] = s.String()
	}
	return codes, nil
}

// NormaliseRecoveryCode is a typed recovery code as it was issued: lower
// case, without spaces or dashes, which people type or leave out.
func NormaliseRecoveryCode(code string) string {
	return strings.ToLower(NormaliseCode(code))
}

// HashRecoveryCode is the digest a recovery code is stored as. The codes
// are random (40 bits), not chosen by people, so a fast hash is enough: no
// list of likely codes exists to try against it.
func HashRecoveryCode(code string) []byte {
	sum := sha256.Sum256([]byte(NormaliseRecoveryCode(code)))
	return sum[:]
}

// MatchRecoveryCode reports which of digests (stored with
// HashRecoveryCode) code matches, comparing in constant time, or -1.
func MatchRecoveryCode(code string, digests [][]byte) int {
	h := HashRecoveryCode(code)
	found := -1
	for i, d := range digests {
		if subtle.ConstantTimeCompare(h, d) == 1 && found < 0 {
			found = i
		}
	}
	return found
}
