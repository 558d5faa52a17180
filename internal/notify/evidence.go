package notify

import (
	"fmt"

	"github.com/tally-sv/tally/internal/route"
	"github.com/tally-sv/tally/internal/tally"
)

// EvidenceInfected tells the supplier of return rt that file name, held as
// being checked because the virus scanner could not check it at upload,
// was found to contain malware (signature, as the scanner names it) and
// removed. When the return has been submitted (and perhaps queried since),
// the partner's contract managers are told too: they may have been
// waiting for the file.
func EvidenceInfected(rt tally.Return, name, signature string) []Telling {
	c := rt.Contract
	virus := "a virus"
	if signature != "" {
		virus += " (" + signature + ")"
	}
	editable := rt.Status == tally.ReturnDraft || rt.Status == tally.ReturnQueried
	body := fmt.Sprintf("%s, attached to your delivery return for %s (%s), quarter %d, contains %s, so Tally has removed it. "+
		"Nobody could open it while it was being checked.", name, c.Title, c.Reference, rt.Period.Number, virus)
	if editable {
		body += "\n\nCheck the file with your antivirus software, then upload a clean copy to the return."
	} else {
		body += "\n\nYour return is with the council, so you cannot add files to it now. Its contract managers have been told; " +
			"if they need the evidence, they will query the line, and you can then upload a clean copy."
	}
	supplier := toSupplier(Notice{Subject: fmt.Sprintf("A file on your return for %s, quarter %d, contained a virus and was removed", c.Reference, rt.Period.Number),
		Body: body, Link: route.Path("/o/{org}/returns/{return}", c.Supplier.Slug, rt.ID)}, c.Partner.ID, c.Supplier.ID)
	ts := []Telling{supplier}
	if rt.Status != tally.ReturnDraft {
		n := Notice{Subject: fmt.Sprintf("A file on the return for %s, quarter %d, contained a virus and was removed", c.Reference, rt.Period.Number),
			Body: fmt.Sprintf("%s, which %s attached to its delivery return for %s (%s), quarter %d, contains %s, so Tally has removed it. "+
				"Nobody could open it while it was being checked.\n\nIf you need the evidence it held, query the line so the supplier can upload a clean copy.",
				name, c.Supplier.Name, c.Title, c.Reference, rt.Period.Number, virus),
			Link: route.Path("/o/{org}/returns/{return}", c.Partner.Slug, rt.ID)}
		ts = append(ts, Telling{Notice: n, Orgs: []int64{c.Partner.ID}, To: Recipients{Partner: c.Partner.ID, Role: tally.RoleContractManager}, Owner: c.Partner.ID})
	}
	return ts
}
