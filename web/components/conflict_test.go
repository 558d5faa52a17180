package components

import "testing"

func TestConflictComparesAndWords(t *testing.T) {
	c := Conflict{Thing: "this tender"}
	c.Compare("Title", "Same", "Same")
	c.Compare("Description", "", "Typed")
	c.Compare("Target", "12", "")
	if len(c.Changes) != 2 {
		t.Fatalf("changes %v, want the two that differ", c.Changes)
	}
	if c.Changes[0] != (ConflictItem{"Description", "Not given", "Typed"}) || c.Changes[1] != (ConflictItem{"Target", "12", "Not given"}) {
		t.Errorf("changes %v", c.Changes)
	}
	for _, tc := range []struct {
		c    Conflict
		want string
	}{
		{Conflict{Thing: "this tender"}, "This tender was saved since you started editing it, in another tab or by someone else. Compare what is saved now with your form below, then save again."},
		{Conflict{Thing: "these settings"}, "These settings were saved since you started editing them, in another tab or by someone else. Compare what is saved now with your form below, then save again."},
		{Conflict{Thing: "this return", Doing: "checking"}, "This return was saved since you started checking it, in another tab or by someone else. Compare what is saved now with your form below, then save again."},
	} {
		if got := tc.c.Message(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}
