package static

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// lineValueTable is the table of line values the Go code is tested against
// too (internal/tally/value_cases_test.go).
const lineValueTable = "../../internal/tally/testdata/line_values.json"

// TestLineValueAgreesWithTally runs the table of line values against
// lineValue in linevalue.js, the live totals of the offer form, so that the
// page shows what the server will save. It needs node (CI has it).
func TestLineValueAgreesWithTally(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: this test runs web/static/linevalue.js with it (Node 20 or later)")
	}
	// Reading the inputs here, not only in node, lets go test's cache see
	// them change.
	data, err := os.ReadFile(lineValueTable)
	if err != nil {
		t.Fatal(err)
	}
	var table struct{ Cases []json.RawMessage }
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatalf("%s: %v", lineValueTable, err)
	}
	for _, f := range []string{"linevalue.js", "testdata/line_values.mjs"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(node, "testdata/line_values.mjs", "linevalue.js", lineValueTable).CombinedOutput()
	if err != nil {
		t.Fatalf("linevalue.js differs from the table (%v):\n%s", err, out)
	}
	if want := fmt.Sprintf("%d cases", len(table.Cases)); !strings.Contains(string(out), want) {
		t.Errorf("node ran %q, want %s", strings.TrimSpace(string(out)), want)
	}
}
