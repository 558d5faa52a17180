package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/tally-sv/tally/internal/evidence"
	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/components"
	"github.com/tally-sv/tally/web/pages"
)

const returnsPageSize = 50

// returnSortColumns are the list's sortable columns, in order, by the
// sort key the store knows.
var returnSortColumns = []string{"contract", "party", "", "due", "status", ""}

// handleReturns lists reporting periods that have ended and their returns,
// filtered by status, overdue and text, sorted by any column, a page at a
// time; for staff, the contracts behind target follow.
func (s *Server) handleReturns(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	supplier := a.Org.Kind == tally.Supplier
	q := r.URL.Query()
	page := max(1, atoiOr(q.Get("page"), 1))
	f := postgres.ReturnFilter{Query: clip(q.Get("q"), 200), Status: tally.ReturnStatus(clip(q.Get("status"), 20)), Overdue: q.Get("overdue") == "yes",
		AsOf: time.Now(), Sort: clip(q.Get("sort"), 20), Desc: q.Get("order") != "ascending", Limit: returnsPageSize, Offset: (page - 1) * returnsPageSize}
	if !slices.Contains(returnSortColumns, f.Sort) || f.Sort == "" {
		f.Sort = "due"
	}
	statuses := []tally.ReturnStatus{postgres.ReturnNotStarted, tally.ReturnDraft, tally.ReturnSubmitted, tally.ReturnQueried, tally.ReturnComplete}
	if f.Status != "" && !slices.Contains(statuses, f.Status) {
		f.Status = ""
	}
	list, total, err := s.store.ReturnList(r.Context(), a.Scope, f)
	if err != nil {
		return err
	}
	p := pages.ReturnsPage{Page: s.page(r, "Delivery returns"), Supplier: supplier, Base: route.Path("/o/{org}/returns", a.Org.Slug), Query: f.Query, Status: string(f.Status),
		Overdue: f.Overdue, Sort: f.Sort, Desc: f.Desc, Caption: total.Text("reporting period", "reporting periods"), PageNum: page,
		Pages: total.Pages(returnsPageSize), PageLinks: components.PageLinks(r.URL.Path, q, "page")}
	p.Statuses = []components.Option{{Value: "", Text: "Any status"}}
	for _, st := range statuses {
		p.Statuses = append(p.Statuses, components.Option{Value: string(st), Text: returnStatusLabel(st)})
	}
	party := "Supplier"
	if supplier {
		party = "Council"
	}
	for i, h := range []string{"Contract", party, "Period", "Due", "Status", "Next step"} {
		col := pages.SortColumn{Text: h, Key: returnSortColumns[i]}
		if col.Key != "" {
			v := url.Values{}
			for k, vs := range q {
				v[k] = vs
			}
			v.Del("page")
			v.Set("sort", col.Key)
			v.Set("order", "descending")
			if col.Key == f.Sort {
				col.Sorted = "descending"
				if !f.Desc {
					col.Sorted = "ascending"
				} else {
					v.Set("order", "ascending")
				}
			}
			col.Href = r.URL.Path + "?" + v.Encode()
		}
		p.Head = append(p.Head, col)
	}
	for _, rt := range list {
		p.Rows = append(p.Rows, returnRow(a, rt, supplier))
	}
	if !supplier {
		if p.AtRisk, err = s.returnsAtRisk(r, a); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, pages.Returns(p))
}

// returnStatusLabel is a status as the list says it.
func returnStatusLabel(st tally.ReturnStatus) string {
	if st == postgres.ReturnNotStarted || st == "" {
		return "Not started"
	}
	return st.Label()
}

func returnRow(a tally.Access, rt postgres.ReturnRow, supplier bool) []components.Cell {
	who := rt.Supplier
	if supplier {
		who = rt.Partner
	}
	tags := components.TagHTML(returnStatusLabel(rt.Status), returnColour(rt.Status))
	if rt.Overdue {
		tags += " " + components.TagHTML("Overdue", "red")
	}
	status := templ.Raw(tags) // both escaped by TagHTML
	// The first cell opens the return, or the contract until one is
	// started; the last says what this user can do next.
	contract := components.Cell{Text: rt.Contract + " (" + rt.Reference + ")", Href: route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, rt.ContractID)}
	action := components.Cell{Content: pages.StartReturnButton(route.Path("/o/{org}/contracts/{contract}/returns", a.Org.Slug, rt.ContractID), rt.Period)}
	switch {
	case rt.ReturnID != 0:
		contract.Href = route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ReturnID)
		action = components.Cell{Text: returnNextStep(roleOnReturn(a), rt.Status)}
	case !returnEditorRole(a):
		action = components.Cell{Text: "None"}
	}
	period := "Quarter " + strconv.Itoa(rt.Period) + ", to " + format.ShortDate(rt.End.AddDate(0, 0, -1))
	return []components.Cell{contract, {Text: who}, {Text: period}, {Text: format.ShortDate(rt.Due)}, {Content: status}, action}
}

