package server_test

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

// pageForm is a POST form as a page shows it: where it posts, and what a
// browser would send for it untouched.
type pageForm struct {
	action   string
	fields   []pageControl
	buttons  []pageControl // named submit buttons; each is a way to send the form
	filePart bool          // the form uploads a file
}

// pageControl is one control: its name, kind and value (checked tells a
// checkbox or radio that starts ticked). options are a radio group's or a
// select's values.
type pageControl struct {
	name, kind, value string
	checked           bool
	options           []string
}

// pageForms reads the POST forms of an HTML page, with their controls in
// document order. Text areas hold a sentence a person typed.
func pageForms(body string) []pageForm {
	var forms []pageForm
	var cur *pageForm
	var sel *pageControl
	for _, tag := range secTags(body) {
		name, _ := tag.attr("name")
		value, _ := tag.attr("value")
		_, checked := tag.attr("checked")
		switch tag.name {
		case "form":
			method, _ := tag.attr("method")
			if !strings.EqualFold(method, "post") {
				cur = nil
				continue
			}
			action, _ := tag.attr("action")
			enc, _ := tag.attr("enctype")
			forms = append(forms, pageForm{action: html.UnescapeString(action), filePart: enc == "multipart/form-data"})
			cur = &forms[len(forms)-1]
		case "input", "textarea", "select", "button":
			if cur == nil || name == "" {
				continue
			}
			kind, _ := tag.attr("type")
			if tag.name != "input" {
				kind = tag.name
			}
			f := pageControl{name: name, kind: kind, value: value, checked: checked}
			switch kind {
			case "button", "submit":
				if tag.name == "button" || kind == "submit" {
					cur.buttons = append(cur.buttons, f)
				}
				continue
			case "file":
				continue
			case "radio":
				for i := range cur.fields {
					if g := &cur.fields[i]; g.name == name && g.kind == "radio" {
						g.options = append(g.options, value)
						if checked {
							g.value, g.checked = value, true
						}
						goto next
					}
				}
				f.options = []string{value}
				if !checked {
					f.value = ""
				}
			case "select":
				f.value = ""
			case "textarea":
				f.value = "Typed by a person" // its text is not a tag; a person types something
			}
			cur.fields = append(cur.fields, f)
			if kind == "select" {
				sel = &cur.fields[len(cur.fields)-1]
			}
		case "option":
			if sel != nil {
				sel.options = append(sel.options, value)
				if _, s := tag.attr("selected"); s || len(sel.options) == 1 {
					sel.value = value
				}
			}
		}
	next:
	}
	return forms
}

// values is what a browser sends for the form as it stands, pressing button
// (or none).
func (f pageForm) values(button *pageControl) url.Values {
	v := url.Values{}
	for _, c := range f.fields {
		switch c.kind {
		case "checkbox":
			if c.checked {
				v.Add(c.name, c.value)
			}
		case "radio":
			if c.value != "" {
				v.Set(c.name, c.value)
			}
		default:
			v.Add(c.name, c.value)
		}
	}
	if button != nil {
		v.Set(button.name, button.value)
	}
	return v
}

