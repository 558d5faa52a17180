package components

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPageItems(t *testing.T) {
	type it = pageItem
	gap := it{Ellipsis: true}
	tests := []struct {
		current, total int
		want           []pageItem
	}{
		{1, 1, []pageItem{{Number: 1}}},
		{1, 3, []pageItem{{Number: 1}, {Number: 2}, {Number: 3}}},
		{5, 10, []pageItem{{Number: 1}, gap, {Number: 4}, {Number: 5}, {Number: 6}, gap, {Number: 10}}},
		{3, 10, []pageItem{{Number: 1}, {Number: 2}, {Number: 3}, {Number: 4}, gap, {Number: 10}}},
		{4, 10, []pageItem{{Number: 1}, {Number: 2}, {Number: 3}, {Number: 4}, {Number: 5}, gap, {Number: 10}}},
		{10, 10, []pageItem{{Number: 1}, gap, {Number: 9}, {Number: 10}}},
	}
	for _, tt := range tests {
		if got := pageItems(tt.current, tt.total); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("pageItems(%d, %d) = %v, want %v", tt.current, tt.total, got, tt.want)
		}
	}
}

func TestErrorItemsKeepsOrderAndEveryError(t *testing.T) {
	errs := map[string]string{"b": "B", "a": "A", "z": "Z", "y": "Y", "empty": ""}
	got := errorItems(errs, []string{"b", "a", "missing"})
	want := []errorItem{{"b", "B"}, {"a", "A"}, {"y", "Y"}, {"z", "Z"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errorItems = %v, want %v", got, want)
	}
}

func TestInputWithHintAndError(t *testing.T) {
	html := render(t, Input(Field{Name: "value", Label: "Value", Hint: "In pounds", Error: "Enter a value", Value: `1"2`, Prefix: "£"}))
	for _, want := range []string{
		`class="govuk-form-group govuk-form-group--error"`,
		`<label class="govuk-label" for="value">Value</label>`,
		`<div id="value-hint" class="govuk-hint">In pounds</div>`,
		`<p id="value-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> Enter a value</p>`,
		`<div class="govuk-input__prefix" aria-hidden="true">£</div>`,
		`class="govuk-input govuk-input--error"`,
		`value="1&#34;2"`,
		`aria-describedby="value-hint value-error"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("Input HTML lacks %s\n%s", want, html)
		}
	}
}

func TestRadiosFirstIDIsTheFieldID(t *testing.T) {
	html := render(t, Radios(Field{Name: "size", Label: "Size", Value: "sme"}, []Option{{Value: "micro", Text: "Micro"}, {Value: "sme", Text: "SME"}}))
	for _, want := range []string{`id="size" name="size" type="radio" value="micro"`, `id="size-2" name="size" type="radio" value="sme" checked`, `<legend class="govuk-fieldset__legend">Size</legend>`} {
		if !strings.Contains(html, want) {
			t.Errorf("Radios HTML lacks %s\n%s", want, html)
		}
	}
}

func TestPageLinksKeepsQuery(t *testing.T) {
	href := PageLinks("/o/x/tenders", url.Values{"status": {"open"}, "page": {"2"}}, "page")
	if got, want := href(3), "/o/x/tenders?page=3&status=open"; got != want {
		t.Errorf("href(3) = %q, want %q", got, want)
	}
}

func TestTagRejectsUnknownColours(t *testing.T) {
	if got := render(t, Tag("x", `red" onclick="y`)); got != `<strong class="govuk-tag">x</strong>` {
		t.Errorf("Tag = %s", got)
	}
}
