package components

import "strings"

// ConflictID is the id of the "what changed" table a stale save shows: the
// error summary's message links to it.
const ConflictID = "what-changed"

// Conflict is what a form shows when it was saved from a version someone
// else has since replaced (409): the answers whose saved value now
// differs from what this person typed. The form keeps what they typed and
// carries the current version, so saving again overwrites deliberately.
type Conflict struct {
	Thing   string         // "this tender", "these settings": in "This tender was saved since…"
	Doing   string         // "checking": in "since you started checking it"; "editing" when empty
	Changes []ConflictItem // only the answers that differ
}

// ConflictItem is one answer saved one way and typed another.
type ConflictItem struct {
	Question string
	Saved    string // as saved now, in words
	Typed    string // as in the form, in words
}

// Message is the error summary's line for a stale save. It cannot say who
// saved: often it is the same person, in another tab.
func (c Conflict) Message() string {
	it, was := "it", "was"
	if strings.HasPrefix(c.Thing, "these ") {
		it, was = "them", "were"
	}
	doing := c.Doing
	if doing == "" {
		doing = "editing"
	}
	return strings.ToUpper(c.Thing[:1]) + c.Thing[1:] + " " + was + " saved since you started " + doing + " " + it +
		", in another tab or by someone else. Compare what is saved now with your form below, then save again."
}

// Compare adds an item when the saved and typed answers differ. Blank
// answers read "Not given".
func (c *Conflict) Compare(question, saved, typed string) {
	if saved == typed {
		return
	}
	if saved == "" {
		saved = "Not given"
	}
	if typed == "" {
		typed = "Not given"
	}
	c.Changes = append(c.Changes, ConflictItem{Question: question, Saved: saved, Typed: typed})
}
