package tally

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SSOSettings are an organisation's single sign-on provider (OpenID
// Connect) and the email domains it covers. The client secret is kept
// sealed; only the sign-in flow opens it.
type SSOSettings struct {
	OrgID        int64
	Issuer       string
	ClientID     string
	SecretSealed []byte
	Required     bool // password and emailed links are refused for its domains
	Domains      []string
}

// SSOSecretLabel binds an organisation's sealed client secret to it, so
// the sealed value does not open in another organisation's row.
func SSOSecretLabel(orgID int64) string { return "oidc:org:" + strconv.FormatInt(orgID, 10) }

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// ParseSSODomains reads email domains typed one a line or separated by
// commas or spaces, in lower case, without repeats, in the order typed. A
// domain is a host name with at least one dot: no scheme, no @, no path.
func ParseSSODomains(s string) ([]string, error) {
	var out []string
	for _, d := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		switch {
		case strings.Contains(d, "://"):
			return nil, errors.New("Enter " + d + " as a domain alone, without http:// or https://, like council.gov.uk")
		case strings.Contains(d, "@"):
			return nil, errors.New("Enter the domain of email addresses without the name and @, like council.gov.uk rather than " + d)
		case len(d) > 253 || !domainRE.MatchString(d):
			return nil, errors.New(d + " is not a domain: enter domains like council.gov.uk, one a line")
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("Enter the email domains your staff use, like council.gov.uk")
	}
	if len(out) > 50 {
		return nil, errors.New("Enter 50 domains or fewer")
	}
	return out, nil
}

// EmailDomain is the domain of an email address, in lower case ("" when
// it has no @).
func EmailDomain(email string) string {
	i := strings.LastIndex(email, "@")
	if i < 0 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

// CheckIssuer checks an OpenID Connect issuer URL: https, a host, no
// query or fragment. Plain http is allowed only with loopbackHTTP, and then
// only for a provider on this machine (127.0.0.1, ::1 or localhost): that
// is what tests and development run, and the server allows it only when
// it is not itself served over https. The issuer is kept as typed: it must
// match the provider's own exactly.
func CheckIssuer(issuer string, loopbackHTTP bool) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(issuer, " \t") {
		return errors.New("Enter the issuer as a web address, like https://login.microsoftonline.com/your-tenant-id/v2.0")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); loopbackHTTP && (h == "127.0.0.1" || h == "::1" || h == "localhost") {
			return nil
		}
	}
	return errors.New("Enter an issuer address that starts with https://")
}
