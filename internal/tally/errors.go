// Package tally holds Tally's domain: the types every other package shares,
// sentinel errors, and the pure rules (money, offer values, scores, ratings,
// financial years). It imports no other package of this module.
package tally

import (
	"errors"
	"fmt"
)

// Sentinel errors. Stores translate database errors into these at their
// boundary; handlers map them to pages.
var (
	// ErrNotFound: the thing does not exist or is outside the caller's scope.
	// Both answer 404, so ids cannot be probed.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change clashes with the current state (a duplicate
	// reference, a stale edit, a state that no longer allows the action).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input breaks a rule; details travel in a FormErrors.
	ErrInvalid = errors.New("invalid input")
	// ErrForbidden: the caller's roles do not allow the change (Scope.Require).
	// It wraps ErrNotFound, so it answers 404 as the route guard does and
	// handlers need no case of their own.
	ErrForbidden = fmt.Errorf("role not allowed: %w", ErrNotFound)
	// ErrAccountDisabled: an administrator has disabled the account, so it
	// cannot sign in by any route (password, emailed link, single sign-on)
	// until it is enabled again.
	ErrAccountDisabled = errors.New("account disabled")
)

// FormErrors maps a form field's name to a message saying how to fix it.
// It is an error, so stores and rules can return it and handlers can
// re-render the form with it.
type FormErrors map[string]string

func (e FormErrors) Error() string { return "invalid input" }

// Is lets errors.Is(err, ErrInvalid) match any FormErrors.
func (e FormErrors) Is(target error) bool { return target == ErrInvalid }

// Add records the first message for a field.
func (e FormErrors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Err returns e as an error, or nil when there are no messages.
func (e FormErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}
