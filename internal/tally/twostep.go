package tally

// TwoStepRule is who in an organisation must use 2-step verification
// (issue 18) to sign in with a password.
type TwoStepRule string

const (
	TwoStepNobody         TwoStepRule = "nobody"
	TwoStepAdministrators TwoStepRule = "administrators" // a new organisation's rule
	TwoStepStaff          TwoStepRule = "staff"          // every staff role; suppliers are never staff
)

// TwoStepRules are the rules in the order an administrator is offered them.
var TwoStepRules = []TwoStepRule{TwoStepNobody, TwoStepAdministrators, TwoStepStaff}

// Requires reports whether the rule asks 2-step verification of someone
// holding roles in its organisation.
func (t TwoStepRule) Requires(roles []Role) bool {
	for _, r := range roles {
		switch {
		case t == TwoStepStaff && r != RoleSupplier:
			return true
		case t == TwoStepAdministrators && r == RoleAdmin:
			return true
		}
	}
	return false
}
