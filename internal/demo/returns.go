package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"time"

	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// loadReturns has suppliers report delivery for the ended quarters of the
// demo's contracts, with small evidence files, and the shared service's
// contract manager check them: mostly verified, some queried or rejected,
// some left overdue, so that contracts land in every rating.
func loadReturns(ctx context.Context, store *postgres.Store, w *world) error {
	rng := rand.New(rand.NewPCG(2026, 7)) // #nosec G404 -- the demo must be the same every time; nothing secret
	cm := w.users["contracts@star.example"]
	staff := tally.Scope{UserID: cm.ID, PartnerIDs: partnerIDs(w), OrgIDs: partnerIDs(w),
		Roles: []tally.Role{tally.RoleContractManager}}
	contracts, _, err := store.Contracts(ctx, staff, postgres.ContractFilter{Limit: 10_000})
	if err != nil {
		return err
	}
	now := time.Now()
	var shared *postgres.EvidenceFile // one file reused on two contracts: a double count to catch
	ci, made := -1, 0
	for _, c := range contracts {
		full, err := store.Contract(ctx, staff, c.ID)
		if err != nil {
			return err
		}
		if len(full.KPIs) == 0 {
			continue
		}
		ci++
		user := w.users["bids@"+c.Supplier.Slug+".example"]
		supplierScope := tally.Scope{UserID: user.ID, OrgIDs: []int64{c.Supplier.ID}, SupplierID: c.Supplier.ID,
			Roles: []tally.Role{tally.RoleSupplier}}
		// How well this supplier delivers, in per cent of target: spread so
		// that every rating appears.
		performance := []int{104, 100, 102, 99, 93, 88, 75, 110, 101, 106}[ci%10]
		for _, t := range full.KPIs[0].Targets {
			p := t.Period
			if !p.End.Before(now) {
				break
			}
			recent := now.Sub(p.Due) < 80*24*time.Hour
			if recent && rng.IntN(8) == 0 {
				continue // overdue: never submitted
			}
			id, err := store.StartReturn(ctx, supplierScope, c.ID, p.Number)
			if err != nil {
				return fmt.Errorf("start return %s/%d: %w", c.Reference, p.Number, err)
			}
			in := postgres.ReturnInput{Narrative: fmt.Sprintf("Quarter %d delivery on %s. Figures are from our HR and finance systems; evidence attached.", p.Number, c.Title),
				AttestContract: true, AttestPeriod: true, Quantities: map[int64]tally.Quantity{}}
			for _, k := range full.KPIs {
				for _, kt := range k.Targets {
					if kt.Period.Number == p.Number {
						in.Quantities[k.ID] = kt.Target * tally.Quantity(performance-4+rng.IntN(9)) / 100
					}
				}
			}
			if err := store.SaveReturn(ctx, supplierScope, id, 1, in); err != nil {
				return err
			}
			file := evidenceFile(rng, c.Reference, p.Number)
			made++
			if made == 1 {
				shared = &file
			} else if made == 40 {
				file = *shared
			}
			if err := store.AddEvidence(ctx, supplierScope, id, 2, file); err != nil {
				return err
			}
			if _, err := store.SubmitReturn(ctx, supplierScope, id, 3); err != nil {
				return fmt.Errorf("submit return: %w", err)
			}
			if p.Due.After(now) && rng.IntN(2) == 0 {
				continue // sent in early: awaiting verification
			}
			var verdicts []postgres.Verdict
			for _, k := range full.KPIs {
				v := postgres.Verdict{KPIID: k.ID, Decision: tally.DecisionVerified}
				switch rng.IntN(30) {
				case 0:
					v.Decision, v.Note = tally.DecisionQueried, "The timesheets attached do not show which contract the hours were worked on. Please send the payroll extract."
				case 1:
					v.Decision, v.Note = tally.DecisionRejected, "The evidence covers a different quarter, so this cannot count."
				}
				verdicts = append(verdicts, v)
			}
			if _, err := store.VerifyReturn(ctx, staff, id, 1, verdicts); err != nil {
				return fmt.Errorf("verify return: %w", err)
			}
		}
	}
	return nil
}

func partnerIDs(w *world) []int64 {
	ids := make([]int64, len(w.partners))
	for i, p := range w.partners {
		ids[i] = p.ID
	}
	return ids
}

// evidenceFile makes a small, valid PDF or PNG for a return.
func evidenceFile(rng *rand.Rand, ref string, period int) postgres.EvidenceFile {
	if rng.IntN(2) == 0 {
		return postgres.EvidenceBytes(fmt.Sprintf("%s-Q%d-timesheets.pdf", ref, period), "application/pdf",
			pdf(fmt.Sprintf("%s quarter %d: delivery evidence", ref, period)))
	}
	return postgres.EvidenceBytes(fmt.Sprintf("%s-Q%d-photo.png", ref, period), "image/png", pngImage(rng))
}

// pdf is a minimal valid one-page PDF showing text.
func pdf(text string) []byte {
	stream := fmt.Sprintf("BT /F1 14 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// pngImage is a small generated picture.
func pngImage(rng *rand.Rand) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	base := color.RGBA{uint8(rng.IntN(200)), uint8(100 + rng.IntN(155)), uint8(rng.IntN(200)), 255} // #nosec G115 -- each below 256
	for y := range 32 {
		for x := range 48 {
			img.Set(x, y, color.RGBA{base.R + uint8(x), base.G, base.B + uint8(y), 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // a bytes.Buffer takes every write
	return b.Bytes()
}
