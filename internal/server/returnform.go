package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tally-sv/tally/internal/evidence"
	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

// The return form is one form: quantities, narrative, answers, evidence
// and attestations. Uploading or removing a file saves what was typed
// first, so nothing typed is lost (with or without JavaScript).

const (
	// maxReturnPostBytes bounds a return form post. A file over the 10 MiB
	// limit is read past and refused, so the fields after it still arrive.
	maxReturnPostBytes = 4*evidence.MaxBytes + 1<<20
	maxReturnFieldByte = 64 << 10
)

// returnPost is a return form as posted: its fields, and the file chosen,
// if any (fileErr says why it cannot be used).
type returnPost struct {
	file    *postgres.EvidenceFile
	spooled *evidence.Spooled // file's content, until close
	fileErr string
	status  int // for fileErr: 413 or 422
}

// close removes the spooled file, if any.
func (rp returnPost) close() {
	if rp.spooled != nil {
		rp.spooled.Close()
	}
}

// readReturnPost reads a urlencoded or multipart return form into
// r.PostForm (so the form readers work) and the chosen file, spooled: the
// caller closes the returnPost.
func (s *Server) readReturnPost(w http.ResponseWriter, r *http.Request) (*form, returnPost, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		f, err := parseForm(w, r)
		return f, returnPost{}, err
	}
	var rp returnPost
	r.Body = http.MaxBytesReader(w, r.Body, maxReturnPostBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, rp, &httpError{http.StatusBadRequest, "The form could not be read", "Go back, check what you entered and try again."}
	}
	r.PostForm = url.Values{}
	fail := func(status int, msg string) {
		if rp.fileErr == "" {
			rp.fileErr, rp.status = msg, status
		}
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				fail(http.StatusRequestEntityTooLarge, "The file must be 10 MB or smaller")
			} else {
				fail(http.StatusBadRequest, "The upload could not be read: try again")
			}
			break // keep the fields read so far
		}
		name := part.FormName()
		if part.FileName() == "" && name != "file" {
			b, _ := io.ReadAll(io.LimitReader(part, maxReturnFieldByte))
			r.PostForm.Add(name, string(b))
			part.Close()
			continue
		}
		if name != "file" || part.FileName() == "" {
			io.Copy(io.Discard, part) // a file input left empty, or another name
			part.Close()
			continue
		}
		if rp.file != nil {
			io.Copy(io.Discard, part) // one file per post: a second is ignored
			part.Close()
			continue
		}
		f, spooled, uerr := s.spoolEvidence(r, part)
		if uerr != nil {
			fail(uerr.status, uerr.msg)
		} else {
			rp.file, rp.spooled = f, spooled
		}
		part.Close()
	}
	return &form{r: r, Errs: tally.FormErrors{}}, rp, nil
}

