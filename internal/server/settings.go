package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// handleSettingsList lists the partners whose settings the admin manages;
// a partner's own admin goes straight to its form.
func (s *Server) handleSettingsList(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	if a.Org.Kind == tally.Partner {
		http.Redirect(w, r, route.Path("/o/{org}/settings/{partner}", a.Org.Slug, a.Org.Slug), http.StatusSeeOther)
		return nil
	}
	if a.Org.Kind != tally.SharedService {
		return errNotFound
	}
	p := pages.SettingsListPage{Page: s.page(r, "Partner settings"), SSOHref: route.Path(ssoSettingsPath, a.Org.Slug)}
	for _, partner := range a.Partners {
		p.Partners = append(p.Partners, pages.OrgLink{Label: partner.Name, Href: route.Path("/o/{org}/settings/{partner}", a.Org.Slug, partner.Slug)})
	}
	return s.render(w, r, http.StatusOK, pages.SettingsList(p))
}

func (s *Server) settingsPage(r *http.Request, a tally.Access, partner tally.Org, in pages.SettingsForm, errs map[string]string) pages.SettingsPage {
	title := "Settings: " + partner.Name
	if len(errs) > 0 {
		title = "Error: " + title
	}
	p := pages.SettingsPage{Page: s.page(r, title), Action: route.Path("/o/{org}/settings/{partner}", a.Org.Slug, partner.Slug),
		Partner: partner.Name, Form: in, Errors: errs}
	if a.Org.Kind == tally.SharedService {
		p.Back = route.Path("/o/{org}/settings", a.Org.Slug)
	} else if partner.ID == a.Org.ID {
		p.SSOHref = route.Path(ssoSettingsPath, a.Org.Slug)
	}
	return p
}

func (s *Server) handleSettingsForm(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	partner, ok := a.Partner(chi.URLParam(r, "partner"))
	if !ok {
		return errNotFound
	}
	ps, err := s.partnerSettings(r, a, partner.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.Settings(s.settingsPage(r, a, partner, settingsFormOf(ps), nil)))
}

// settingsFormOf is a partner's settings as their form shows them.
func settingsFormOf(ps tally.PartnerSettings) pages.SettingsForm {
	return pages.SettingsForm{
		Threshold: ps.Threshold.Pounds(), DefaultWeighting: ps.DefaultWeighting.String(), LocalArea: ps.LocalArea.String(),
		MaxMeasures: strconv.Itoa(ps.MaxMeasures), Good: strconv.Itoa(ps.Bands.Good),
		Approaching: strconv.Itoa(ps.Bands.Approaching), RequiresImprovement: strconv.Itoa(ps.Bands.RequiresImprovement),
		Version: ps.Version,
	}
}

// handleSaveSettings validates and saves a partner's settings.
func (s *Server) handleSaveSettings(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	partner, ok := a.Partner(chi.URLParam(r, "partner"))
	if !ok {
		return errNotFound
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	in := pages.SettingsForm{
		Threshold:           f.text("threshold", "a threshold", 20, true),
		DefaultWeighting:    f.text("default_weighting", "a default weighting", 10, true),
		LocalArea:           f.text("local_area", "a local area", 2000, true),
		MaxMeasures:         f.text("max_measures", "the most measures a tender may ask for", 4, true),
		Good:                f.text("band_good", "the Good band", 4, true),
		Approaching:         f.text("band_approaching", "the Approaching target band", 4, true),
		RequiresImprovement: f.text("band_requires_improvement", "the Requires improvement band", 4, true),
		Version:             atoiOr(f.raw("version"), -1),
	}
	ps := tally.PartnerSettings{PartnerID: partner.ID, Version: in.Version}
	parse := func(field, value string, fn func(string) error) {
		if f.Errs[field] == "" {
			if err := fn(value); err != nil {
				f.Errs.Add(field, err.Error())
			}
		}
	}
	parse("threshold", in.Threshold, func(v string) (err error) {
		ps.Threshold, err = tally.ParsePounds(v)
		if err == nil && ps.Threshold <= 0 {
			err = errors.New("Enter a threshold of more than £0")
		}
		return err
	})
	parse("default_weighting", in.DefaultWeighting, func(v string) (err error) {
		ps.DefaultWeighting, err = tally.ParseWeighting(v)
		return err
	})
	parse("local_area", in.LocalArea, func(v string) (err error) {
		ps.LocalArea, err = tally.ParseLocalArea(v)
		if err == nil && ps.LocalArea.IsZero() {
			// Only separators, like ",": as empty as no answer at all.
			err = errors.New("Enter a local area: postcode areas like M or districts like WA3, separated by commas")
		}
		return err
	})
	whole := func(field, value string, min, max int, dst *int) {
		parse(field, value, func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < min || n > max {
				return errors.New("Enter a whole number from " + strconv.Itoa(min) + " to " + strconv.Itoa(max))
			}
			*dst = n
			return nil
		})
	}
	whole("max_measures", in.MaxMeasures, 1, 50, &ps.MaxMeasures)
	whole("band_good", in.Good, 1, 100, &ps.Bands.Good)
	whole("band_approaching", in.Approaching, 1, 100, &ps.Bands.Approaching)
	whole("band_requires_improvement", in.RequiresImprovement, 1, 100, &ps.Bands.RequiresImprovement)
	if len(f.Errs) == 0 {
		if err := ps.Bands.Validate(); err != nil {
			f.Errs.Add("band_good", err.Error())
		}
	}
	if len(f.Errs) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Settings(s.settingsPage(r, a, partner, in, f.Errs)))
	}
	if f.raw("action") == "change" {
		// Back from the check, to change what was typed.
		return s.render(w, r, http.StatusOK, pages.Settings(s.settingsPage(r, a, partner, in, nil)))
	}
	if f.raw("confirmed") != "yes" {
		// A change that would strand work says what it affects first.
		impacts, err := s.settingsImpacts(r, a, partner, ps)
		if err != nil {
			return err
		}
		if len(impacts) > 0 {
			return s.render(w, r, http.StatusOK, pages.SettingsConfirm(pages.SettingsConfirmPage{
				Page: s.page(r, "Check this change: "+partner.Name), Action: route.Path("/o/{org}/settings/{partner}", a.Org.Slug, partner.Slug),
				Partner: partner.Name, Form: in, Impacts: impacts}))
		}
	}
	err = s.store.SavePartnerSettings(r.Context(), a.Scope, ps)
	if errors.Is(err, tally.ErrConflict) {
		return s.settingsConflict(w, r, a, partner, ps, in)
	}
	if err != nil {
		return err
	}
	s.flash(r, "Settings for "+partner.Name+" have been saved.")
	http.Redirect(w, r, route.Path("/o/{org}/settings/{partner}", a.Org.Slug, partner.Slug), http.StatusSeeOther)
	return nil
}

