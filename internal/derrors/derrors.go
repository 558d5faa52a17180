// Package derrors wraps errors with the place they came from, once, in a
// deferred call (as pkgsite does): `defer derrors.Wrap(&err, "Store.Tender(%d)", id)`.
package derrors

import "fmt"

// Wrap prefixes *errp with the formatted context when it is not nil, so a
// logged error names the method and its key arguments. It wraps with %w:
// errors.Is and errors.As still find the sentinel or typed error beneath
// (tally.ErrNotFound, tally.FormErrors, ...). A nil *errp is left alone.
func Wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