// handleSaveReturn saves the draft (or the answers to queries); then, as
// asked, attaches the chosen file, removes one, or goes on to check the
// answers before submitting.
func (s *Server) handleSaveReturn(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	f, post, err := s.readReturnPost(w, r)
	if err != nil {
		return err
	}
	defer post.close()
	view := returnView{form: true}
	if !returnFillable(a, rt) {
		view.errs = map[string]string{"return": "This return cannot be changed now: it is " + strings.ToLower(rt.Status.Label())}
		if roleOnReturn(a) == returnVerifier {
			view.errs["return"] = "Only the supplier can change a return once it has been submitted"
		}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt, view)))
	}
	action := f.raw("action")
	typed, in := readReturnFields(f, rt)
	view.typed = typed
	if post.fileErr != "" {
		f.Errs.Add("file", post.fileErr)
	}
	version := atoiOr(f.raw("version"), -1)
	if len(f.Errs) > 0 {
		// Nothing saved: the form still names the version it was drawn
		// from, so fixing the typing cannot pass over someone else's save.
		view.errs = f.Errs
		p := s.returnPage(r, a, rt, view)
		p.Version = version
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(p))
	}
	saved := false
	err = s.store.SaveReturn(r.Context(), a.Scope, rt.ID, version, in)
	if err == nil {
		saved, version = true, version+1
		err = s.returnFiles(w, r, a, rt, version, f, post, action)
	}
	if errors.Is(err, tally.ErrConflict) {
		return s.returnConflict(w, r, a, rt.ID, view, saved)
	}
	if f.Errs, err = formErrors(err, nil); err != nil {
		return err
	}
	if saved {
		if rt, err = s.store.Return(r.Context(), a.Scope, rt.ID); err != nil {
			return err
		}
	}
	if len(f.Errs) == 0 && action == "submit" {
		f.Errs = postgres.ReturnSubmitErrors(rt)
	}
	if len(f.Errs) > 0 {
		view.errs, view.saved = f.Errs, saved
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt, view)))
	}
	target := returnFormPath(a, rt.ID)
	switch {
	case action == "submit":
		target = route.Path("/o/{org}/returns/{return}/check", a.Org.Slug, rt.ID)
	case post.file != nil && beingChecked(rt, post.file.SHA256):
		s.flash(r, post.file.Name+" is attached, and your draft is saved. "+checkingNote)
	case post.file != nil:
		s.flash(r, post.file.Name+" is attached, and your draft is saved.")
	case f.raw("remove") != "":
		s.flash(r, "The file is removed, and your draft is saved.")
	default:
		s.flash(r, "Your draft return is saved. It is not submitted yet.")
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// readReturnFields reads the form's fields as typed, with a message for
// each that cannot be saved.
func readReturnFields(f *form, rt tally.Return) (map[string]string, postgres.ReturnInput) {
	typed := map[string]string{"narrative": f.text("narrative", "a description of what you delivered", 5000, false)}
	if f.checked("attest_contract") {
		typed["attest_contract"] = "yes"
	}
	if f.checked("attest_period") {
		typed["attest_period"] = "yes"
	}
	in := postgres.ReturnInput{Narrative: typed["narrative"], AttestContract: f.checked("attest_contract"), AttestPeriod: f.checked("attest_period"),
		Quantities: map[int64]tally.Quantity{}, Answers: map[int64]string{}}
	for _, l := range rt.Lines {
		id := strconv.FormatInt(l.KPI.ID, 10)
		q := f.text("quantity-"+id, "the quantity delivered for "+l.KPI.Code, 30, false)
		typed["quantity-"+id] = q
		typed["answer-"+id] = f.text("answer-"+id, "your answer about "+l.KPI.Code, 2000, false)
		in.Answers[l.KPI.ID] = typed["answer-"+id]
		if q == "" {
			continue
		}
		v, err := tally.ParseQuantity(q)
		if err != nil && f.Errs["quantity-"+id] == "" {
			f.Errs.Add("quantity-"+id, l.KPI.Code+": "+err.Error())
		}
		in.Quantities[l.KPI.ID] = v
	}
	return typed, in
}

// returnFiles removes the file asked for and attaches the file chosen,
// after the draft was saved at version.
func (s *Server) returnFiles(w http.ResponseWriter, r *http.Request, a tally.Access, rt tally.Return, version int, f *form, post returnPost, action string) error {
	if rm := f.raw("remove"); rm != "" {
		id, err := strconv.ParseInt(rm, 10, 64)
		if err != nil || !slices.ContainsFunc(rt.Evidence, func(e tally.Evidence) bool { return e.ID == id }) {
			return tally.FormErrors{"file": "That file is no longer attached to this return"}
		}
		if err := s.store.RemoveEvidence(r.Context(), a.Scope, rt.ID, version, id); err != nil {
			return err
		}
		version++
	}
	if post.file == nil {
		if action == "upload" {
			return tally.FormErrors{"file": "Choose a file to upload"}
		}
		return nil
	}
	var err error
	if post.file.ContentType, err = evidence.TypeOf(post.file.Content, post.file.Size); err != nil {
		return tally.FormErrors{"file": err.Error()}
	}
	post.file.Name = evidence.NameFor(post.file.Name, post.file.ContentType)
	allowScan(w)
	return s.store.AddEvidence(r.Context(), a.Scope, rt.ID, version, *post.file)
}

// handleReturnCheck is "Check your answers" before a return is submitted:
// everything that will be sent, with links to change it.
func (s *Server) handleReturnCheck(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	if !returnFillable(a, rt) {
		// Already submitted (or not this user's to submit): the return as it
		// is, rather than a dead end.
		return s.render(w, r, http.StatusOK, pages.Return(s.returnPage(r, a, rt, returnView{form: roleOnReturn(a) == returnSupplier})))
	}
	if errs := postgres.ReturnSubmitErrors(rt); len(errs) > 0 {
		return s.render(w, r, http.StatusOK, pages.Return(s.returnPage(r, a, rt, returnView{form: true, errs: errs})))
	}
	return s.render(w, r, http.StatusOK, pages.ReturnCheck(s.returnCheckPage(r, a, rt, nil)))
}

func (s *Server) returnCheckPage(r *http.Request, a tally.Access, rt tally.Return, errs map[string]string) pages.ReturnCheckPage {
	form := returnFormPath(a, rt.ID)
	change := func(hidden, anchor string) []components.SummaryAction {
		return []components.SummaryAction{{Text: "Change", Href: form + "#" + anchor, Hidden: hidden}}
	}
	p := pages.ReturnCheckPage{Page: s.page(r, components.ErrorTitle("Check your return before submitting it", errs)), Back: form,
		Action: route.Path("/o/{org}/returns/{return}/submit", a.Org.Slug, rt.ID), Version: rt.Version, Errors: errs,
		Caption: rt.Contract.Title + " (" + rt.Contract.Reference + "), quarter " + strconv.Itoa(rt.Period.Number)}
	if roleOnReturn(a) == returnVerifier {
		p.OnBehalf = rt.Contract.Supplier.Name
	}
	for _, l := range rt.Lines {
		id := strconv.FormatInt(l.KPI.ID, 10)
		editable := rt.Status == tally.ReturnDraft || l.Decision == tally.DecisionQueried
		row := components.SummaryRow{Key: l.KPI.Code + " " + l.KPI.Title, Value: format.Quantity(l.Quantity, l.KPI.Unit) + " delivered"}
		if editable {
			row.Actions = change("quantity delivered for "+l.KPI.Code, "quantity-"+id)
		} else {
			row.Value += " (" + strings.ToLower(decisionLabel(l.Decision)) + ")"
		}
		p.Lines = append(p.Lines, row)
		if l.Decision == tally.DecisionQueried {
			p.Lines = append(p.Lines, components.SummaryRow{Key: "Question about " + l.KPI.Code, Value: l.Note},
				components.SummaryRow{Key: "Your answer about " + l.KPI.Code, Value: l.Answer, Actions: change("your answer about "+l.KPI.Code, "answer-"+id)})
		}
	}
	narrative := rt.Narrative
	if narrative == "" {
		narrative = "None given"
	}
	p.Details = []components.SummaryRow{{Key: "What you delivered this period", Value: narrative, Actions: change("what you delivered this period", "narrative")}}
	files := "None"
	if len(rt.Evidence) > 0 {
		names := make([]string, len(rt.Evidence))
		for i, e := range rt.Evidence {
			names[i] = e.Name + " (" + byteSize(e.Size) + ")"
			if e.Checking {
				names[i] = e.Name + " (" + byteSize(e.Size) + ", being checked for viruses)"
			}
		}
		files = strings.Join(names, ", ")
	}
	p.Details = append(p.Details, components.SummaryRow{Key: "Evidence files", Value: files, Actions: change("evidence files", "file")},
		components.SummaryRow{Key: "The figures relate only to this contract", Value: yesNo(rt.AttestContract), Actions: change("the confirmation about this contract", "attest_contract")},
		components.SummaryRow{Key: "The figures relate only to this period", Value: yesNo(rt.AttestPeriod), Actions: change("the confirmation about this period", "attest_period")})
	p.Files = make([]string, len(rt.Evidence))
	for i, e := range rt.Evidence {
		p.Files[i] = e.Name
	}
	return p
}

func yesNo(v bool) string {
	if v {
		return "Yes"
	}
	return "No"
}

// handleSubmitReturn submits the return as checked: the version on the
// check page must still be the return's, so what was checked is what is
// sent.
func (s *Server) handleSubmitReturn(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if !returnFillable(a, rt) {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt,
			returnView{errs: map[string]string{"return": "This return cannot be submitted now: it is " + strings.ToLower(rt.Status.Label())}})))
	}
	_, err = s.store.SubmitReturn(r.Context(), a.Scope, rt.ID, atoiOr(f.raw("version"), -1))
	if errors.Is(err, tally.ErrConflict) {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.ReturnCheck(s.returnCheckPage(r, a, rt,
			map[string]string{"submit": "This return was changed in another window or tab since you checked it. Check it again, then submit it"})))
	}
	fe, err := formErrors(err, nil)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt, returnView{form: true, errs: fe})))
	}
	if roleOnReturn(a) == returnVerifier {
		s.flash(r, "The return is submitted for "+rt.Contract.Supplier.Name+". A contract manager can now check it.")
	} else {
		s.flash(r, "Your return is submitted. The council's contract manager will check it.")
	}
	http.Redirect(w, r, route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ID), http.StatusSeeOther)
	return nil
}

// returnFormPath is where the return's form is filled in: the supplier's
// own page, or the page a contract manager uses to report on its behalf.
func returnFormPath(a tally.Access, id int64) string {
	if roleOnReturn(a) == returnVerifier {
		return route.Path("/o/{org}/returns/{return}/on-behalf", a.Org.Slug, id)
	}
	return route.Path("/o/{org}/returns/{return}", a.Org.Slug, id)
}