// settingsConflict answers settings saved from a version someone else has
// replaced: 409, the form as typed carrying the current version, and how
// the saved settings now differ from it.
func (s *Server) settingsConflict(w http.ResponseWriter, r *http.Request, a tally.Access, partner tally.Org, typed tally.PartnerSettings, in pages.SettingsForm) error {
	cur, err := s.partnerSettings(r, a, partner.ID)
	if err != nil {
		return err
	}
	in.Version = cur.Version
	c := &components.Conflict{Thing: "these settings"}
	c.Compare("Threshold", format.Money(cur.Threshold), format.Money(typed.Threshold))
	c.Compare("Default social value weighting", cur.DefaultWeighting.String()+"%", typed.DefaultWeighting.String()+"%")
	c.Compare("Local area", cur.LocalArea.String(), typed.LocalArea.String())
	c.Compare("Most measures a tender may ask for", strconv.Itoa(cur.MaxMeasures), strconv.Itoa(typed.MaxMeasures))
	c.Compare("Good at or above", strconv.Itoa(cur.Bands.Good)+"%", strconv.Itoa(typed.Bands.Good)+"%")
	c.Compare("Approaching target at or above", strconv.Itoa(cur.Bands.Approaching)+"%", strconv.Itoa(typed.Bands.Approaching)+"%")
	c.Compare("Requires improvement at or above", strconv.Itoa(cur.Bands.RequiresImprovement)+"%", strconv.Itoa(typed.Bands.RequiresImprovement)+"%")
	p := s.settingsPage(r, a, partner, in, map[string]string{components.ConflictID: c.Message()})
	p.Conflict = c
	return s.render(w, r, http.StatusConflict, pages.Settings(p))
}

// partnerSettings are a partner's settings, or the defaults its settings
// page offers when its administrator has saved none. The caller has
// checked the partner is in reach.
func (s *Server) partnerSettings(r *http.Request, a tally.Access, partnerID int64) (tally.PartnerSettings, error) {
	ps, err := s.store.PartnerSettings(r.Context(), a.Scope, partnerID)
	if errors.Is(err, tally.ErrNotFound) {
		ps, err = tally.DefaultPartnerSettings(), nil
		ps.PartnerID = partnerID
	}
	return ps, err
}

