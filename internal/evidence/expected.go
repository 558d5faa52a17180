package evidence

import "strings"

// Expected says what evidence of delivery a measure in unit will need,
// in a sentence for the offer and opportunity pages. Measures carry no evidence field of their own, so this is one
// sentence per kind of unit, with a general one for the rest.
func Expected(unit string) string {
	u := strings.ToLower(strings.TrimSpace(unit))
	switch {
	case strings.HasPrefix(u, "£") || u == "gbp":
		return "Invoices or payment records showing what was spent and with whom."
	case u == "fte" || strings.Contains(u, "week") || strings.Contains(u, "hour") || strings.Contains(u, "day") ||
		strings.Contains(u, "people") || strings.Contains(u, "apprentice") || strings.Contains(u, "job"):
		return "Payroll, timesheet or attendance records showing the people and the time counted (with personal details removed)."
	case strings.Contains(u, "co2") || strings.Contains(u, "tonne") || strings.Contains(u, "kwh") || strings.Contains(u, "mile"):
		return "A calculation with its source data, such as meter readings, fuel records or waste transfer notes."
	}
	return "Records showing the quantity delivered, such as registers, logs, photographs or reports."
}
