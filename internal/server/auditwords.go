package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/format"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// auditRoles are the roles that can take each family of actions, in the
// order their name is preferred for the actor ("Buyer Jane Smith").
var auditRoles = map[string][]tally.Role{
	"tender":     {tally.RoleBuyer},
	"evaluation": {tally.RoleEvaluator, tally.RoleBuyer},
	"contract":   {tally.RoleBuyer},
	"kpi":        {tally.RoleContractManager, tally.RoleBuyer},
	"offer":      {tally.RoleSupplier},
	"return":     {tally.RoleContractManager, tally.RoleSupplier},
	"evidence":   {tally.RoleSupplier, tally.RoleContractManager},
	"settings":   {tally.RoleAdmin},
	"measures":   {tally.RoleAdmin},
	"member":     {tally.RoleAdmin, tally.RoleSupplier},
	"supplier":   {tally.RoleSupplier},
	"email":      {tally.RoleAdmin},
	"sso":        {tally.RoleAdmin},
}

// auditActor names who acted, with the role that let them: "Buyer Jane
// Smith", or the name alone when they no longer hold such a role.
func auditActor(e postgres.AuditRow) string {
	if e.UserID == 0 {
		return "Tally"
	}
	name := e.UserName
	family, _, _ := strings.Cut(e.Action, ".")
	if e.Action == "return.submit" && slices.Contains(e.Roles, string(tally.RoleSupplier)) {
		return "Supplier " + name
	}
	for _, r := range auditRoles[family] {
		if slices.Contains(e.Roles, string(r)) {
			return r.Label() + " " + name
		}
	}
	return name
}