// settingsImpacts says what a change of a partner's settings would do to
// work in progress: drafts a raised threshold or a lower measure limit
// would refuse at their next save, and suppliers whose local status a new
// local area changes, with the tenders open now. Nothing when it strands
// nothing.
func (s *Server) settingsImpacts(r *http.Request, a tally.Access, partner tally.Org, next tally.PartnerSettings) ([]pages.SettingsImpact, error) {
	cur, err := s.partnerSettings(r, a, partner.ID)
	if err != nil {
		return nil, err
	}
	reach, err := s.store.PartnerSettingsReach(r.Context(), a.Scope, partner.ID)
	if err != nil {
		return nil, err
	}
	var out []pages.SettingsImpact
	tender := func(d postgres.DraftTender) pages.ToDoItem {
		return pages.ToDoItem{Text: d.Reference + ": " + d.Title, Href: route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, d.ID)}
	}
	if next.Threshold > cur.Threshold {
		im := pages.SettingsImpact{}
		for _, d := range reach.Drafts {
			if d.EstimatedValue < next.Threshold {
				it := tender(d)
				it.Hint = "Estimated value " + format.Money(d.EstimatedValue) + "."
				im.Items = append(im.Items, it)
			}
		}
		if len(im.Items) > 0 {
			im.Heading = "Raising the threshold to " + format.Money(next.Threshold)
			im.Text = format.Count(len(im.Items), "draft tender is", "draft tenders are") +
				" below it. A buyer cannot save or publish them until their estimated value is raised."
			out = append(out, im)
		}
	}
	if next.MaxMeasures < cur.MaxMeasures {
		im := pages.SettingsImpact{}
		for _, d := range reach.Drafts {
			if d.Measures > next.MaxMeasures {
				it := tender(d)
				it.Hint = "Asks for " + format.Count(d.Measures, "measure", "measures") + "."
				im.Items = append(im.Items, it)
			}
		}
		if len(im.Items) > 0 {
			im.Heading = "Allowing at most " + format.Count(next.MaxMeasures, "measure", "measures") + " a tender"
			im.Text = format.Count(len(im.Items), "draft tender asks", "draft tenders ask") +
				" for more. A buyer must remove measures before saving or publishing them."
			out = append(out, im)
		}
	}
	if next.LocalArea.String() != cur.LocalArea.String() {
		change, err := s.store.LocalAreaImpact(r.Context(), a.Scope, partner.ID, next.LocalArea)
		if err != nil {
			return nil, err
		}
		var gain, lose []string
		for _, d := range change.Gain {
			gain = append(gain, d.Name+" ("+d.Postcode.String()+")")
		}
		for _, d := range change.Lose {
			lose = append(lose, d.Name+" ("+d.Postcode.String()+")")
		}
		if len(gain)+len(lose) > 0 {
			im := pages.SettingsImpact{Heading: "Changing the local area to " + next.LocalArea.String()}
			im.Text = format.Count(len(gain), "supplier starts", "suppliers start") + " to count as local to " + partner.Name +
				" and " + format.Count(len(lose), "supplier stops", "suppliers stop") + "."
			if reach.Open > 0 {
				im.Text += " " + format.Count(reach.Open, "tender is", "tenders are") + " open for offers now."
			}
			for _, g := range gain {
				im.Items = append(im.Items, pages.ToDoItem{Text: g, Hint: "Becomes local."})
			}
			for _, l := range lose {
				im.Items = append(im.Items, pages.ToDoItem{Text: l, Hint: "Stops being local."})
			}
			out = append(out, im)
		}
	}
	return out, nil
}

// checkEditionChoice shows what switching an edition (or some of its
// plug-ins) off for buyers would strand, before it is done: the draft
// tenders that ask for its measures. It reports whether it answered the
// request (with the check page); when nothing is stranded it does not,
// and the caller makes the change.
func (s *Server) checkEditionChoice(w http.ResponseWriter, r *http.Request, a tally.Access, e tally.Edition, chosen bool, plugins []string) (bool, error) {
	var removed []string
	for _, p := range e.ChosenPlugins {
		if !slices.Contains(plugins, p) {
			removed = append(removed, p)
		}
	}
	off := e.ChosenHere && !chosen
	if !off && len(removed) == 0 {
		return false, nil
	}
	drafts, err := s.store.DraftsUsingEdition(r.Context(), a.Scope, a.Org.ID, e.ID, off, removed)
	if err != nil || len(drafts) == 0 {
		return false, err
	}
	im := pages.SettingsImpact{Heading: "Stopping buyers using " + e.Name}
	if !off {
		im.Heading = "Stopping buyers using the " + strings.Join(removed, " and ") + " plug-in measures of " + e.Name
	}
	im.Text = format.Count(len(drafts), "draft tender asks", "draft tenders ask") +
		" for these measures. A buyer must replace them before saving or publishing it."
	if len(drafts) > 1 {
		im.Text = format.Count(len(drafts), "draft tender asks", "draft tenders ask") +
			" for these measures. Buyers must replace them before saving or publishing these tenders."
	}
	for _, d := range drafts {
		im.Items = append(im.Items, pages.ToDoItem{Text: d.Reference + ": " + d.Title,
			Href: route.Path("/o/{org}/tenders/{tender}", a.Org.Slug, d.ID), Hint: "Uses " + format.Count(d.Measures, "measure", "measures") + " from it."})
	}
	p := pages.EditionConfirmPage{Page: s.page(r, "Check this change: "+e.Name), Action: r.URL.Path, Edition: e.Name,
		Chosen: chosen, Plugins: plugins, Impacts: []pages.SettingsImpact{im}, Back: route.Path("/o/{org}/measures", a.Org.Slug)}
	return true, s.render(w, r, http.StatusOK, pages.EditionConfirm(p))
}
