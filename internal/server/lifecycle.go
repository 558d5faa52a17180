package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// Account lifecycle: an organisation's people administrators disable and
// enable its members' accounts and end their sessions; a person sees and
// ends their own sessions on /account. A disabled account cannot sign in
// by any route (signIn refuses it) and any session of it ends on its next
// request (loadUser).
//
// An administrator may disable or enable an account only when the person
// holds no role in an organisation outside the administrator's scope:
// otherwise one council could lock a person out of another.

// claimSession saves the session just started and records it as userID's,
// with the browser it came from, so that it can be listed and ended.
func (s *Server) claimSession(r *http.Request, userID int64) error {
	token, _, err := s.sessions.Commit(r.Context())
	if err != nil {
		return err
	}
	return s.store.ClaimSession(r.Context(), token, userID, userAgent(r))
}

// renewSession gives the signed-in session a new token (for a new
// password or new roles) and keeps it listed as the same session. With
// endOthers, every other session of the person is deleted too (their
// epoch has moved on: they would end on their next request anyway).
func (s *Server) renewSession(r *http.Request, endOthers bool) error {
	claim, err := s.store.SessionClaimOf(r.Context(), s.sessions.Token(r.Context()))
	if err != nil && !errors.Is(err, tally.ErrNotFound) {
		return err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	if claim.UserID == 0 {
		return nil // a session from before sessions were claimed: nothing to move
	}
	token, _, err := s.sessions.Commit(r.Context())
	if err != nil {
		return err
	}
	return s.store.MoveSessionClaim(r.Context(), token, claim, !endOthers)
}

// userAgent is the request's User-Agent as the sessions table keeps it:
// valid UTF-8 without control characters, at most 500 characters.
func userAgent(r *http.Request) string {
	ua := strings.ToValidUTF8(r.UserAgent(), "")
	ua = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return -1
		}
		return c
	}, ua)
	for utf8.RuneCountInString(ua) > 500 {
		_, size := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-size]
	}
	return ua
}

// sessionDigest names a session token the way the store does: the hex
// sha256 digest, so that no token ever appears in a page.
func sessionDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// memberAccount is the account part of the person page for member m.
func (s *Server) memberAccount(r *http.Request, a tally.Access, m tally.Member) (pages.MemberAccount, error) {
	st, err := s.store.AccountStatus(r.Context(), a.Scope, a.Org.ID, m.UserID)
	if err != nil {
		return pages.MemberAccount{}, err
	}
	p := pages.MemberAccount{Name: m.Name, Status: "Active", Disabled: st.Disabled, LastSignIn: "Never", Sessions: "None",
		OpenCount: st.Sessions, Self: m.UserID == a.Scope.UserID,
		Action:     route.Path("/o/{org}/users/{user}/account", a.Org.Slug, m.UserID),
		DisableURL: route.Path("/o/{org}/users/{user}/disable", a.Org.Slug, m.UserID)}
	if st.Disabled {
		p.Status = "Disabled on " + format.DateTime(st.DisabledAt)
		if st.DisabledBy != "" {
			p.Status = "Disabled by " + st.DisabledBy + " on " + format.DateTime(st.DisabledAt)
		}
	}
	if !st.LastSignIn.IsZero() {
		p.LastSignIn = format.DateTime(st.LastSignIn)
	}
	if st.Sessions > 0 {
		p.Sessions = format.Count(st.Sessions, "open session", "open sessions")
	}
	if st.RolesOutside > 0 {
		p.Refusal = m.Name + " also has roles in an organisation you do not manage, so you cannot disable or enable their account: " +
			"it would change whether they can work there too. You can still change or remove their roles here."
	}
	return p, nil
}

// handleDisableForm asks to confirm disabling an account, saying what
// happens; or says why the administrator cannot.
func (s *Server) handleDisableForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	acc, err := s.memberAccount(r, a, m)
	if err != nil {
		return err
	}
	back := route.Path("/o/{org}/users/{user}", a.Org.Slug, m.UserID)
	if acc.Disabled {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	p := pages.DisableAccountPage{Page: s.page(r, "Disable "+m.Name+"’s account"), Back: back, Action: acc.Action,
		Name: m.Name, Email: m.Email, Refusal: acc.Refusal}
	switch acc.OpenCount {
	case 0:
		p.Open = "none is open"
	case 1:
		p.Open = "1 is open"
	default:
		p.Open = format.Integer(acc.OpenCount) + " are open"
	}
	if acc.Self {
		p.Refusal = "You cannot disable your own account. Another administrator can."
	}
	return s.render(w, r, http.StatusOK, pages.DisableAccount(p))
}

// handleAccountAction disables or enables a member's account, or ends
// their sessions (action=disable|enable|sign-out).
func (s *Server) handleAccountAction(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	var msg, done string // done is the log's words: never what was posted
	switch f.raw("action") {
	case "disable":
		err = s.store.DisableAccount(r.Context(), a.Scope, a.Org.ID, m.UserID)
		msg, done = m.Name+"’s account has been disabled. They have been signed out everywhere.", "account disabled"
	case "enable":
		err = s.store.EnableAccount(r.Context(), a.Scope, a.Org.ID, m.UserID)
		msg, done = m.Name+"’s account has been enabled. They can sign in again.", "account enabled"
	case "sign-out":
		_, err = s.store.SignOutMember(r.Context(), a.Scope, a.Org.ID, m.UserID)
		msg, done = m.Name+" has been signed out of all sessions.", "account signed out"
	default:
		return &httpError{http.StatusBadRequest, "The form could not be read", "Go back, check what you entered and try again."}
	}
	if f.Errs, err = formErrors(err, nil); err != nil {
		return err
	}
	if len(f.Errs) > 0 {
		p, err := s.memberPage(r, a, m, roleStrings(m.Roles), f.Errs)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Member(p))
	}
	s.logger(r).Info(done, "member_id", m.UserID)
	s.flash(r, msg)
	http.Redirect(w, r, route.Path("/o/{org}/users/{user}", a.Org.Slug, m.UserID), http.StatusSeeOther)
	return nil
}

// accountSessions lists the signed-in person's open sessions for /account.
func (s *Server) accountSessions(r *http.Request, u *tally.User) ([]pages.SessionRow, error) {
	list, err := s.store.Sessions(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	this := sessionDigest(s.sessions.Token(r.Context()))
	rows := make([]pages.SessionRow, len(list))
	for i, x := range list {
		rows[i] = pages.SessionRow{Device: format.UserAgent(x.UserAgent), SignedIn: format.DateTime(x.SignedIn), Seen: format.DateTime(x.Seen),
			This: x.ID == this, End: route.Path("/account/sessions/{session}/end", x.ID)}
	}
	return rows, nil
}

// handleEndSession signs the person out of one of their other sessions.
// Ending this one is signing out.
func (s *Server) handleEndSession(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	id := chi.URLParam(r, "session")
	if len(id) != 64 || strings.Trim(id, "0123456789abcdef") != "" {
		return errNotFound
	}
	if id == sessionDigest(s.sessions.Token(r.Context())) {
		return s.handleLogout(w, r)
	}
	err := s.store.EndSession(r.Context(), u.ID, id)
	switch {
	case errors.Is(err, tally.ErrNotFound):
		s.flash(r, "That session had ended already.")
	case err != nil:
		return err
	default:
		s.logger(r).Info("session ended", "user_id", u.ID)
		s.flash(r, "That session has been ended. The browser it was in is signed out.")
	}
	http.Redirect(w, r, "/account#sessions", http.StatusSeeOther)
	return nil
}
