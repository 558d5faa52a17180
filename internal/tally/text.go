package tally

import (
	"strings"
	"unicode"
)

// HiddenFormatting is the message part for text that holds an invisible
// formatting character, for use after a field's name: "Title must not ...".
const HiddenFormatting = "must not contain hidden formatting characters (such as right-to-left marks or zero-width spaces): type it again, or paste it as plain text"

// HasFormatChar reports whether s holds a Unicode format character
// (category Cf): bidirectional overrides and isolates, zero-width spaces
// and joiners, byte order marks, soft hyphens and tags. They are invisible,
// so text holding them can read differently from what it is: a reversed
// file extension, a reference that looks like another, a statement whose
// words appear in another order. Every free-text field refuses them.
func HasFormatChar(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) })
}

// WithoutFormatChars is s without its Unicode format characters, for text
// that is kept rather than typed, such as an uploaded file's name.
func WithoutFormatChars(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}