// returnNextStep says who acts next on a return, for this role.
func returnNextStep(role returnRole, st tally.ReturnStatus) string {
	switch {
	case st == tally.ReturnDraft && role == returnSupplier:
		return "Finish and submit it"
	case st == tally.ReturnDraft:
		return "The supplier to submit it"
	case st == tally.ReturnSubmitted && role == returnVerifier:
		return "Check it"
	case st == tally.ReturnSubmitted:
		return "The council to check it"
	case st == tally.ReturnQueried && role == returnSupplier:
		return "Answer the questions"
	case st == tally.ReturnQueried:
		return "The supplier to answer"
	}
	return "None"
}

// returnEditorRole reports whether the user may start a return: the
// supplier, or a contract manager for it.
func returnEditorRole(a tally.Access) bool { return roleOnReturn(a) != returnReader }

// returnsAtRisk is the contracts behind target, by value at risk.
func (s *Server) returnsAtRisk(r *http.Request, a tally.Access) ([][]components.Cell, error) {
	statuses, err := s.store.ContractRatings(r.Context(), a.Scope, 0, time.Now())
	if err != nil {
		return nil, err
	}
	sort.SliceStable(statuses, func(i, j int) bool { return statuses[i].AtRisk() > statuses[j].AtRisk() })
	var rows [][]components.Cell
	for _, cs := range statuses {
		if cs.Rating != tally.RatingRequiresImprovement && cs.Rating != tally.RatingInadequate {
			continue
		}
		rows = append(rows, []components.Cell{
			{Text: cs.Contract.Title, Href: route.Path("/o/{org}/contracts/{contract}", a.Org.Slug, cs.Contract.ID)}, {Text: cs.Contract.Supplier.Name},
			{Content: components.Tag(cs.Rating.Label(), ragColour(cs.Rating))}, {Text: format.Money(cs.Delivered)}, {Text: format.Money(cs.Expected)},
			{Text: format.Money(cs.AtRisk())}, {Text: strconv.Itoa(cs.Overdue)}})
	}
	return rows, nil
}

// ragColour maps a rating to its tag colour: Good green, the next two
// amber, Inadequate red. The tag always carries the words too.
func ragColour(r tally.Rating) string {
	switch r.RAG() {
	case "green":
		return "green"
	case "amber":
		return "yellow"
	case "red":
		return "red"
	}
	return "grey"
}

// handleStartReturn opens the return for a period of a contract.
func (s *Server) handleStartReturn(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	c, err := s.contractInScope(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	id, err := s.store.StartReturn(r.Context(), a.Scope, c.ID, atoiOr(f.raw("period"), -1))
	fe, err := formErrors(err, nil)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return &httpError{http.StatusUnprocessableEntity, "This return cannot be started yet", fe["period"]}
	}
	// A contract manager starting it is reporting for the supplier.
	http.Redirect(w, r, returnFormPath(a, id), http.StatusSeeOther)
	return nil
}

func (s *Server) returnInScope(r *http.Request, a tally.Access) (tally.Return, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "return"), 10, 64)
	if err != nil {
		return tally.Return{}, errNotFound
	}
	rt, err := s.store.Return(r.Context(), a.Scope, id)
	if err == nil && a.Org.Kind == tally.Supplier && rt.Contract.Supplier.ID != a.Org.ID {
		err = errNotFound
	}
	return rt, err
}

// returnRole is what this user may do on a return: fill it in as its
// supplier, check it as one of the council's contract managers, or read it.
type returnRole int

const (
	returnReader returnRole = iota
	returnSupplier
	returnVerifier
)

func roleOnReturn(a tally.Access) returnRole {
	switch {
	case a.Org.Kind == tally.Supplier && a.Can(tally.RoleSupplier):
		return returnSupplier
	case a.Org.Kind != tally.Supplier && a.Can(tally.RoleContractManager):
		return returnVerifier
	}
	return returnReader
}