// TestFormsKeepWhatWasSentAndNeverFail signs in every kind of person, finds
// every POST form on the pages they can reach, and sends each as a person
// who makes mistakes would: as it stands, with every box unticked, and with
// each field in turn left empty or filled with letters, a negative or an
// absurd number. Nothing may answer 5xx or log an error, every refusal says
// what went wrong, and a form shown again (422) shows every text field,
// radio and checkbox as it was sent.
func TestFormsKeepWhatWasSentAndNeverFail(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	d := secDemoWorld(t, ts)

	mistakes := []string{"", "twelve", "-1", "99999999999999999999999"}
	done := map[string]bool{}
	forms := 0
	for _, who := range d.people {
		if who.roles == nil {
			continue // the public forms are tried with hostile values elsewhere
		}
		worlds := d.staff
		if who.org != "star" {
			worlds = d.supplier
		}
		seeds := secSeeds(t, ts, who, worlds...)
		for _, r := range mistakeReturns(t, ts, d) {
			if (who.org == "star") != r.supplier {
				seeds = append(seeds, "/o/"+who.org+"/returns/"+r.id)
			}
		}
		for _, pg := range secCrawl(t, ts, who, seeds, 1) {
			if !pg.html() || pg.status != http.StatusOK {
				continue
			}
			base, _ := url.Parse(pg.path)
			for _, f := range pageForms(pg.body) {
				target := secLocal(base, f.action)
				if len(target) == 0 || strings.Contains(target[0], "logout") || strings.Contains(target[0], "sign-out") {
					continue
				}
				pattern := secPattern(ts, http.MethodPost, target[0])
				var names []string
				for _, c := range f.fields {
					names = append(names, c.name)
				}
				sort.Strings(names)
				key := who.name + " " + pattern + " " + strings.Join(names, ",")
				if done[key] {
					continue
				}
				done[key] = true
				forms++
				buttons := []*pageControl{nil}
				for i := range f.buttons {
					buttons = append(buttons, &f.buttons[i])
				}
				for _, b := range buttons {
					sendForm := func(what string, v url.Values) {
						t.Helper()
						what = who.name + ": " + pattern + " (" + pg.path + ")" + what
						resp, body := post(t, who.c, ts.URL+target[0], v)
						checkRefusal(t, what, resp, body)
						if resp.StatusCode == http.StatusUnprocessableEntity {
							checkKept(t, what, f, v, body)
						}
					}
					label := ""
					if b != nil {
						label = " pressing " + b.name + "=" + b.value
					}
					unticked := f.values(b)
					for _, c := range f.fields {
						if c.kind == "checkbox" {
							unticked.Del(c.name)
						}
					}
					sendForm(label+" with every box unticked", unticked)
					seen := map[string]int{}
					for _, c := range f.fields {
						nth := seen[c.name] // several inputs may share a name: change this one only
						seen[c.name]++
						if c.kind == "checkbox" || c.kind == "radio" || c.kind == "select" {
							v := f.values(b)
							v.Set(c.name, "not-a-choice")
							sendForm(label+" with "+c.name+" not a choice", v)
							continue
						}
						for _, m := range mistakes {
							v := f.values(b)
							v[c.name][nth] = m
							sendForm(label+" with "+c.name+"="+short(m), v)
						}
					}
					// Last, as it stands: it may well succeed and change the record.
					sendForm(label+" as it stands", f.values(b))
				}
			}
		}
	}
	if forms < 20 {
		t.Errorf("found only %d forms: the crawl did not reach the pages", forms)
	}
	t.Logf("%d forms tried", forms)
}

// checkKept fails the test when a form shown again after a refusal has lost
// something that was sent: a text field's value, a choice, a ticked box.
// Passwords are never shown again, by design; a choice the form does not
// offer cannot be shown.
func checkKept(t *testing.T, what string, sent pageForm, v url.Values, body string) {
	t.Helper()
	var again *pageForm
	for _, f := range pageForms(body) {
		if f.action == sent.action {
			again = &f
			break
		}
	}
	if again == nil {
		return // the refusal is a page of its own (a conflict, a closed tender)
	}
	shown := map[string][]string{}
	for _, c := range again.fields {
		switch c.kind {
		case "checkbox", "radio":
			if c.checked {
				shown[c.name] = append(shown[c.name], c.value)
			}
		case "password", "hidden", "textarea":
		default:
			shown[c.name] = append(shown[c.name], c.value)
		}
	}
	seen := map[string]int{}
	for _, c := range again.fields {
		want := v[c.name]
		nth := seen[c.name]
		seen[c.name]++
		switch c.kind {
		case "password", "hidden", "textarea", "file":
			continue
		case "radio", "select":
			if len(want) == 1 && slices.Contains(c.options, want[0]) && !slices.Contains(shown[c.name], want[0]) &&
				!(c.kind == "select" && c.value == want[0]) {
				t.Errorf("%s: shown again without the choice %s=%q", what, c.name, want[0])
			}
		case "checkbox":
			if slices.Contains(want, c.value) && !c.checked {
				t.Errorf("%s: shown again with the box %s=%q unticked", what, c.name, c.value)
			}
			if len(want) == 0 && c.checked {
				t.Errorf("%s: shown again with the box %s=%q ticked, though it was sent unticked", what, c.name, c.value)
			}
		default:
			if nth < len(want) && strings.TrimSpace(c.value) != strings.TrimSpace(want[nth]) {
				t.Errorf("%s: shown again with %s=%q, sent %q", what, c.name, short(c.value), short(want[nth]))
			}
		}
	}
}
