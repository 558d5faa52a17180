package offerfile

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-sv/tally/internal/sheet"
)

// FuzzParseCSV checks that Parse never panics, reports problems only as
// sheet.Errors, and that any offer it accepts is read back unchanged from the
// template WriteCSV makes of it. The seed corpus is in
// testdata/fuzz/FuzzParseCSV.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(file("JOB1", "JOB2", "ENV1", "BID")))
	f.Fuzz(func(t *testing.T, data []byte) {
		offer, err := Parse(bytes.NewReader(data), "offer.csv", testMeasures)
		if err != nil {
			var errs sheet.Errors
			if !errors.As(err, &errs) || len(errs) == 0 || len(errs) > MaxErrors+1 {
				t.Fatalf("err = %#v", err)
			}
			for _, e := range errs {
				if e.Row < 0 || e.Message == "" {
					t.Fatalf("bad error %#v", e)
				}
			}
			return
		}
		if len(offer.Lines) != len(testMeasures) || offer.BidPrice == "" {
			t.Fatalf("accepted an incomplete offer: %+v", offer)
		}
		var out bytes.Buffer
		tmpl := Template{Measures: testMeasures, BidPrice: offer.BidPrice, Lines: offer.Lines}
		if err := WriteCSV(&out, tmpl); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(bytes.NewReader(out.Bytes()), "offer.csv", testMeasures)
		if err != nil {
			t.Fatalf("re-parse failed: %v\n%q", err, out.Bytes())
		}
		if diff := cmp.Diff(offer, again); diff != "" {
			t.Fatalf("round trip changed the offer (-first +again):\n%s", diff)
		}
	})
}