// returnFillable reports whether this user may fill in the return now: its
// supplier while it is a draft or queried, or a contract manager on the
// supplier's behalf while it is a draft (a separate, explicit action: the
// contract manager's own page shows the return and its checks, never the
// supplier's form).
func returnFillable(a tally.Access, rt tally.Return) bool {
	switch roleOnReturn(a) {
	case returnSupplier:
		return rt.Status == tally.ReturnDraft || rt.Status == tally.ReturnQueried
	case returnVerifier:
		return rt.Status == tally.ReturnDraft
	}
	return false
}

// returnVerifiable reports whether this user may decide lines now: a
// contract manager, on a submitted or queried return with lines not yet
// checked (a query on one line leaves the others open).
func returnVerifiable(a tally.Access, rt tally.Return) bool {
	if roleOnReturn(a) != returnVerifier || (rt.Status != tally.ReturnSubmitted && rt.Status != tally.ReturnQueried) {
		return false
	}
	return slices.ContainsFunc(rt.Lines, func(l tally.ReturnLine) bool { return l.Decision == tally.DecisionPending })
}

// returnView is how a return page is drawn: the supplier's form (or a
// contract manager's on its behalf), and what was typed when it failed.
type returnView struct {
	form  bool              // show the form to fill in
	typed map[string]string // as posted, when re-rendering
	errs  map[string]string
	saved bool // the draft was saved before the error
}

func (s *Server) returnPage(r *http.Request, a tally.Access, rt tally.Return, v returnView) pages.ReturnPage {
	base := route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ID)
	role := roleOnReturn(a)
	editable := v.form && returnFillable(a, rt)
	p := pages.ReturnPage{Page: s.page(r, "Delivery return"), Back: route.Path("/o/{org}/returns", a.Org.Slug), Action: base,
		Verify: route.Path("/o/{org}/returns/{return}/verify", a.Org.Slug, rt.ID), Contract: rt.Contract.Title + " (" + rt.Contract.Reference + ")",
		Period: "quarter " + strconv.Itoa(rt.Period.Number) + ", " + format.Date(rt.Period.Start) + " to " + format.Date(rt.Period.LastDay()),
		Due:    format.Date(rt.Period.Due), Status: rt.Status.Label(), StatusColour: returnColour(rt.Status), Version: rt.Version, DecisionsVersion: rt.DecisionsVersion,
		Editable: editable, Verifiable: returnVerifiable(a, rt),
		Narrative: rt.Narrative, AttestContract: rt.AttestContract, AttestPeriod: rt.AttestPeriod, Errors: v.errs, Saved: v.saved}
	if role == returnSupplier {
		p.Counterparty = "Council: " + rt.Contract.Partner.Name
	} else {
		p.Counterparty = "Supplier: " + rt.Contract.Supplier.Name
	}
	if role == returnVerifier && editable {
		p.OnBehalf = rt.Contract.Supplier.Name
	}
	p.Notice = returnNotice(role, rt, editable, p.Verifiable)
	if role == returnVerifier && rt.Status == tally.ReturnDraft && !editable {
		p.BehalfLink = route.Path("/o/{org}/returns/{return}/on-behalf", a.Org.Slug, rt.ID)
	}
	if len(v.errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	for _, l := range rt.Lines {
		id := strconv.FormatInt(l.KPI.ID, 10)
		lv := pages.ReturnLineView{KPIID: l.KPI.ID, Code: l.KPI.Code, Title: l.KPI.Title, Unit: l.KPI.Unit,
			Target: format.Quantity(l.Target, l.KPI.Unit), Delivered: format.Quantity(l.Quantity, l.KPI.Unit),
			Quantity: l.Quantity.String(), Decision: decisionLabel(l.Decision), Colour: decisionColour(l.Decision), Note: l.Note, Answer: l.Answer,
			Queried:   l.Decision == tally.DecisionQueried,
			Editable:  editable && (rt.Status == tally.ReturnDraft || l.Decision == tally.DecisionQueried),
			Decidable: p.Verifiable && l.Decision == tally.DecisionPending}
		if q, ok := v.typed["quantity-"+id]; ok {
			lv.Quantity, lv.Answer = q, v.typed["answer-"+id]
		}
		lv.Verdict, lv.VerdictNote = v.typed["decision-"+id], v.typed["note-"+id]
		p.Lines = append(p.Lines, lv)
	}
	if _, ok := v.typed["narrative"]; ok {
		p.Narrative, p.AttestContract, p.AttestPeriod = v.typed["narrative"], v.typed["attest_contract"] != "", v.typed["attest_period"] != ""
	}
	for _, e := range rt.Evidence {
		ev := pages.EvidenceView{ID: e.ID, Name: e.Name, Href: route.Path("/o/{org}/returns/{return}/evidence/{file}", a.Org.Slug, rt.ID, e.ID), Size: byteSize(e.Size), SHA256: e.SHA256,
			Checking: e.Checking}
		if e.Checking {
			p.Checking++
		}
		ev.Removable = editable
		if a.Org.Kind != tally.Supplier {
			for _, x := range e.Elsewhere {
				copyOf := pages.EvidenceElsewhere{Text: fmt.Sprintf("return %d of contract %d", x.ReturnID, x.ContractID)}
				if x.Visible {
					copyOf.Href = route.Path("/o/{org}/returns/{return}", a.Org.Slug, x.ReturnID)
				} else {
					copyOf.Text = "a return you cannot see (another council or contract)"
				}
				ev.Elsewhere = append(ev.Elsewhere, copyOf)
			}
		}
		p.Evidence = append(p.Evidence, ev)
	}
	return p
}

