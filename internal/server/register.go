package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

// registrationLifetime is how long the emailed link that finishes
// registering works.
const registrationLifetime = 24 * time.Hour

func (s *Server) handleRegisterForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.Register(pages.RegisterPage{Page: s.page(r, "Register your organisation")}))
}

// handleRegister starts a supplier's registration. The form is checked as
// before (the organisation must not be registered already); then the
// registration waits for an emailed link, and the page says to check
// email. The password is chosen on the link's page, not here, so whoever
// fills in the form never chooses the password of the address's owner.
// What happens next depends on whether the address has an account (the
// email carries the link, or says there is an account), and nothing on the
// page or in the request's work shows which: both record a pending
// registration and queue one job naming it in one transaction, and the
// request never talks to the mail server. Attempts are throttled per
// email and client address pair and per client address (registerLimits).
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if f.raw("action") == "ask" {
		return s.askToJoin(w, r, f)
	}
	in := pages.RegisterForm{
		OrgName:       f.text("org_name", "your organisation's name", 200, true),
		CompanyNumber: f.text("company_number", "the Companies House number", 20, false),
		Postcode:      f.text("postcode", "a postcode", 10, true),
		Name:          f.text("name", "your full name", 200, true),
		Email:         f.email("email", true),
		VCSE:          f.checked("vcse"),
	}
	in.Size = f.choice("size", "Select the size of your organisation", tally.SupplierSizes...)
	details := tally.SupplierDetails{Name: in.OrgName, Size: in.Size, VCSE: in.VCSE}
	if in.Postcode != "" && f.Errs["postcode"] == "" {
		if details.Postcode, err = tally.ParsePostcode(in.Postcode); err != nil {
			f.Errs.Add("postcode", "Enter a real UK postcode, like SK1 3XE")
		}
	}
	if in.CompanyNumber != "" && f.Errs["company_number"] == "" {
		if details.CompanyNumber, err = tally.ValidCompanyNumber(in.CompanyNumber); err != nil {
			f.Errs.Add("company_number", "Enter a Companies House number in the correct format, like 01234567 or SC123456")
		}
	}
	existing := ""
	if f.Errs["org_name"] == "" && f.Errs["company_number"] == "" {
		existing, err = s.registeredAlready(r, in, details.CompanyNumber, f.Errs)
		if err != nil {
			return err
		}
	}
	if len(f.Errs) > 0 {
		status := http.StatusUnprocessableEntity
		if existing != "" {
			status = http.StatusConflict
		}
		return s.render(w, r, status, pages.Register(pages.RegisterPage{
			Page: s.page(r, "Error: Register your organisation"), Form: in, Errors: f.Errs, Existing: existing}))
	}
	attempt, err := s.throttle(r, "register_throttled", 0, registerLimits(in.Email, s.limitAddr(r)))
	if err != nil {
		return err
	}
	if attempt.Refused {
		retryAfter(w, attempt.Limit)
		return s.render(w, r, http.StatusTooManyRequests, pages.RegisterPaused(s.page(r, "Too many attempts to register")))
	}
	err = s.store.StartRegistration(r.Context(), postgres.NewSupplier{SupplierDetails: details, UserName: in.Name, Email: in.Email},
		time.Now().Add(registrationLifetime))
	if err != nil {
		return err
	}
	// Rendered, not redirected: the address stays out of URLs and logs.
	return s.render(w, r, http.StatusOK, pages.RegisterSent(pages.RegisterSentPage{Page: s.page(r, "Check your email"), Email: in.Email}))
}

// registerLimits limit registrations with the email address email from
// the client address addr, and from addr in all. Unlike emailedLinkLimits
// there is no limit per email address alone: a rival registering again and
// again with someone's address, from anywhere, would otherwise stop its
// owner registering for a day. The pair's limit still stops one client
// flooding one mailbox.
func registerLimits(email, addr string) []postgres.Limit {
	return []postgres.Limit{
		{Name: "email and address", Key: "register:pair:" + email + "|" + addr, Max: 3, Window: registrationLifetime},
		{Name: "address", Key: "register:addr:" + addr, Max: 10, Window: registrationLifetime},
	}
}

