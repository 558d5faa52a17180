package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// layers ranks the module's packages, each by the longest prefix (a package
// or a directory above it) of its path within the module. A package may
// import packages of a lower rank or of its own (siblings, such as postgres
// and measurecsv; Go itself forbids cycles), never of a higher one. So cmd → server → (postgres, web,
// format, session, export, notify, …) → tally, and a new package under
// internal/ or web/ takes its place without an edit here.
var layers = []layer{
	{"cmd", 4, "commands wire everything together"},
	{"internal/e2e", 4, "browser journeys drive the whole server, as cmd does"},
	{"internal/server", 3, "HTTP: routes, middleware, handlers, rendering"},
	{"internal", 2, "the jobs below HTTP: storage, formatting, files, sessions, mail"},
	{"web", 2, "pages, components and static files: given values, they render them"},
	{"internal/tally", 1, "the domain core: imports nothing of ours"},
	{"migrations", 0, "embedded SQL files"},
}

type layer struct {
	prefix string
	rank   int
	what   string
}

// apart forbids edges between packages of the same rank that the ranks
// alone allow.
var apart = []struct {
	from, to string // as layers' prefixes
	why      string
}{
	{"web", "internal/postgres", "pages are given values, not a store"},
	{"internal/postgres", "web", "the store knows nothing of pages"},
}

// TestImportGraphIsOneWay checks every import of every package of the module,
// tests included, against layers and apart.
func TestImportGraphIsOneWay(t *testing.T) {
	mod, pkgs := listPackages(t)
	for _, p := range pkgs {
		from := strings.TrimPrefix(p.ImportPath, mod+"/")
		fromLayer, ok := layerOf(from)
		if !ok {
			t.Errorf("%s has no layer: add its place to layers in internal/archtest", from)
			continue
		}
		for _, imp := range p.allImports() {
			to, ours := strings.CutPrefix(imp, mod+"/")
			if !ours || to == from {
				continue
			}
			if toLayer, ok := layerOf(to); ok && toLayer.rank > fromLayer.rank {
				t.Errorf("%s imports %s, a layer above it (%s): the graph must go cmd → server → the rest → tally", from, to, toLayer.what)
			}
			for _, a := range apart {
				if under(from, a.from) && under(to, a.to) {
					t.Errorf("%s imports %s: %s", from, to, a.why)
				}
			}
		}
	}
}

// TestTallyImportsOnlyTheStandardLibrary: the domain core has no
// dependencies, so every other package can use it and it changes only when
// the rules do.
func TestTallyImportsOnlyTheStandardLibrary(t *testing.T) {
	mod, _ := listPackages(t)
	out := goList(t, "-deps", "-json=ImportPath,Standard", mod+"/internal/tally")
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p struct {
			ImportPath string
			Standard   bool
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if !p.Standard && p.ImportPath != mod+"/internal/tally" {
			t.Errorf("internal/tally depends on %s; the domain core imports only the standard library", p.ImportPath)
		}
	}
}

// layerOf returns the layer with the longest prefix of path.
func layerOf(path string) (layer, bool) {
	var best layer
	for _, l := range layers {
		if under(path, l.prefix) && len(l.prefix) > len(best.prefix) {
			best = l
		}
	}
	return best, best.prefix != ""
}

// under reports whether path is prefix or a package below it.
func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

type goPackage struct {
	ImportPath, Dir                    string
	GoFiles, TestGoFiles, XTestGoFiles []string
	Imports, TestImports, XTestImports []string
}

func (p goPackage) allImports() []string {
	return append(append(append([]string(nil), p.Imports...), p.TestImports...), p.XTestImports...)
}

// listPackages returns the module path and its packages, as go list sees them.
func listPackages(t *testing.T) (string, []goPackage) {
	t.Helper()
	mod := strings.TrimSpace(string(goList(t, "-m")))
	out := goList(t, "-json=ImportPath,Dir,GoFiles,TestGoFiles,XTestGoFiles,Imports,TestImports,XTestImports", mod+"/...")
	var pkgs []goPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages of %s", len(pkgs), mod)
	}
	noteInputs(t, pkgs)
	return mod, pkgs
}

func goList(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	out, err := cmd.Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
	} else if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return out
}

// noteInputs stats every Go file and lists every package directory and its
// parents, up to the module's root. go test caches a passing result until
// the files its test process touched change; go list runs in another
// process, so without this a new import would not rerun the test.
func noteInputs(t *testing.T, pkgs []goPackage) {
	t.Helper()
	dirs := map[string]bool{}
	for _, p := range pkgs {
		for d := p.Dir; !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil || filepath.Dir(d) == d {
				break
			}
		}
		for _, files := range [][]string{p.GoFiles, p.TestGoFiles, p.XTestGoFiles} {
			for _, f := range files {
				if _, err := os.Stat(filepath.Join(p.Dir, f)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for d := range dirs {
		if _, err := os.ReadDir(d); err != nil {
			t.Fatal(err)
		}
	}
}