// returnNotice says, for this viewer, where the return is and who acts
// next.
func returnNotice(role returnRole, rt tally.Return, editable, verifiable bool) string {
	switch {
	case editable && role == returnVerifier:
		return "You are filling in this return for " + rt.Contract.Supplier.Name + ". They will see it as theirs."
	case editable && rt.Status == tally.ReturnQueried:
		return "The council has a question about some lines. Answer each question, then check and resubmit the return."
	case editable:
		return "Fill in what you delivered this period and attach your evidence. Save the draft at any time; nothing is sent until you submit."
	case verifiable && rt.Status == tally.ReturnQueried:
		return "Some lines are queried and wait for the supplier's answer. You can still check the other lines."
	case verifiable:
		return "Check each line against the evidence: verify it, query it or reject it."
	case rt.Status == tally.ReturnDraft && role == returnVerifier:
		return rt.Contract.Supplier.Name + " has not submitted this return yet. If they cannot, you can fill it in for them."
	case rt.Status == tally.ReturnDraft:
		return "This return has not been submitted yet."
	case rt.Status == tally.ReturnSubmitted && role == returnSupplier:
		return "Your return is submitted. The council's contract manager will check it."
	case rt.Status == tally.ReturnSubmitted:
		return "This return is waiting for a contract manager to check it."
	case rt.Status == tally.ReturnQueried && role == returnSupplier:
		return "The council has a question about this return."
	case rt.Status == tally.ReturnQueried:
		return "This return waits for the supplier to answer the questions on it."
	}
	return "Every line of this return has been checked."
}

// returnColour is the tag colour of a return status.
func returnColour(st tally.ReturnStatus) string {
	switch st {
	case tally.ReturnSubmitted:
		return "blue"
	case tally.ReturnQueried:
		return "yellow"
	case tally.ReturnComplete:
		return "green"
	}
	return "grey"
}

func decisionLabel(d tally.Decision) string {
	switch d {
	case tally.DecisionVerified:
		return "Verified"
	case tally.DecisionQueried:
		return "Queried"
	case tally.DecisionRejected:
		return "Rejected"
	}
	return "Not yet checked"
}

