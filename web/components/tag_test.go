package components

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// BenchmarkTag justifies Tag: a tag written directly ("fast") against the
// plain templ version ("templ"), as a list writes one on every row.
func BenchmarkTag(b *testing.B) {
	for _, c := range []struct {
		name string
		tag  func(text, colour string) templ.Component
	}{{"fast", Tag}, {"templ", tagPlain}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.tag("Requires improvement", "yellow").Render(context.Background(), io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTagMatchesTempl checks the fast path against the plain one: every
// colour, unknown and hostile ones too, and hostile text give the same
// HTML.
func TestTagMatchesTempl(t *testing.T) {
	colours := []string{"", "blue", "pink", `red" onclick="y`, "RED"}
	for c := range tagColours {
		colours = append(colours, c)
	}
	for _, colour := range colours {
		for _, text := range []string{"Open", "", `<script>alert("x")</script>&'`} {
			var fast, plain strings.Builder
			if err := Tag(text, colour).Render(context.Background(), &fast); err != nil {
				t.Fatal(err)
			}
			if err := tagPlain(text, colour).Render(context.Background(), &plain); err != nil {
				t.Fatal(err)
			}
			if fast.String() != plain.String() {
				t.Errorf("Tag(%q, %q):\nfast  %s\ntempl %s", text, colour, fast.String(), plain.String())
			}
		}
	}
}
