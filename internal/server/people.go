package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// rolesFor are the roles an organisation of this kind can give.
func rolesFor(kind tally.OrgKind) []tally.Role {
	if kind == tally.Supplier {
		return []tally.Role{tally.RoleSupplier}
	}
	return tally.StaffRoles
}

func roleOptions(kind tally.OrgKind) []components.Option {
	var opts []components.Option
	for _, r := range rolesFor(kind) {
		opts = append(opts, components.Option{Value: string(r), Text: r.Label(), Hint: roleHints[r]})
	}
	return opts
}

var roleHints = map[tally.Role]string{
	tally.RoleBuyer:           "Registers tenders, chooses measures and weighting, publishes and awards.",
	tally.RoleEvaluator:       "Opens offers after the deadline, moderates and scores them.",
	tally.RoleContractManager: "Checks delivery returns and verifies evidence.",
	tally.RoleDirector:        "Reads dashboards, reports and the audit trail.",
	tally.RoleAdmin:           "Manages people and settings.",
	tally.RoleSupplier:        "Bids, and reports delivery, for this organisation.",
}

func (s *Server) usersPage(r *http.Request, a tally.Access, in pages.InviteForm, errs map[string]string) (pages.UsersPage, error) {
	members, err := s.store.Members(r.Context(), a.Scope, a.Org.ID)
	if err != nil {
		return pages.UsersPage{}, err
	}
	invs, err := s.store.PendingInvitations(r.Context(), a.Scope, a.Org.ID)
	if err != nil {
		return pages.UsersPage{}, err
	}
	title := "People"
	if len(errs) > 0 {
		title = "Error: People"
	}
	p := pages.UsersPage{Page: s.page(r, title), Action: route.Path("/o/{org}/users", a.Org.Slug), Invite: in,
		Roles: roleOptions(a.Org.Kind), Errors: errs}
	for _, m := range members {
		p.Members = append(p.Members, pages.MemberRow{Href: route.Path("/o/{org}/users/{user}", a.Org.Slug, m.UserID), Name: m.Name, Email: m.Email, Roles: format.Roles(m.Roles), Disabled: m.Disabled})
	}
	for _, inv := range invs {
		p.Invitations = append(p.Invitations, pages.InvitationRow{Email: inv.Email, Roles: format.Roles(inv.Roles),
			Sent: format.DateTime(inv.Sent) + " by " + inv.InvitedBy, Expires: format.DateTime(inv.Expires),
			Resend: route.Path("/o/{org}/users/invitations/{invitation}/resend", a.Org.Slug, inv.ID),
			Revoke: route.Path("/o/{org}/users/invitations/{invitation}/revoke", a.Org.Slug, inv.ID)})
	}
	return p, nil
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	// ?invite= fills in the email of someone who asked to join (from a
	// message); it is only a suggestion in a form field.
	in := pages.InviteForm{}
	if e := strings.TrimSpace(r.URL.Query().Get("invite")); len(e) <= 254 && strings.Count(e, "@") == 1 {
		in.Email = e
	}
	p, err := s.usersPage(r, a, in, nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Users(p))
}

// inviteRoles reads the roles ticked on the invitation form. Unknown
// roles are an error, and what was sent comes back ticked either way.
func inviteRoles(f *form, kind tally.OrgKind) ([]tally.Role, []string) {
	sent := f.r.PostForm["roles"]
	allowed := rolesFor(kind)
	var roles []tally.Role
	for _, v := range sent {
		if !slices.Contains(allowed, tally.Role(v)) {
			f.Errs.Add("roles", "Select roles from the list")
			return nil, sent
		}
		if !slices.Contains(roles, tally.Role(v)) {
			roles = append(roles, tally.Role(v))
		}
	}
	if len(roles) == 0 {
		f.Errs.Add("roles", "Select at least one role")
	}
	// In the order the form lists them, whatever order they came in.
	slices.SortFunc(roles, func(x, y tally.Role) int { return slices.Index(allowed, x) - slices.Index(allowed, y) })
	return roles, sent
}

// handleInviteUser emails a single-use invitation with one or more roles.
func (s *Server) handleInviteUser(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	in := pages.InviteForm{Email: f.email("email", true)}
	roles, sent := inviteRoles(f, a.Org.Kind)
	in.Roles = sent
	if len(f.Errs) > 0 {
		p, err := s.usersPage(r, a, in, f.Errs)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Users(p))
	}
	if refused, err := s.throttleInvitation(w, r, a, in, in.Email, "email"); refused || err != nil {
		return err
	}
	if err := s.store.Invite(r.Context(), a.Scope, a.Org.ID, in.Email, roles, time.Now().Add(inviteLifetime)); err != nil {
		return err
	}
	s.flash(r, "Invitation sent to "+in.Email+".")
	http.Redirect(w, r, route.Path("/o/{org}/users", a.Org.Slug), http.StatusSeeOther)
	return nil
}

// throttleInvitation counts an invitation to email (see inviteLimits). When
// a limit is reached it answers with the people page, the message on
// field and the form as filled in, and reports the invitation refused.
func (s *Server) throttleInvitation(w http.ResponseWriter, r *http.Request, a tally.Access, in pages.InviteForm, email, field string) (bool, error) {
	attempt, err := s.throttle(r, "invitation_throttled", a.Scope.UserID, inviteLimits(a.Scope.UserID, a.Org.ID, email))
	if err != nil || !attempt.Refused {
		return false, err
	}
	msg := "You have sent too many invitations in the last hour. Try again later"
	if attempt.Limit.Window >= 24*time.Hour {
		msg = email + " has been sent too many invitations in the last 24 hours. Try again later"
	}
	p, err := s.usersPage(r, a, in, map[string]string{field: msg})
	if err != nil {
		return true, err
	}
	retryAfter(w, attempt.Limit)
	return true, s.render(w, r, http.StatusTooManyRequests, pages.Users(p))
}

