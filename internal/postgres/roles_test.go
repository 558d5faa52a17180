package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// Every store method that changes data checks the caller's roles itself,
// whatever the route table lets through: a scope in the right tenancy but
// with every other role is refused with tally.ErrForbidden (a 404) and
// nothing is written; a scope with an allowed role gets past the check (the
// other tests show those calls work).
func TestChangesCheckTheCallersRole(t *testing.T) {
	t.Parallel()
	w := evSetup(t)
	ctx := context.Background()
	now := time.Now()
	staff := w.buyer
	supplier := w.supplier(0)
	var (
		admins           = []tally.Role{tally.RoleAdmin}
		peopleAdmins     = []tally.Role{tally.RoleAdmin, tally.RoleSupplier}
		buyers           = []tally.Role{tally.RoleBuyer}
		evaluators       = []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}
		suppliers        = []tally.Role{tally.RoleSupplier}
		contractChangers = []tally.Role{tally.RoleBuyer, tally.RoleContractManager}
		contractManagers = []tally.Role{tally.RoleContractManager}
		returnEditors    = []tally.Role{tally.RoleSupplier, tally.RoleContractManager}
	)
	s, owner := w.store, w.owner
	cases := []struct {
		name    string
		allowed []tally.Role
		scope   tally.Scope // the tenancy; the test sets the roles
		call    func(tally.Scope) error
	}{
		{"CreateDirectContract", buyers, staff, func(sc tally.Scope) error {
			_, err := s.CreateDirectContract(ctx, sc, postgres.NewContract{PartnerID: w.partner, SupplierID: w.suppliers[0]})
			return err
		}},
		{"SetKPITargets", contractChangers, staff, func(sc tally.Scope) error {
			return s.SetKPITargets(ctx, sc, 1, 1, 1, []tally.Quantity{1000}, "reason")
		}},
		{"Moderate", evaluators, staff, func(sc tally.Scope) error { return s.Moderate(ctx, sc, 1, 1, 1, 1000, "reason") }},
		{"SaveMarks", evaluators, staff, func(sc tally.Scope) error { return s.SaveMarks(ctx, sc, 1, []postgres.Marks{{OfferID: 1}}) }},
		{"Award", buyers, staff, func(sc tally.Scope) error { _, _, err := s.Award(ctx, sc, 1, 1, "reason", now); return err }},
		{"SaveLocalMeasure", admins, staff, func(sc tally.Scope) error {
			_, err := s.SaveLocalMeasure(ctx, sc, w.partner, tally.Measure{Code: "LOC1", Title: "Local", Unit: "hours"}, 0)
			return err
		}},
		{"RetireLocalMeasure", admins, staff, func(sc tally.Scope) error { return s.RetireLocalMeasure(ctx, sc, w.partner, 1) }},
		{"ImportEdition", admins, staff, func(sc tally.Scope) error {
			_, err := s.ImportEdition(ctx, sc, w.partner, measurecsv.Edition{Name: "Refused"}, false)
			return err
		}},
		{"ChooseEdition", admins, staff, func(sc tally.Scope) error { return s.ChooseEdition(ctx, sc, w.partner, 1, false, nil) }},
		{"SetRoles", peopleAdmins, staff, func(sc tally.Scope) error {
			return s.SetRoles(ctx, sc, w.partner, 1, []tally.Role{tally.RoleAdmin})
		}},
		{"Invite", peopleAdmins, staff, func(sc tally.Scope) error {
			return s.Invite(ctx, sc, w.partner, "new@example.com", buyers, now.Add(time.Hour))
		}},
		{"ResendInvitation", peopleAdmins, staff, func(sc tally.Scope) error {
			_, err := s.ResendInvitation(ctx, sc, w.partner, 1, now.Add(time.Hour))
			return err
		}},
		{"RevokeInvitation", peopleAdmins, staff, func(sc tally.Scope) error { _, err := s.RevokeInvitation(ctx, sc, w.partner, 1); return err }},
		{"AddRole", peopleAdmins, staff, func(sc tally.Scope) error { return s.AddRole(ctx, sc, 1, w.partner, tally.RoleAdmin) }},
		{"SavePartnerSettings", admins, staff, func(sc tally.Scope) error {
			ps := tally.DefaultPartnerSettings()
			ps.PartnerID = w.partner
			return s.SavePartnerSettings(ctx, sc, ps)
		}},
		{"SaveTender", buyers, staff, func(sc tally.Scope) error {
			_, err := s.SaveTender(ctx, sc, tally.Tender{Partner: tally.Org{ID: w.partner}, Title: "Refused"}, nil)
			return err
		}},
		{"PublishTender", buyers, staff, func(sc tally.Scope) error { return s.PublishTender(ctx, sc, 1) }},
		{"ExtendDeadline", buyers, staff, func(sc tally.Scope) error {
			_, _, err := s.ExtendDeadline(ctx, sc, 1, now.AddDate(0, 1, 0), "reason")
			return err
		}},
		{"CancelTender", buyers, staff, func(sc tally.Scope) error { return s.CancelTender(ctx, sc, 1, "reason") }},
		{"CancelTenderBidders", buyers, staff, func(sc tally.Scope) error { _, err := s.CancelTenderBidders(ctx, sc, 1, "reason"); return err }},
		{"CopyTender", buyers, staff, func(sc tally.Scope) error { _, err := s.CopyTender(ctx, sc, 1); return err }},
		{"Backdate", buyers, staff, func(sc tally.Scope) error { return owner.Backdate(ctx, sc, 1, now.AddDate(0, 0, -9), now) }},
		{"StartOffer", suppliers, supplier, func(sc tally.Scope) error { _, err := s.StartOffer(ctx, sc, 1); return err }},
		{"SaveOffer", suppliers, supplier, func(sc tally.Scope) error { _, err := s.SaveOffer(ctx, sc, 1, 1, postgres.OfferInput{}); return err }},
		{"SubmitOffer", suppliers, supplier, func(sc tally.Scope) error { _, err := s.SubmitOffer(ctx, sc, 1, 1); return err }},
		{"WithdrawOffer", suppliers, supplier, func(sc tally.Scope) error { return s.WithdrawOffer(ctx, sc, 1, 1) }},
		{"StartReturn", returnEditors, supplier, func(sc tally.Scope) error { _, err := s.StartReturn(ctx, sc, 1, 1); return err }},
		{"SaveReturn", returnEditors, supplier, func(sc tally.Scope) error { return s.SaveReturn(ctx, sc, 1, 1, postgres.ReturnInput{}) }},
		{"AddEvidence", returnEditors, supplier, func(sc tally.Scope) error {
			return s.AddEvidence(ctx, sc, 1, 1, postgres.EvidenceBytes("a.pdf", "application/pdf", []byte("%PDF")))
		}},
		{"RemoveEvidence", returnEditors, supplier, func(sc tally.Scope) error { return s.RemoveEvidence(ctx, sc, 1, 1, 1) }},
		{"SubmitReturn", returnEditors, supplier, func(sc tally.Scope) error { _, err := s.SubmitReturn(ctx, sc, 1, 1); return err }},
		{"VerifyReturn", contractManagers, staff, func(sc tally.Scope) error { _, err := s.VerifyReturn(ctx, sc, 1, 1, nil); return err }},
	}
	before := w.snapshot(t)
	all := append(slices.Clone(tally.StaffRoles), tally.RoleSupplier)
	for _, c := range cases {
		wrong, right := c.scope, c.scope
		wrong.Roles = slices.DeleteFunc(slices.Clone(all), func(r tally.Role) bool { return slices.Contains(c.allowed, r) })
		if err := c.call(wrong); !errors.Is(err, tally.ErrForbidden) || !errors.Is(err, tally.ErrNotFound) {
			t.Errorf("%s with roles %v: %v, want tally.ErrForbidden (a 404)", c.name, wrong.Roles, err)
		}
		if after := w.snapshot(t); after != before {
			t.Fatalf("%s with roles %v changed the database", c.name, wrong.Roles)
		}
		for _, r := range c.allowed {
			right.Roles = []tally.Role{r}
			if err := c.call(right); errors.Is(err, tally.ErrForbidden) {
				t.Errorf("%s with role %s: refused: %v", c.name, r, err)
			}
		}
		before = w.snapshot(t) // the allowed calls may have written
	}
}

// snapshot is a digest of every table's rows, read as the superuser.
func (w *evWorld) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	rows, err := w.admin.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	digest := ""
	for _, name := range tables {
		var sum string
		q := fmt.Sprintf(`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %q t`, name)
		if err := w.admin.QueryRow(ctx, q).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		digest += name + ":" + sum + " "
	}
	return digest
}
