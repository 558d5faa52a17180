package measurecsv

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestWriteNeutralisesFormulas: a title or description a spreadsheet would
// run is written behind a "'", and Parse reads it back as it was.
func TestWriteNeutralisesFormulas(t *testing.T) {
	ed := Edition{Name: "=Demo", Measures: []Measure{{Theme: "Jobs", Outcome: "@Work", Code: "JOB1", Title: "=HYPERLINK(\"http://x\")",
		Unit: "FTE", Description: "+44 1234 567890", Plugin: "'-already"}}}
	var buf bytes.Buffer
	if err := Write(&buf, ed); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"'=Demo,", ",'@Work,", `"'=HYPERLINK(""http://x"")"`, ",'+44 1234 567890", ",''-already,"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the file lacks %q:\n%s", want, buf.String())
		}
	}
	got, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ed) {
		t.Errorf("read back %+v\nwant %+v", got, ed)
	}
}
