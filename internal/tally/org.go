package tally

import "slices"

// OrgKind is the kind of an organisation.
type OrgKind string

// Organisation kinds.
const (
	SharedService OrgKind = "shared_service"
	Partner       OrgKind = "partner"
	Supplier      OrgKind = "supplier"
)

// Role is what a member may do in an organisation.
type Role string

// Roles (SPEC §1). A shared-service membership gives the role across all of
// its partners.
const (
	RoleBuyer           Role = "buyer"
	RoleEvaluator       Role = "evaluator"
	RoleContractManager Role = "contract_manager"
	RoleDirector        Role = "director"
	RoleAdmin           Role = "admin"
	RoleSupplier        Role = "supplier"
)

// StaffRoles are the roles of buyer-side organisations, in display order.
var StaffRoles = []Role{RoleBuyer, RoleEvaluator, RoleContractManager, RoleDirector, RoleAdmin}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleBuyer:
		return "Buyer"
	case RoleEvaluator:
		return "Evaluator"
	case RoleContractManager:
		return "Contract manager"
	case RoleDirector:
		return "Director"
	case RoleAdmin:
		return "Administrator"
	case RoleSupplier:
		return "Supplier"
	}
	return string(r)
}

// Org is an organisation: a shared service, a partner council or a supplier.
type Org struct {
	ID              int64
	Kind            OrgKind
	Slug            string
	Name            string
	SharedServiceID int64 // partners only; 0 when none
}

// User is a person who signs in.
type User struct {
	ID           int64
	Email        string
	Name         string
	SessionEpoch int
	Disabled     bool // an administrator has disabled the account: it cannot sign in
}

// Membership is what one user may do in one organisation.
type Membership struct {
	Org   Org
	Roles []Role
}

// Has reports whether the membership includes any of roles.
func (m Membership) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(m.Roles, r) {
			return true
		}
	}
	return false
}
