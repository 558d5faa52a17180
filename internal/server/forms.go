package server

import (
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tally-sv/tally/internal/tally"
)

// maxFormBytes bounds a plain form post (uploads have their own limits).
const maxFormBytes = 256 << 10

// form reads and checks a posted form. Each reader records a message for
// the field when the value is unusable, so a handler can read every field,
// then re-render with all the messages at once.
type form struct {
	r    *http.Request
	Errs tally.FormErrors
}

// parseForm reads the body of a POST. It reads only r.PostForm: values in
// the URL never stand in for posted ones.
func parseForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, &httpError{http.StatusBadRequest, "The form could not be read",
			"Go back, check what you entered and try again."}
	}
	return &form{r: r, Errs: tally.FormErrors{}}, nil
}

// raw is the posted value, trimmed.
func (f *form) raw(name string) string { return strings.TrimSpace(f.r.PostForm.Get(name)) }

// text reads free text of at most max characters. label is used in
// messages, in lower case after the first word ("Enter your full name").
func (f *form) text(name, label string, max int, required bool) string {
	v := f.raw(name)
	switch {
	case !utf8.ValidString(v):
		f.Errs.Add(name, fmt.Sprintf("%s contains characters that cannot be read: type it again", capital(label)))
		return ""
	case strings.ContainsFunc(v, badControl):
		f.Errs.Add(name, fmt.Sprintf("%s must not contain control characters", capital(label)))
	case tally.HasFormatChar(v):
		f.Errs.Add(name, capital(label)+" "+tally.HiddenFormatting)
	case v == "" && required:
		f.Errs.Add(name, "Enter "+label)
	case utf8.RuneCountInString(v) > max:
		f.Errs.Add(name, fmt.Sprintf("%s must be %d characters or fewer", capital(label), max))
	}
	return v
}

// email reads an email address and returns it in lower case.
func (f *form) email(name string, required bool) string {
	v := strings.ToLower(f.text(name, "an email address", 254, required))
	if v == "" || f.Errs[name] != "" {
		return v
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndex(v, "@"):], ".") {
		f.Errs.Add(name, "Enter an email address in the correct format, like name@example.com")
	}
	return v
}

// password reads a password without trimming it.
func (f *form) password(name string) string {
	v := f.r.PostForm.Get(name)
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		f.Errs.Add(name, "Your password contains characters that cannot be read: type it again")
		return ""
	}
	if len(v) > 1024 {
		f.Errs.Add(name, "Password must be 1,024 characters or fewer")
	}
	return v
}

// choice reads a value that must be one of allowed.
func (f *form) choice(name, msg string, allowed ...string) string {
	v := f.raw(name)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	f.Errs.Add(name, msg)
	return ""
}

// checked reports whether a checkbox was ticked.
func (f *form) checked(name string) bool { return f.raw(name) != "" }

// badControl rejects control characters other than tab and new lines.
func badControl(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
}

func capital(s string) string {
	if s == "" {
		return s
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "an "), "a ")
	s = strings.TrimPrefix(s, "your ")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
