package tally

import (
	"errors"
	"testing"
)

func TestScopeRequire(t *testing.T) {
	s := Scope{Roles: []Role{RoleEvaluator, RoleDirector}}
	if err := s.Require(RoleBuyer, RoleEvaluator); err != nil {
		t.Errorf("evaluator may: %v", err)
	}
	for _, scope := range []Scope{s, {}} {
		err := scope.Require(RoleBuyer)
		if !errors.Is(err, ErrForbidden) || !errors.Is(err, ErrNotFound) {
			t.Errorf("roles %v, buyer required: %v, want ErrForbidden that is ErrNotFound", scope.Roles, err)
		}
	}
	if err := s.Require(); err == nil {
		t.Error("no role allowed, yet allowed")
	}
}
