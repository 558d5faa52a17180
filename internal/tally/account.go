package tally

// Access is what the signed-in user may do in one organisation, resolved
// once per request from the URL's /o/{org} and the user's memberships.
type Access struct {
	Org      Org
	Roles    []Role // direct, or through the partner's shared service
	Scope    Scope
	Partners []Org // partners in reach: the org itself, or a shared service's partners
}

// Can reports whether the user holds any of roles here.
func (a Access) Can(roles ...Role) bool {
	return Membership{Org: a.Org, Roles: a.Roles}.Has(roles...)
}

// Partner returns the partner in reach with the given slug.
func (a Access) Partner(slug string) (Org, bool) {
	for _, p := range a.Partners {
		if p.Slug == slug {
			return p, true
		}
	}
	return Org{}, false
}

// PartnerSettings are a partner council's rules (SPEC §4, §7, §8).
type PartnerSettings struct {
	PartnerID        int64
	Threshold        Pence     // tenders below it are refused
	DefaultWeighting Weighting // social value weighting offered by default
	LocalArea        LocalArea // postcode areas and districts that count as local
	MaxMeasures      int       // most measures a tender may ask for
	Bands            Bands     // rating bands
	// Version moves on with every change; 0 while the partner has none
	// saved (it uses the defaults). A save names the version its form was
	// drawn from.
	Version int
}

// DefaultPartnerSettings are the reference customer's: £50,000, 20%,
// Greater Manchester, six measures, Procurement Act bands.
func DefaultPartnerSettings() PartnerSettings {
	return PartnerSettings{
		Threshold:        5_000_000,
		DefaultWeighting: 200,
		LocalArea:        GreaterManchester(),
		MaxMeasures:      6,
		Bands:            DefaultBands(),
	}
}

// Supplier sizes.
const (
	SizeMicro  = "micro"
	SizeSmall  = "small"
	SizeMedium = "medium"
	SizeLarge  = "large"
)

// SupplierSizes in display order.
var SupplierSizes = []string{SizeMicro, SizeSmall, SizeMedium, SizeLarge}

// SupplierDetails describe a supplier organisation.
type SupplierDetails struct {
	Name          string
	CompanyNumber string // optional; validated Companies House format
	Postcode      Postcode
	Size          string
	VCSE          bool
}

// IsSME reports whether a supplier of this size is a small or medium-sized
// enterprise (micro, small or medium).
func IsSME(size string) bool { return size == SizeMicro || size == SizeSmall || size == SizeMedium }

// Member is a person's membership of an organisation, for administration.
type Member struct {
	UserID   int64
	Email    string
	Name     string
	Roles    []Role
	Disabled bool // the account is disabled
}
