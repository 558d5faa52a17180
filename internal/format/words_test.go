package format

import (
	"testing"

	"github.com/tally-sv/tally/internal/tally"
)

func TestWords(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{UnitWords("£"), "pounds (£)"},
		{UnitWords(" gbp "), "pounds (£)"},
		{UnitWords("weeks"), "weeks"},
		{Capitalise("construction"), "Construction"},
		{Capitalise(""), ""},
		{Size(tally.SizeMicro), "Micro"},
		{Size(tally.SizeLarge), "Large"},
		{Size("other"), "other"},
		{Roles([]tally.Role{tally.RoleContractManager}), "contract manager"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