// registeredAlready looks for a supplier registered with the form's name
// or Companies House number, and adds the field error that points to
// joining it. It returns that organisation's name, or "" when there is
// none. No silent duplicates: an organisation registered already is
// joined, not registered again.
func (s *Server) registeredAlready(r *http.Request, in pages.RegisterForm, companyNumber string, errs tally.FormErrors) (string, error) {
	o, err := s.store.RegisteredSupplier(r.Context(), in.OrgName, companyNumber)
	if errors.Is(err, tally.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	field := "org_name"
	if companyNumber != "" && !strings.EqualFold(strings.Join(strings.Fields(o.Name), " "), strings.Join(strings.Fields(in.OrgName), " ")) {
		field = "company_number"
	}
	errs.Add(field, o.Name+" is already registered on Tally: ask its team to add you, or correct the details")
	return o.Name, nil
}

// askToJoin sends the name and email of someone who tried to register an
// organisation that is registered already to the people who act for it,
// as a message in Tally and by email, so that they can invite them. The
// answer is the same whoever the organisation is; asking is throttled per
// client address like signing in.
func (s *Server) askToJoin(w http.ResponseWriter, r *http.Request, f *form) error {
	in := pages.RegisterForm{
		OrgName:       f.text("org_name", "your organisation's name", 200, true),
		CompanyNumber: f.text("company_number", "the Companies House number", 20, false),
	}
	errs := tally.FormErrors{}
	in.Name = f.text("name", "your full name", 200, true)
	in.Email = f.email("email", true)
	for from, to := range map[string]string{"name": "ask-name", "email": "ask-email"} {
		if msg := f.Errs[from]; msg != "" {
			errs.Add(to, msg)
		}
	}
	company, _ := tally.ValidCompanyNumber(in.CompanyNumber)
	o, err := s.store.RegisteredSupplier(r.Context(), in.OrgName, company)
	if errors.Is(err, tally.ErrNotFound) {
		// Nothing to join (it may have been a different name): register.
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Register(pages.RegisterPage{
			Page: s.page(r, "Error: Register your organisation"), Form: in,
			Errors: tally.FormErrors{"org_name": "No organisation with this name is registered yet: fill in the form to register it"}}))
	}
	if err != nil {
		return err
	}
	if len(errs) > 0 || f.Errs["org_name"] != "" {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Register(pages.RegisterPage{
			Page: s.page(r, "Error: Register your organisation"), Form: in, Errors: errs, Existing: o.Name}))
	}
	attempt, err := s.throttle(r, "ask_to_join_throttled", 0, []postgres.Limit{
		{Name: "address", Key: "join:" + s.limitAddr(r), Max: maxLoginFailures, Window: loginWindow}})
	if err != nil {
		return err
	}
	if attempt.Refused {
		retryAfter(w, attempt.Limit)
		return s.render(w, r, http.StatusTooManyRequests, pages.TooMany(s.page(r, "Too many attempts")))
	}
	link := route.WithQuery(route.Path("/o/{org}/users", o.Slug), url.Values{"invite": {in.Email}})
	if err := s.store.Tell(r.Context(), tally.Scope{OrgIDs: []int64{o.ID}}, notify.AskedToJoin(in.Name, in.Email, o, link)); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, pages.RegisterAsked(pages.RegisterAskedPage{Page: s.page(r, "We have asked "+o.Name+" to add you"),
		Org: o.Name, Email: in.Email}))
}

// newPassword reads "password" and "confirm" for a new password.
func (s *Server) newPassword(f *form) string {
	password := f.password("password")
	confirm := f.password("confirm")
	switch {
	case f.Errs["password"] != "":
	case password == "":
		f.Errs.Add("password", "Enter a password")
	case len([]rune(password)) < auth.MinPasswordLength:
		f.Errs.Add("password", "Password must be 12 characters or more")
	case confirm != password:
		f.Errs.Add("confirm", "The passwords do not match: type the same password twice")
	}
	return password
}
