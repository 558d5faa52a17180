package server

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/offerfile"
	"github.com/tally-sv/tally/internal/sheet"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// templateMeasures are a tender's measures as the offline files show them.
func templateMeasures(t tally.Tender) []offerfile.Measure {
	ms := make([]offerfile.Measure, len(t.Measures))
	for i, m := range t.Measures {
		ms[i] = offerfile.Measure{ID: m.ID, Code: m.Code, Edition: m.Edition, Title: m.Title, Unit: m.Unit, Proxy: m.Proxy, HasProxy: m.HasProxy}
		if m.HasTarget {
			ms[i].Target = m.Target.String()
		}
	}
	return ms
}

// handleOfferTemplate downloads the offer as a CSV or Excel template,
// prefilled with the draft.
func (s *Server) handleOfferTemplate(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	in := formFromOffer(f)
	// The template names its tender, so that it cannot be uploaded to
	// another tender's offer by mistake.
	tpl := offerfile.Template{TenderRef: t.Reference, TenderTitle: t.Title, SupplierName: f.Supplier.Name,
		Measures: templateMeasures(t), BidPrice: in.BidPrice, Lines: map[int64]offerfile.Line{}}
	for id, q := range in.Quantities {
		tpl.Lines[id] = offerfile.Line{Quantity: q, Statement: in.Statements[id]}
	}
	var buf bytes.Buffer
	name := "offer-" + t.Reference
	switch chi.URLParam(r, "format") {
	case "csv":
		err = offerfile.WriteCSV(&buf, tpl)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	case "xlsx":
		err = offerfile.WriteXLSX(&buf, tpl)
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		name += ".xlsx"
	default:
		return errNotFound
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", attachment(name))
	_, err = buf.WriteTo(w)
	return err
}

// handleOfferUpload reads a filled-in template and saves it as the draft,
// through the same checks as the form. Errors name the row and column.
func (s *Server) handleOfferUpload(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	f, t, err := s.offerInScope(r, a)
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Offer(s.offerPage(r, a, f, t, formFromOffer(f), map[string]string{"file": msg})))
	}
	r.Body = http.MaxBytesReader(w, r.Body, offerfile.MaxFileSize+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil { // #nosec G120 -- the body is bounded by MaxBytesReader above
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail("The file must be smaller than 2 MB")
		}
		return fail("Select a filled-in template to upload")
	}
	defer r.MultipartForm.RemoveAll()
	file, header, err := r.FormFile("file")
	if err != nil {
		return fail("Select a filled-in template to upload")
	}
	defer file.Close()
	offer, err := offerfile.ParseFor(file, header.Filename, t.Reference, templateMeasures(t))
	var rowErrs sheet.Errors
	if errors.As(err, &rowErrs) {
		msgs := make([]string, 0, len(rowErrs))
		for _, e := range rowErrs {
			msgs = append(msgs, e.Error())
		}
		return fail("The file has problems, so nothing was saved: " + strings.Join(msgs, "; "))
	}
	if err != nil {
		return fail("The file could not be read: select it again")
	}
	// The same path as the form: the parsed text goes through the form's
	// readers and the store's checks.
	values := map[string][]string{"bid_price": {offer.BidPrice}}
	for id, l := range offer.Lines {
		key := strconv.FormatInt(id, 10)
		values["quantity-"+key] = []string{l.Quantity}
		values["statement-"+key] = []string{l.Statement}
	}
	version := -1
	if v := r.MultipartForm.Value["version"]; len(v) > 0 {
		version = atoiOr(v[0], -1)
	}
	r.PostForm = values
	fm := &form{r: r, Errs: tally.FormErrors{}}
	in, input := readOffer(fm, t, f)
	saved := "Your draft is saved from the file. It is not submitted yet."
	if offer.TenderRef == "" {
		// An older template, from before files named their tender: its
		// measures match this tender's, but it may be another tender's.
		saved = "Your draft is saved from the file, which does not say which tender it is for (it is an older template): check that the figures below are the ones you meant for " +
			t.Reference + ". It is not submitted yet."
	}
	return s.saveOffer(w, r, a, f, t, version, in, input, fm.Errs, false, saved)
}