// invitationID is the pending invitation in the URL; the store checks it
// belongs to the organisation.
func invitationID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "invitation"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// handleResendInvitation emails a pending invitation again with a new link
// (the old one stops working) that lasts another 7 days.
func (s *Server) handleResendInvitation(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	id, err := invitationID(r)
	if err != nil {
		return err
	}
	pending, err := s.store.PendingInvitations(r.Context(), a.Scope, a.Org.ID)
	if err != nil {
		return err
	}
	// Sending again counts as an invitation to its address; an unknown
	// one falls through to the store's answer.
	if i := slices.IndexFunc(pending, func(inv postgres.Invitation) bool { return inv.ID == id }); i >= 0 {
		if refused, err := s.throttleInvitation(w, r, a, pages.InviteForm{}, pending[i].Email, "invitations"); refused || err != nil {
			return err
		}
	}
	inv, err := s.store.ResendInvitation(r.Context(), a.Scope, a.Org.ID, id, time.Now().Add(inviteLifetime))
	if errors.Is(err, tally.ErrNotFound) {
		s.flash(r, "That invitation has been accepted or revoked already.")
		http.Redirect(w, r, route.Path("/o/{org}/users", a.Org.Slug)+"#invitations", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	s.flash(r, "Invitation sent again to "+inv.Email+". The earlier link no longer works.")
	http.Redirect(w, r, route.Path("/o/{org}/users", a.Org.Slug)+"#invitations", http.StatusSeeOther)
	return nil
}

// handleRevokeInvitation stops a pending invitation's link working.
func (s *Server) handleRevokeInvitation(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	id, err := invitationID(r)
	if err != nil {
		return err
	}
	inv, err := s.store.RevokeInvitation(r.Context(), a.Scope, a.Org.ID, id)
	if errors.Is(err, tally.ErrNotFound) {
		s.flash(r, "That invitation has been accepted or revoked already.")
		http.Redirect(w, r, route.Path("/o/{org}/users", a.Org.Slug)+"#invitations", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	s.flash(r, "The invitation to "+inv.Email+" has been revoked. Its link no longer works.")
	http.Redirect(w, r, route.Path("/o/{org}/users", a.Org.Slug)+"#invitations", http.StatusSeeOther)
	return nil
}

func roleStrings(roles []tally.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

// member finds the person in the URL among the organisation's members.
func (s *Server) member(r *http.Request, a tally.Access) (tally.Member, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "user"), 10, 64)
	if err != nil {
		return tally.Member{}, errNotFound
	}
	members, err := s.store.Members(r.Context(), a.Scope, a.Org.ID)
	if err != nil {
		return tally.Member{}, err
	}
	i := slices.IndexFunc(members, func(m tally.Member) bool { return m.UserID == id })
	if i < 0 {
		return tally.Member{}, errNotFound
	}
	return members[i], nil
}

func (s *Server) memberPage(r *http.Request, a tally.Access, m tally.Member, values []string, errs map[string]string) (pages.MemberPage, error) {
	acc, err := s.memberAccount(r, a, m) // lifecycle.go
	if err != nil {
		return pages.MemberPage{}, err
	}
	acc.Error = errs["account"]
	title := m.Name
	if len(errs) > 0 {
		title = "Error: " + title
	}
	base := route.Path("/o/{org}/users", a.Org.Slug)
	return pages.MemberPage{Page: s.page(r, title), Back: base, Action: route.Path("/o/{org}/users/{user}", a.Org.Slug, m.UserID),
		Name: m.Name, Email: m.Email, Roles: roleOptions(a.Org.Kind), Values: values, Errors: errs, Account: acc}, nil
}

func (s *Server) handleMember(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	p, err := s.memberPage(r, a, m, roleStrings(m.Roles), nil)
	if err != nil {
		return err
	}
	if p.TwoStep, p.TwoStepReset, err = s.memberTwoStep(r, a, m.UserID); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Member(p))
}

// handleSetRoles changes a member's roles; none removes them, and ends
// every session of theirs (Store.SetRoles): sessions are not kept per
// organisation, so losing their last role here signs them out everywhere.
func (s *Server) handleSetRoles(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	allowed := rolesFor(a.Org.Kind)
	var roles []tally.Role
	for _, v := range f.r.PostForm["roles"] {
		if !slices.Contains(allowed, tally.Role(v)) {
			f.Errs.Add("roles", "Select roles from the list")
			break
		}
		if !slices.Contains(roles, tally.Role(v)) {
			roles = append(roles, tally.Role(v))
		}
	}
	if len(f.Errs) == 0 {
		err = s.store.SetRoles(r.Context(), a.Scope, a.Org.ID, m.UserID, roles)
		if f.Errs, err = formErrors(err, nil); err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		p, err := s.memberPage(r, a, m, f.r.PostForm["roles"], f.Errs)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Member(p))
	}
	if m.UserID == userFrom(r.Context()).ID {
		// Your own roles changed: a new session token for the new privileges.
		if err := s.renewSession(r, false); err != nil {
			return err
		}
	}
	if len(roles) == 0 {
		s.flash(r, m.Name+" has been removed.")
	} else {
		s.flash(r, m.Name+"’s roles have been saved.")
	}
	http.Redirect(w, r, route.Path("/o/{org}/users", a.Org.Slug), http.StatusSeeOther)
	return nil
}
