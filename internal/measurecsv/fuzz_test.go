package measurecsv

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/tally-sv/tally/internal/sheet"
)

// FuzzParse checks that Parse never panics, reports problems only as sheet.Errors,
// and that anything it accepts survives a round trip through Write.
func FuzzParse(f *testing.F) {
	if demo, err := os.ReadFile(demoPath); err == nil {
		f.Add(demo)
	}
	f.Add([]byte(header + row("JOB1") + row("JOB2", "proxy_gbp", "", "local", "no")))
	f.Fuzz(func(t *testing.T, data []byte) {
		ed, err := Parse(bytes.NewReader(data))
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
		if len(ed.Measures) == 0 {
			t.Fatal("accepted an edition with no measures")
		}
		var out bytes.Buffer
		if err := Write(&out, ed); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("re-import failed: %v\n%q", err, out.Bytes())
		}
		if !reflect.DeepEqual(ed, again) {
			t.Fatalf("round trip changed the edition:\n%+v\n%+v", ed, again)
		}
	})
}
