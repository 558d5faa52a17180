package sheet

import (
	"errors"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

func TestRowErrorText(t *testing.T) {
	tests := []struct {
		err  *RowError
		want string
	}{
		{&RowError{4, "quantity", "Enter a quantity of 0 or more"}, "Row 4, column quantity: Enter a quantity of 0 or more"},
		{&RowError{3, "", "Check the commas"}, "Row 3: Check the commas"},
		{&RowError{0, "", "The file is empty"}, "The file is empty"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	errs := Errors{tests[0].err, tests[1].err}
	if got := errs.Error(); got != "Row 4, column quantity: Enter a quantity of 0 or more (and 1 more)" {
		t.Errorf("Errors.Error() = %q", got)
	}
}

func TestErrorsAreInvalid(t *testing.T) {
	var err error = Errors{{Row: 2, Message: "Enter a code"}}
	if !errors.Is(err, tally.ErrInvalid) {
		t.Error("Errors does not match tally.ErrInvalid")
	}
}
