package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// What the database enforces on returns is said as a message, never an
// error page (issue 14).

func TestRtAQueriedReturnKeepsItsAttestations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	c := w.contract(t, w.partnerA, w.supplierS, "RT-Q", 80)
	id := w.submitted(t, c, 1, rtUnits(5))
	if _, err := w.store.VerifyReturn(ctx, w.staff(w.partnerA), id, 1, []postgres.Verdict{{KPIID: c.KPIs[0].ID, Decision: tally.DecisionQueried, Note: "Which sites?"}}); err != nil {
		t.Fatal(err)
	}
	r, err := w.store.Return(ctx, w.supplier(w.supplierS), id)
	if err != nil || r.Status != tally.ReturnQueried {
		t.Fatalf("after the query: %s, %v", r.Status, err)
	}
	// Unticking an attestation while answering is a message on the box,
	// not a check violation.
	in := postgres.ReturnInput{Narrative: "Answered.", AttestContract: false, AttestPeriod: true,
		Quantities: map[int64]tally.Quantity{c.KPIs[0].ID: 6000}, Answers: map[int64]string{c.KPIs[0].ID: "Hyde and Denton."}}
	err = w.store.SaveReturn(ctx, w.supplier(w.supplierS), id, r.Version, in)
	var fe tally.FormErrors
	if !errors.As(err, &fe) || fe["attest_contract"] == "" || fe["attest_period"] != "" {
		t.Fatalf("save unticked: %v (%v), want a message on attest_contract only", err, fe)
	}
	after, err := w.store.Return(ctx, w.supplier(w.supplierS), id)
	if err != nil || after.Version != r.Version || !after.AttestContract || after.Lines[0].Answer != "" {
		t.Errorf("a refused save changed the return: version %d→%d, attested %t, answer %q", r.Version, after.Version, after.AttestContract, after.Lines[0].Answer)
	}
	in.AttestContract = true
	if err := w.store.SaveReturn(ctx, w.supplier(w.supplierS), id, r.Version, in); err != nil {
		t.Fatalf("save with both ticked: %v", err)
	}
}

func TestRtTheSameFileTwiceOnOneReturnIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	c := w.contract(t, w.partnerA, w.supplierS, "RT-D", 80)
	file := rtFile("the same bytes")
	file.Name = "site register.pdf"
	id, version := w.draft(t, c, 1, rtUnits(5), file)
	again := file
	again.Name = "renamed copy.pdf"
	err := w.store.AddEvidence(ctx, w.supplier(w.supplierS), id, version, again)
	var fe tally.FormErrors
	if !errors.As(err, &fe) || !strings.Contains(fe["file"], "already attached") || !strings.Contains(fe["file"], "site register.pdf") {
		t.Fatalf("the same file again: %v (%v), want a message naming the first copy", err, fe)
	}
	r, _ := w.store.Return(ctx, w.supplier(w.supplierS), id)
	if len(r.Evidence) != 1 || r.Version != version {
		t.Errorf("after the refusal: %d files, version %d; want 1 and %d", len(r.Evidence), r.Version, version)
	}
	// A different file is welcome.
	if err := w.store.AddEvidence(ctx, w.supplier(w.supplierS), id, version, rtFile("other bytes")); err != nil {
		t.Errorf("a different file: %v", err)
	}
}

func TestRtOtherLinesStayVerifiableAfterAQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := rtSetup(t)
	c := w.contract(t, w.partnerA, w.supplierS, "RT-V", 80, 40)
	id := w.submitted(t, c, 1, rtUnits(5, 6))
	staff := w.staff(w.partnerA)
	r, err := w.store.VerifyReturn(ctx, staff, id, 1, []postgres.Verdict{{KPIID: c.KPIs[0].ID, Decision: tally.DecisionQueried, Note: "Which sites?"}})
	if err != nil || r.Status != tally.ReturnQueried {
		t.Fatalf("query one line: %s, %v", r.Status, err)
	}
	r, err = w.store.VerifyReturn(ctx, staff, id, r.DecisionsVersion, []postgres.Verdict{{KPIID: c.KPIs[1].ID, Decision: tally.DecisionVerified}})
	if err != nil {
		t.Fatalf("verify another line while one is queried: %v", err)
	}
	if r.Status != tally.ReturnQueried || r.Lines[1].Decision != tally.DecisionVerified || r.Lines[0].Decision != tally.DecisionQueried {
		t.Errorf("after verifying the other line: %s, %s/%s; want queried, queried/verified", r.Status, r.Lines[0].Decision, r.Lines[1].Decision)
	}
}
