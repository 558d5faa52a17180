package components

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// Field describes one form question for Input, Textarea, Select, Radios and
// Checkboxes. Handlers fill Value (or Values) with what the user sent and
// Error with the message to show, so an invalid form re-renders as it was.
type Field struct {
	Name  string // form field name, as read from r.PostForm
	ID    string // element id; defaults to Name. The error summary links to "#"+ID
	Label string // label text; the fieldset legend for Radios and Checkboxes
	Hint  string // optional hint below the label
	Value string // current value; for Radios and Select, the chosen option
	Error string // error message; empty when the field is valid

	Values []string // Checkboxes only: the ticked values

	Type         string // Input only: input type, "text" when empty
	Autocomplete string // autocomplete token, e.g. "email", "organization"
	Inputmode    string // Input only: e.g. "numeric", "decimal"
	// Width is extra classes on the control: a width class such as
	// "govuk-input--width-10" or "govuk-!-width-one-half", or for Radios and
	// Checkboxes a modifier such as "govuk-radios--inline" or
	// "govuk-checkboxes--small".
	Width  string
	Prefix string // Input only: shown before the box, e.g. "£" (hidden from screen readers: say it in the label or hint too)
	Suffix string // Input only: shown after the box, e.g. "%" (likewise)
	Rows   int    // Textarea only: visible rows, 5 when zero

	// LabelClass sizes the label or legend, e.g. "govuk-label--m" or
	// "govuk-fieldset__legend--m". With PageHeading use the --l sizes.
	LabelClass string
	// PageHeading wraps the label or legend in the page's <h1>, for pages
	// that ask one question.
	PageHeading bool

	// Required adds the HTML required attribute so assistive technology
	// announces it. Put novalidate on the <form> so the server's error
	// summary, not the browser's bubble, reports a missing answer.
	Required   bool
	Spellcheck *bool // nil leaves the browser default
}

// Option is one choice in a Select, Radios or Checkboxes.
type Option struct {
	Value    string
	Text     string
	Hint     string // Radios and Checkboxes only
	Selected bool   // chosen even if it does not match Field.Value/Values
	Disabled bool
}

func (f Field) id() string {
	if f.ID != "" {
		return f.ID
	}
	return f.Name
}

func (f Field) hintID() string  { return f.id() + "-hint" }
func (f Field) errorID() string { return f.id() + "-error" }

// describedBy is the aria-describedby value linking the hint and error
// message to the control, or "" when there is neither.
func (f Field) describedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.hintID())
	}
	if f.Error != "" {
		ids = append(ids, f.errorID())
	}
	return strings.Join(ids, " ")
}

func (f Field) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

func (f Field) rows() string {
	if f.Rows <= 0 {
		return "5"
	}
	return strconv.Itoa(f.Rows)
}

func (f Field) spellcheck() string {
	if f.Spellcheck == nil {
		return ""
	}
	return strconv.FormatBool(*f.Spellcheck)
}

// itemID is the id of the i-th (0-based) radio or checkbox. The first has
// the field's own id so the error summary can link to it.
func (f Field) itemID(i int) string {
	if i == 0 {
		return f.id()
	}
	return f.id() + "-" + strconv.Itoa(i+1)
}

func (f Field) selected(o Option) bool {
	return o.Selected || (f.Value != "" && o.Value == f.Value)
}

func (f Field) ticked(o Option) bool {
	return o.Selected || slices.Contains(f.Values, o.Value)
}

// ErrorTitle prefixes a page title with "Error: " when the form has errors,
// as GOV.UK's error pattern asks, so screen reader users hear it first.
func ErrorTitle(title string, errs map[string]string) string {
	if len(errs) == 0 {
		return title
	}
	return "Error: " + title
}

// errorItem is one line of the error summary.
type errorItem struct {
	ID      string
	Message string
}

// errorItems lists errs in the given order of field ids, then any ids not in
// order, sorted, so that no error is ever left out of the summary.
func errorItems(errs map[string]string, order []string) []errorItem {
	items := make([]errorItem, 0, len(errs))
	seen := make(map[string]bool, len(errs))
	for _, id := range order {
		if msg, ok := errs[id]; ok && msg != "" && !seen[id] {
			items = append(items, errorItem{id, msg})
			seen[id] = true
		}
	}
	var rest []string
	for id, msg := range errs {
		if !seen[id] && msg != "" {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	for _, id := range rest {
		items = append(items, errorItem{id, errs[id]})
	}
	return items
}

// maybe adds class c to a templ class list only when it is not empty, so
// optional classes leave no stray spaces.
func maybe(c string) templ.KeyValue[string, bool] {
	return templ.KV(c, c != "")
}
