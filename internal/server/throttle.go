package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
)

// Abuse limits (issue 16). Each is counted in the store over a sliding
// window; a request past one is refused with 429 and a security event.
//
// Password attempts are limited per account and client address, so that
// a rival guessing from one address cannot lock the owner out: the owner
// can still sign in from anywhere else, and with an emailed link from
// anywhere at all. Higher limits per address (password spraying across
// accounts) and per account (guessing from many addresses) stop the rest.
const (
	loginWindow        = 15 * time.Minute
	maxLoginFailures   = 10  // per account and client address
	maxAddressFailures = 30  // per client address, across accounts
	maxAccountFailures = 100 // per account, across addresses
)

// signInLimits are the limits on password attempts at the account with
// email (whether or not it exists) from the client address addr. The
// first is the pair's, which a successful sign-in clears.
func signInLimits(email, addr string) []postgres.Limit {
	return []postgres.Limit{
		{Name: "account and address", Key: "pair:" + email + "|" + addr, Max: maxLoginFailures, Window: loginWindow},
		{Name: "address", Key: "addr:" + addr, Max: maxAddressFailures, Window: loginWindow},
		{Name: "account", Key: "email:" + email, Max: maxAccountFailures, Window: loginWindow},
	}
}

// emailedLinkLimits limit requests for emailed links of one kind ("link",
// "reset") to an address (whether or not it has an account) and from a
// client address. The window is the links' lifetime, so while the
// address's limit is reached there are live links in its mailbox: a rival
// asking again and again never leaves the owner without one.
func emailedLinkLimits(kind, email, addr string, lifetime time.Duration) []postgres.Limit {
	return []postgres.Limit{
		{Name: "account", Key: kind + ":email:" + email, Max: 3, Window: lifetime},
		{Name: "address", Key: kind + ":addr:" + addr, Max: 10, Window: lifetime},
	}
}

// inviteLimits limit invitations (and invitations sent again) by one
// person and to one address from one organisation, which stops an address
// being flooded with email. There is no limit per address across
// organisations: anyone can register one, and such a limit would let a
// stranger stop a council inviting its own staff.
func inviteLimits(inviterID, orgID int64, email string) []postgres.Limit {
	return []postgres.Limit{
		{Name: "inviting account", Key: fmt.Sprintf("invite:by:%d", inviterID), Max: 50, Window: time.Hour},
		{Name: "invited address in organisation", Key: fmt.Sprintf("invite:to:%d:%s", orgID, email), Max: 5, Window: 24 * time.Hour},
	}
}

// limitAddr is the client address as the limits count it: an IPv6 client
// by its /64, which a household or a server is given whole, so that moving
// from address to address within it escapes no limit.
func (s *Server) limitAddr(r *http.Request) string {
	a := s.clientAddr(r)
	if ip, err := netip.ParseAddr(a); err == nil && ip.Is6() && !ip.Is4In6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return a
}

// limitKeys are the keys of limits.
func limitKeys(limits []postgres.Limit) []string {
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = l.Key
	}
	return keys
}

// throttle counts an attempt against limits. When one is reached, it
// counts nothing, logs the security event event (for the user userID, 0
// when unknown) and reports the attempt refused.
func (s *Server) throttle(r *http.Request, event string, userID int64, limits []postgres.Limit) (postgres.Attempt, error) {
	a, err := s.store.TakeAttempt(r.Context(), limits...)
	if err != nil {
		return a, err
	}
	if a.Refused {
		s.securityEvent(r, slog.LevelWarn, event, userID,
			slog.String("limit", a.Limit.Name), slog.Int("max", a.Limit.Max), slog.Duration("window", a.Limit.Window))
	}
	return a, nil
}

// securityEvent logs a security event ("sign_in_failed",
// "sign_in_throttled", ...) with the client address and, when known (not
// 0), the user. It never logs what was typed: no password, token or email.
func (s *Server) securityEvent(r *http.Request, level slog.Level, event string, userID int64, attrs ...slog.Attr) {
	s.metrics.SecurityEvent(event)
	as := append(make([]slog.Attr, 0, len(attrs)+3), slog.String("event", event), slog.String("client", s.clientAddr(r)))
	if userID != 0 {
		as = append(as, slog.Int64("user_id", userID))
	}
	s.logger(r).LogAttrs(r.Context(), level, "security event", append(as, attrs...)...)
}

// retryAfter sets Retry-After to the window of the limit reached.
func retryAfter(w http.ResponseWriter, l postgres.Limit) {
	w.Header().Set("Retry-After", fmt.Sprint(int(l.Window.Seconds())))
}
