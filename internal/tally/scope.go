package tally

import "slices"

// Scope is what one request may touch. Stores set it on each transaction
// (PostgreSQL row-level security reads it) and still filter by it in SQL.
// The zero Scope sees nothing.
type Scope struct {
	UserID     int64
	PartnerIDs []int64 // partners whose tenant data is in reach
	OrgIDs     []int64 // organisations whose audit log is in reach
	SupplierID int64   // the supplier organisation acted for; 0 when none
	// MeasureOrgIDs are the organisations whose measure choices and local
	// measures may be read: a partner's and its shared service's.
	MeasureOrgIDs []int64
	// Roles are the caller's roles in the organisation acted in (Access
	// fills them). Stores check them again before any change (Require).
	Roles []Role
	// Email is a verified email address whose pending invitations are in
	// reach. Set it only where the person has proved they own it (single
	// sign-on); stores compare it in lower case.
	Email string
	// Invitation is the sha256 digest of the invitation token the person
	// presented: that invitation is in reach, and no other.
	Invitation []byte
}

// HasPartner reports whether partner id is in scope.
func (s Scope) HasPartner(id int64) bool {
	return slices.Contains(s.PartnerIDs, id)
}

// Require returns nil when the scope holds any of roles, else ErrForbidden.
// Every store method that changes data calls it first, so a slip in the
// route table cannot open a door. ErrForbidden matches ErrNotFound: the
// caller gets the same 404 as from the route guard.
func (s Scope) Require(roles ...Role) error {
	for _, r := range roles {
		if slices.Contains(s.Roles, r) {
			return nil
		}
	}
	return ErrForbidden
}
