package tally

import (
	"errors"
	"strings"
)

// companyPrefixes are the two-character prefixes Companies House gives numbers
// outside the plain 8-digit England and Wales series, each followed by 6
// digits. Companies House adds prefixes from time to time; extend this list
// when a real number is refused.
var companyPrefixes = map[string]string{
	"AC": "assurance company, England and Wales",
	"CE": "charitable incorporated organisation, England and Wales",
	"CS": "charitable incorporated organisation, Scotland",
	"EN": "European company (SE), Northern Ireland",
	"ES": "European company (SE), Scotland",
	"FC": "overseas company",
	"GE": "European economic interest grouping, England and Wales",
	"GN": "European economic interest grouping, Northern Ireland",
	"GS": "European economic interest grouping, Scotland",
	"IC": "investment company with variable capital, England and Wales",
	"IP": "industrial and provident society, England and Wales",
	"LP": "limited partnership, England and Wales",
	"NA": "assurance company, Northern Ireland",
	"NC": "limited liability partnership, Northern Ireland",
	"NF": "overseas company, Northern Ireland (before October 2009)",
	"NI": "company, Northern Ireland",
	"NL": "limited partnership, Northern Ireland",
	"NP": "industrial and provident society, Northern Ireland",
	"NR": "royal charter company, Northern Ireland",
	"NZ": "unregistered company, Northern Ireland",
	"OC": "limited liability partnership, England and Wales",
	"R0": "company, Northern Ireland (before partition)",
	"RC": "royal charter company, England and Wales",
	"RS": "registered society",
	"SA": "assurance company, Scotland",
	"SC": "company, Scotland",
	"SE": "European company (SE), England and Wales",
	"SF": "overseas company, Scotland (before October 2009)",
	"SG": "Scottish qualifying partnership",
	"SI": "investment company with variable capital, Scotland",
	"SL": "limited partnership, Scotland",
	"SO": "limited liability partnership, Scotland",
	"SP": "industrial and provident society, Scotland",
	"SR": "royal charter company, Scotland",
	"SZ": "unregistered company, Scotland",
	"ZC": "unregistered company, England and Wales",
}

// ValidCompanyNumber checks a Companies House registered number and returns it
// in standard form: 8 characters, upper case, either 8 digits or a known
// two-character prefix (SC, NI, OC, …) and 6 digits. Spaces are ignored and a
// number of 1 to 7 digits is padded with leading zeros, as people often drop
// them: "1234567" gives "01234567", "sc 123456" gives "SC123456". It returns an
// error, worded for a form field, when s is empty or not a company number. A
// few rare numbers with letters at the end are not accepted.
func ValidCompanyNumber(s string) (string, error) {
	n := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	switch {
	case n == "":
		return "", errors.New("Enter a company number, like 01234567 or SC123456")
	case allDigits(n) && len(n) <= 8:
		if strings.Trim(n, "0") == "" {
			break
		}
		return strings.Repeat("0", 8-len(n)) + n, nil
	case len(n) == 8 && allDigits(n[2:]):
		if _, ok := companyPrefixes[n[:2]]; ok {
			return n, nil
		}
	}
	return "", errors.New("Enter a company number as 8 digits, like 01234567, or 2 letters and 6 digits, like SC123456")
}
