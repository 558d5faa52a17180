package demo

import (
	"context"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// world is what the demo has created so far, for later steps to build on.
type world struct {
	star      tally.Org
	partners  []tally.Org // Stockport, Trafford, Rochdale, Tameside
	suppliers []supplier
	users     map[string]tally.User // by email
	edition   int64                 // the demo measure edition
	measures  []tally.Measure
	tenders   []demoTender
}

type supplier struct {
	org     tally.Org
	details tally.SupplierDetails
	local   bool // to the demo partners' area, Greater Manchester (tally_is_local)
}

var partnerNames = []struct{ slug, name string }{
	{"stockport", "Stockport Council"},
	{"trafford", "Trafford Council"},
	{"rochdale", "Rochdale Borough Council"},
	{"tameside", "Tameside Council"},
}

// demoSuppliers: local and national, micro to large, several VCSEs.
var demoSuppliers = []struct {
	slug, name, company, postcode, size string
	vcse                                bool
}{
	{"northernbuild", "Northern Build Ltd", "08123456", "SK4 1AA", tally.SizeSmall, false},
	{"nationalfm", "National FM Services plc", "01987654", "EC2V 7HH", tally.SizeLarge, false},
	{"communitycare", "Community Care Collective", "", "M13 9PL", tally.SizeSmall, true},
	{"penninecatering", "Pennine Catering Co", "10234567", "OL1 1AB", tally.SizeMicro, false},
	{"greenway", "Greenway Energy Ltd", "09345678", "BL1 1RU", tally.SizeMedium, false},
	{"merseydigital", "Mersey Digital Ltd", "11456789", "L1 8JQ", tally.SizeSmall, false},
	{"traffordyouth", "Trafford Youth Trust", "", "M32 0TL", tally.SizeMicro, true},
	{"tamesidetransport", "Tameside Transport Ltd", "07567890", "OL6 6AB", tally.SizeMedium, false},
	{"britannia", "Britannia Facilities Group plc", "02678901", "B1 1BB", tally.SizeLarge, false},
	{"rochdaleprint", "Rochdale Print Works", "12789012", "OL16 1AB", tally.SizeMicro, false},
	{"salfordclean", "Salford Cleaning Co-operative", "IP031234", "M5 4WT", tally.SizeSmall, true},
	{"yorkshirecivils", "Yorkshire Civils Ltd", "06890123", "LS1 4DY", tally.SizeMedium, false},
	{"stockportit", "Stockport IT Solutions Ltd", "13901234", "SK1 3XE", tally.SizeSmall, false},
	{"wiganlandscapes", "Wigan Landscapes Ltd", "05012345", "WN1 1XX", tally.SizeSmall, false},
	{"angliasupport", "Anglia Support Services Ltd", "04123450", "NR1 3QU", tally.SizeLarge, false},
	{"moorsidehousing", "Moorside Housing Association", "", "OL11 1AA", tally.SizeMedium, true},
}

func loadOrganisations(ctx context.Context, store *postgres.Store, hash string) (*world, error) {
	w := &world{users: map[string]tally.User{}}
	var err error
	w.star, err = store.CreateOrganisation(ctx, tally.Org{Kind: tally.SharedService, Slug: "star", Name: "STAR Shared Procurement"}, nil)
	if err != nil {
		return nil, err
	}
	if err := noTwoStep(ctx, store, w.star.ID); err != nil {
		return nil, err
	}
	for _, p := range partnerNames {
		org, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.Partner, Slug: p.slug, Name: p.name, SharedServiceID: w.star.ID}, nil)
		if err != nil {
			return nil, err
		}
		if err := noTwoStep(ctx, store, org.ID); err != nil {
			return nil, err
		}
		settings := tally.DefaultPartnerSettings()
		settings.PartnerID = org.ID
		if err := store.SavePartnerSettings(ctx, tally.Scope{PartnerIDs: []int64{org.ID}, OrgIDs: []int64{org.ID},
			Roles: []tally.Role{tally.RoleAdmin}}, settings); err != nil {
			return nil, err
		}
		w.partners = append(w.partners, org)
	}
	for _, s := range demoSuppliers {
		pc, err := tally.ParsePostcode(s.postcode)
		if err != nil {
			return nil, err
		}
		d := tally.SupplierDetails{Name: s.name, CompanyNumber: s.company, Postcode: pc, Size: s.size, VCSE: s.vcse}
		org, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.Supplier, Slug: s.slug, Name: s.name}, &d)
		if err != nil {
			return nil, err
		}
		// Every demo partner keeps the default area, so local to one is local to all.
		areas, err := store.PartnerAreas(ctx, pc)
		if err != nil {
			return nil, err
		}
		w.suppliers = append(w.suppliers, supplier{org: org, details: d, local: len(areas) > 0 && areas[0].Local})
	}

	people := []struct {
		email, name, org string
		roles            []tally.Role
	}{
		{"director@star.example", "Dana Director", "star", []tally.Role{tally.RoleDirector}},
		{"buyer@star.example", "Bilal Buyer", "star", []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}},
		{"admin@star.example", "Ada Admin", "star", []tally.Role{tally.RoleAdmin}},
		{"evaluator@star.example", "Eve Evaluator", "star", []tally.Role{tally.RoleEvaluator}},
		{"contracts@star.example", "Cal Contracts", "star", []tally.Role{tally.RoleContractManager}},
		{"buyer@stockport.example", "Sam Stockport", "stockport", []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}},
		{"contracts@trafford.example", "Tara Trafford", "trafford", []tally.Role{tally.RoleContractManager}},
		{"director@rochdale.example", "Rory Rochdale", "rochdale", []tally.Role{tally.RoleDirector}},
	}
	for _, s := range demoSuppliers {
		people = append(people, struct {
			email, name, org string
			roles            []tally.Role
		}{"bids@" + s.slug + ".example", "Bids team, " + s.name, s.slug, []tally.Role{tally.RoleSupplier}})
	}
	for _, p := range people {
		u, err := store.CreateUser(ctx, p.email, p.name, hash)
		if err != nil {
			return nil, err
		}
		org, err := store.OrgBySlug(ctx, p.org)
		if err != nil {
			return nil, err
		}
		for _, role := range p.roles {
			if err := store.AddRole(ctx, tally.Scope{OrgIDs: []int64{org.ID}, Roles: []tally.Role{tally.RoleAdmin}}, u.ID, org.ID, role); err != nil {
				return nil, err
			}
		}
		w.users[p.email] = u
	}
	return w, nil
}

// noTwoStep asks 2-step verification of nobody in a demo organisation, so
// that the printed logins work with the password alone. A real new
// organisation asks it of its administrators.
func noTwoStep(ctx context.Context, store *postgres.Store, orgID int64) error {
	return store.SetTwoStepRule(ctx, tally.Scope{OrgIDs: []int64{orgID}, Roles: []tally.Role{tally.RoleAdmin}}, orgID, tally.TwoStepNobody)
}