// auditSentence says an audit entry in plain words, with names rather
// than ids: "Buyer Jane Smith published tender STK-2026-014 ‘Grounds
// maintenance’".
func auditSentence(e postgres.AuditRow) string {
	var d map[string]any
	_ = json.Unmarshal([]byte(e.Detail), &d) // a detail that does not parse says nothing more
	str := func(k string) string {
		switch v := d[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			if v {
				return "yes"
			}
			return "no"
		}
		return ""
	}
	money := func(k string) string {
		p, err := tally.ParsePounds(str(k))
		if err != nil {
			return "£" + str(k)
		}
		return format.Money(p)
	}
	when := func(k string) string {
		t, err := time.Parse(time.RFC3339Nano, str(k))
		if err != nil {
			return str(k)
		}
		return format.DateTime(t)
	}
	because := func(k string) string {
		if r := strings.TrimSpace(str(k)); r != "" {
			return ". Reason: " + r
		}
		return ""
	}
	roles := func() string {
		var out []tally.Role
		switch v := d["roles"].(type) {
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, tally.Role(s))
				}
			}
		}
		if len(out) == 0 && str("role") != "" {
			out = []tally.Role{tally.Role(str("role"))}
		}
		if len(out) == 0 {
			return "no role"
		}
		return format.Roles(out)
	}
	listOf := func(k string) string {
		var out []tally.Role
		if v, ok := d[k].([]any); ok {
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, tally.Role(s))
				}
			}
		}
		if len(out) == 0 {
			return "none"
		}
		return format.Roles(out)
	}
	texts := func(k string) string { // a list of strings, "a, b"
		var out []string
		if v, ok := d[k].([]any); ok {
			for _, x := range v {
				out = append(out, fmt.Sprint(x))
			}
		}
		return strings.Join(out, ", ")
	}
	// "tender STK-2026-014 ‘Grounds maintenance’", or as much as is known.
	ref := strings.TrimSpace(e.Subject)
	thing := ref
	if kind, rest, ok := strings.Cut(ref, " "); ok && (kind == "tender" || kind == "contract") {
		code, more, _ := strings.Cut(rest, " ")
		thing = kind + " " + code
		if e.Title != "" {
			thing += " ‘" + e.Title + "’"
		}
		if more != "" {
			thing += " " + more
		}
	}
	who := auditActor(e)
	member := e.Member
	if member == "" {
		member = "a former member"
	}
	switch e.Action {
	case "tender.save":
		return who + " saved draft " + thing
	case "tender.publish":
		return who + " published " + thing + ", open for offers until " + when("deadline")
	case "tender.extend":
		return who + " extended the deadline of " + thing + " from " + when("from") + " to " + when("to") + because("reason")
	case "tender.cancel":
		return who + " cancelled " + thing + because("reason")
	case "tender.copy":
		return who + " copied a tender as the new draft " + thing
	case "tender.award":
		s := who + " awarded " + thing + " to " + str("supplier") + " for " + money("value")
		if k := str("kpis"); k != "" {
			n, _ := strconv.Atoi(k)
			s += ", with " + format.Count(n, "KPI", "KPIs")
		}
		return s + because("reason")
	case "offers.open":
		n, _ := strconv.Atoi(str("offers"))
		switch str("via") {
		case "csv":
			return who + " downloaded the evaluation record of " + thing + " as CSV, with " + format.Count(n, "offer", "offers")
		case "xlsx":
			return who + " downloaded the evaluation record of " + thing + " as an Excel workbook, with " + format.Count(n, "offer", "offers")
		}
		return who + " opened the " + format.Count(n, "offer", "offers") + " on " + thing + " (recorded once a day)"
	case "evaluation.moderate":
		return fmt.Sprintf("%s moderated an offer on %s: measure %s accepted at %s instead of %s%s", who, thing, str("measure"),
			str("accepted"), str("submitted"), because("reason"))
	case "evaluation.score":
		n, _ := strconv.Atoi(str("offers"))
		return who + " saved marks for " + format.Count(n, "offer", "offers") + " on " + thing
	case "contract.direct":
		n, _ := strconv.Atoi(str("kpis"))
		return who + " registered the direct " + thing + " worth " + money("value") + ", with " + format.Count(n, "KPI", "KPIs")
	case "kpi.change":
		return who + " changed the targets of " + thing + because("reason")
	case "offer.submit":
		return who + " submitted offer " + ref + " on tender " + str("tender") + " to " + str("partner")
	case "offer.withdraw":
		return who + " withdrew offer " + ref + " on tender " + str("tender")
	case "return.submit":
		return who + " submitted the delivery return for " + strings.Replace(thing, " period ", ", quarter ", 1)
	case "return.verified", "return.queried", "return.rejected":
		verb := map[string]string{"return.verified": "verified", "return.queried": "queried", "return.rejected": "rejected"}[e.Action]
		s := who + " " + verb + " a line of the delivery return for " + strings.Replace(thing, " period ", ", quarter ", 1)
		if note := strings.TrimSpace(str("note")); note != "" {
			s += ": “" + note + "”"
		}
		return s
	case "evidence.infected":
		where := strings.Replace(thing, " period ", ", quarter ", 1)
		virus := "a virus"
		if sig := str("signature"); sig != "" {
			virus += " (" + sig + ")"
		}
		if str("found") == "recheck" {
			return "Tally found " + virus + " in " + str("file") + " on the delivery return for " + where +
				" when the virus scanner could check it, and removed the file"
		}
		return who + " tried to attach " + str("file") + " to the delivery return for " + where + ": it contains " + virus + ", so it was refused"
	case "settings.update":
		return fmt.Sprintf("%s changed the settings of %s: threshold %s, default weighting %s%%, local area %s, at most %s measures a tender",
			who, e.Org, money("threshold"), str("default_weighting"), str("local_area"), str("max_measures"))
	case "sso.update":
		s := fmt.Sprintf("%s changed the single sign-on settings: issuer %s, domains %s, required %s", who, str("issuer"), texts("domains"), str("required"))
		if str("secret_changed") == "yes" {
			s += ", with a new client secret"
		}
		return s
	case "sso.remove":
		return who + " turned off single sign-on for " + texts("domains")
	case "measures.import":
		n, _ := strconv.Atoi(str("measures"))
		return who + " imported the measure edition ‘" + ref + "’ with " + format.Count(n, "measure", "measures")
	case "measures.choose":
		if str("chosen") == "yes" {
			return who + " let buyers use a measure edition"
		}
		return who + " stopped buyers using a measure edition"
	case "measures.local.save":
		return who + " saved the local measure " + ref + " ‘" + str("title") + "’"
	case "measures.local.retire":
		return who + " retired the local measure " + ref
	case "member.invite":
		return who + " invited " + ref + " as " + roles()
	case "member.invite.resend":
		return who + " sent the invitation to " + ref + " again"
	case "member.invite.revoke":
		return who + " revoked the invitation to " + ref
	case "member.join":
		return e.UserName + " (" + ref + ") accepted an invitation and joined as " + roles()
	case "member.add":
		return who + " gave " + member + " the role of " + strings.ToLower(tally.Role(str("role")).Label())
	case "member.roles":
		return who + " changed the roles of " + member + " from " + listOf("before") + " to " + listOf("after")
	case "member.remove":
		return who + " removed " + member + " from " + e.Org
	case "member.two_step_reset":
		return who + " reset the 2-step verification of " + member + " and signed them out everywhere"
	case "settings.two_step":
		switch str("who") {
		case "nobody":
			return who + " stopped asking anyone in " + e.Org + " to use 2-step verification"
		case "staff":
			return who + " asked all staff in " + e.Org + " to use 2-step verification"
		}
		return who + " asked the administrators of " + e.Org + " to use 2-step verification"
	case "member.disable":
		return who + " disabled the account of " + member + ", ending " + format.Count(atoi(str("sessions")), "open session", "open sessions") +
			" and revoking " + format.Count(atoi(str("invitations")), "pending invitation", "pending invitations")
	case "member.enable":
		return who + " enabled the account of " + member
	case "member.sign_out":
		return who + " signed " + member + " out of all sessions (" + format.Count(atoi(str("sessions")), "was", "were") + " open)"
	case "supplier.register":
		return e.UserName + " registered the supplier " + ref
	case "email.retry":
		return who + " sent an email that could not be delivered again: ‘" + e.Subject + "’"
	}
	return who + ": " + e.Action + " " + ref
}

// atoi reads a count from an audit detail; anything else is 0.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
