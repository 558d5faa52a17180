package server

import (
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

func TestFormErrors(t *testing.T) {
	stored := tally.FormErrors{"name": "Enter a name"}
	conflict := tally.FormErrors{"return": "This return was changed in another window or tab"}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name     string
		err      error
		conflict tally.FormErrors
		want     tally.FormErrors
		wantErr  error
	}{
		{"no error", nil, nil, tally.FormErrors{}, nil},
		{"the store's messages", stored, conflict, stored, nil},
		{"wrapped messages", fmt.Errorf("Store.Save(1): %w", stored), nil, stored, nil},
		{"a conflict with a message", fmt.Errorf("Store.Save(1): %w", tally.ErrConflict), conflict, conflict, nil},
		{"a conflict without one", tally.ErrConflict, nil, nil, tally.ErrConflict},
		{"anything else", boom, conflict, nil, boom},
	} {
		got, err := formErrors(tc.err, tc.conflict)
		if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.wantErr)
		}
		if !maps.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
