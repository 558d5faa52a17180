package server

import (
	"errors"
	"net/http"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
	"github.com/tally-sv/tally/web/pages"
)

func (s *Server) handleRegisterForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, pages.Register(pages.RegisterPage{Page: s.page(r, "Register your organisation")}))
}

// handleRegister creates a supplier organisation and its first user, signs
// them in and shows where they count as local.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
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
	password := s.newPassword(f)
	rerender := func() error {
		return s.render(w, r, http.StatusUnprocessableEntity, pages.Register(pages.RegisterPage{
			Page: s.page(r, "Error: Register your organisation"), Form: in, Errors: f.Errs}))
	}
	if len(f.Errs) > 0 {
		return rerender()
	}
	hash, err := s.hasher.Hash(r.Context(), password)
	if err != nil {
		return err
	}
	u, org, err := s.store.RegisterSupplier(r.Context(), postgres.NewSupplier{
		SupplierDetails: details, UserName: in.Name, Email: in.Email, PasswordHash: hash})
	var fe tally.FormErrors
	if errors.As(err, &fe) {
		for k, v := range fe {
			f.Errs.Add(k, v)
		}
		return rerender()
	}
	if err != nil {
		return err
	}
	if err := s.signIn(r, u); err != nil {
		return err
	}
	s.flash(r, "Your organisation is registered. You can now bid for opportunities.")
	http.Redirect(w, r, "/o/"+org.Slug, http.StatusSeeOther)
	return nil
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
