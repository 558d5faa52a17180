package tally

import "testing"

func TestTwoStepRuleRequires(t *testing.T) {
	for _, tc := range []struct {
		rule  TwoStepRule
		roles []Role
		want  bool
	}{
		{TwoStepNobody, []Role{RoleAdmin}, false},
		{TwoStepAdministrators, []Role{RoleAdmin}, true},
		{TwoStepAdministrators, []Role{RoleBuyer, RoleDirector}, false},
		{TwoStepStaff, []Role{RoleEvaluator}, true},
		{TwoStepStaff, []Role{RoleSupplier}, false}, // suppliers are never staff
		{TwoStepAdministrators, nil, false},
	} {
		if got := tc.rule.Requires(tc.roles); got != tc.want {
			t.Errorf("%s requires %v: %t, want %t", tc.rule, tc.roles, got, tc.want)
		}
	}
}
