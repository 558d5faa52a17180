package server

import (
	"errors"

	"github.com/tally-sv/tally/internal/tally"
)

// formErrors sorts what a store method returned for the form that called
// it. No error gives no messages (an empty set, safe to add to); the
// store's tally.FormErrors are the messages; ErrConflict (a version that
// moved on in another tab) gives conflict when the form has a message for
// it. Any other error is returned as the error, for the error page.
//
// An empty FormErrors is returned as the error, so callers may take
// len(messages) > 0 to mean the store refused the input and never mistake
// a refusal without messages for success.
func formErrors(err error, conflict tally.FormErrors) (tally.FormErrors, error) {
	var fe tally.FormErrors
	switch {
	case err == nil:
		return tally.FormErrors{}, nil
	case errors.As(err, &fe) && len(fe) > 0:
		return fe, nil
	case conflict != nil && errors.Is(err, tally.ErrConflict):
		return conflict, nil
	}
	return nil, err
}