func decisionColour(d tally.Decision) string {
	switch d {
	case tally.DecisionVerified:
		return "green"
	case tally.DecisionQueried:
		return "yellow"
	case tally.DecisionRejected:
		return "red"
	}
	return "grey"
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func (s *Server) handleReturn(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	// The supplier sees its form; a contract manager sees the return and
	// its checks, and fills it in only from the on-behalf page.
	return s.render(w, r, http.StatusOK, pages.Return(s.returnPage(r, a, rt, returnView{form: roleOnReturn(a) == returnSupplier})))
}

// handleReturnOnBehalf is the supplier's form for a contract manager
// filling in a draft return on the supplier's behalf.
func (s *Server) handleReturnOnBehalf(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	// Once submitted it is the return's own page, with its checks: an old
	// link is not a dead end.
	return s.render(w, r, http.StatusOK, pages.Return(s.returnPage(r, a, rt, returnView{form: true})))
}

// handleUploadEvidence attaches one file: at most 10 MiB (larger gets 413
// and stores nothing), typed by its content.
func (s *Server) handleUploadEvidence(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	if !returnFillable(a, rt) {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt,
			returnView{errs: map[string]string{"file": "Files can only be added to a return while its supplier is filling it in"}})))
	}
	view := returnView{form: true}
	fail := func(status int, msg string) error {
		view.errs = map[string]string{"file": msg}
		return s.render(w, r, status, pages.Return(s.returnPage(r, a, rt, view)))
	}
	r.Body = http.MaxBytesReader(w, r.Body, evidence.MaxBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(http.StatusBadRequest, "Choose a file to upload")
	}
	version := -1
	var file *postgres.EvidenceFile
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(http.StatusRequestEntityTooLarge, "The file must be 10 MB or smaller")
		}
		if err != nil {
			return fail(http.StatusBadRequest, "The upload could not be read: try again")
		}
		switch part.FormName() {
		case "version":
			b, _ := io.ReadAll(io.LimitReader(part, 20))
			version = atoiOr(strings.TrimSpace(string(b)), -1)
		case "file":
			if file != nil {
				break // one file per upload: a second is ignored
			}
			f, spooled, uerr := s.spoolEvidence(r, part)
			if uerr != nil {
				return fail(uerr.status, uerr.msg)
			}
			defer spooled.Close()
			file = f
		}
		part.Close()
	}
	if file == nil {
		return fail(http.StatusUnprocessableEntity, "Choose a file to upload")
	}
	if file.ContentType, err = evidence.TypeOf(file.Content, file.Size); err != nil {
		return fail(http.StatusUnprocessableEntity, err.Error())
	}
	file.Name = evidence.NameFor(file.Name, file.ContentType)
	allowScan(w)
	err = s.store.AddEvidence(r.Context(), a.Scope, rt.ID, version, *file)
	if errors.Is(err, tally.ErrConflict) {
		rt, _ = s.store.Return(r.Context(), a.Scope, rt.ID)
		return fail(http.StatusUnprocessableEntity, "This return was changed in another window or tab. Choose the file again")
	}
	fe, err := formErrors(err, nil)
	if err != nil {
		return err
	}
	for _, msg := range fe {
		return fail(http.StatusUnprocessableEntity, msg)
	}
	msg := file.Name + " is attached."
	if rt, err = s.store.Return(r.Context(), a.Scope, rt.ID); err != nil {
		return err
	}
	if beingChecked(rt, file.SHA256) {
		msg = file.Name + " is attached. " + checkingNote
	}
	s.flash(r, msg)
	http.Redirect(w, r, route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ID), http.StatusSeeOther)
	return nil
}

// handleEvidence downloads a file: always an attachment, never sniffed,
// sandboxed, and only within scope (otherwise 404).
func (s *Server) handleEvidence(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "file"), 10, 64)
	if err != nil {
		return errNotFound
	}
	f, body, err := s.store.OpenEvidence(r.Context(), a.Scope, rt.ID, id)
	if errors.Is(err, postgres.ErrBeingChecked) {
		// 409 Conflict: the file exists but its state (held until the
		// virus scan finds it clean) forbids serving it now, and the same
		// request will succeed once the state changes. Not 423 Locked,
		// which is WebDAV's lock on a resource, nor 503, which says the
		// service is failing (and would count as an outage).
		w.Header().Set("Retry-After", "120")
		return errBeingChecked
	}
	if err != nil {
		return err
	}
	defer body.Close()
	if err := serveEvidence(w, f, body); err != nil {
		s.logger(r).Warn("evidence download cut short", "evidence", id, "err", err.Error())
	}
	return nil
}

// handleRemoveEvidence detaches a file from a draft or queried return.
func (s *Server) handleRemoveEvidence(w http.ResponseWriter, r *http.Request, a tally.Access) error {
	rt, err := s.returnInScope(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "file"), 10, 64)
	if err != nil || !slices.ContainsFunc(rt.Evidence, func(e tally.Evidence) bool { return e.ID == id }) {
		return errNotFound // another return's file is not found here, whatever this return's state
	}
	view := returnView{form: true}
	if !returnFillable(a, rt) {
		view.errs = map[string]string{"file": "Files can only be removed from a return while its supplier is filling it in"}
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt, view)))
	}
	err = s.store.RemoveEvidence(r.Context(), a.Scope, rt.ID, atoiOr(f.raw("version"), -1), id)
	fe, err := formErrors(err, tally.FormErrors{"file": "This return was changed in another window or tab. Try again"})
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		view.errs = fe
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Return(s.returnPage(r, a, rt, view)))
	}
	s.flash(r, "The file is removed.")
	http.Redirect(w, r, route.Path("/o/{org}/returns/{return}", a.Org.Slug, rt.ID), http.StatusSeeOther)
	return nil
}
