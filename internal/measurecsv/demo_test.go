package measurecsv

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/tally-sv/tally/internal/sheet"
)

const demoPath = "../demo/open-demo-measures-2026.csv"

// TestRoundTrip checks that an export re-imports unchanged, on the demo
// edition.
func TestRoundTrip(t *testing.T) {
	data, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	first := mustParse(t, data)

	var out1 bytes.Buffer
	if err := Write(&out1, first); err != nil {
		t.Fatal(err)
	}
	second := mustParse(t, out1.Bytes())
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("edition changed on a round trip:\nfirst  %+v\nsecond %+v", first, second)
	}
	var out2 bytes.Buffer
	if err := Write(&out2, second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out1.Bytes(), out2.Bytes()) {
		t.Fatalf("second export differs from the first:\n%s\n---\n%s", out1.Bytes(), out2.Bytes())
	}
}

// TestDemoEdition checks the shape the brief asks of the demo edition.
func TestDemoEdition(t *testing.T) {
	data, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	ed := mustParse(t, data)
	if ed.Name != "Open Demo Measures 2026" {
		t.Errorf("name = %q", ed.Name)
	}
	themes := map[string]bool{}
	var core, plugin, recordOnly int
	for _, m := range ed.Measures {
		themes[m.Theme] = true
		switch m.Plugin {
		case "":
			core++
		case "COVID-19 recovery":
			plugin++
		default:
			t.Errorf("%s: unexpected plug-in %q", m.Code, m.Plugin)
		}
		if !m.HasProxy {
			recordOnly++
		}
		if m.Description == "" {
			t.Errorf("%s has no description", m.Code)
		}
	}
	for _, th := range []string{"Jobs", "Growth", "Social", "Environment", "Innovation"} {
		if !themes[th] {
			t.Errorf("no %s theme", th)
		}
	}
	if len(themes) != 5 || core < 25 || plugin != 6 || recordOnly < 2 || recordOnly > 3 {
		t.Errorf("themes %d, core %d, plug-in %d, record-only %d", len(themes), core, plugin, recordOnly)
	}
}

func mustParse(t *testing.T, data []byte) Edition {
	t.Helper()
	ed, err := Parse(bytes.NewReader(data))
	if err != nil {
		if errs, ok := err.(sheet.Errors); ok {
			for _, e := range errs {
				t.Error(e)
			}
		}
		t.Fatalf("Parse: %v", err)
	}
	return ed
}
