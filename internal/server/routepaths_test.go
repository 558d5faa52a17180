package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// routePathUse is a pattern given to route.Path, or any literal that looks
// like an organisation route pattern, where the source spells it.
type routePathUse struct {
	pattern, at string
	args        int // arguments after the pattern; -1 when not a call
}

// routePathUses reads every Go file of the module (the generated pages
// included, so the templates are covered) for the patterns URLs are built
// from.
func routePathUses(t *testing.T) []routePathUse {
	t.Helper()
	root := filepath.Join("..", "..")
	var uses []routePathUse
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "node_modules" || strings.HasPrefix(name, ".") && path != root || name == "route" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		calls := map[*ast.BasicLit]int{}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Path" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "route" {
				return true
			}
			// A pattern in a variable (the navigation's) is a literal
			// elsewhere, which the scan below finds.
			if lit, ok := call.Args[0].(*ast.BasicLit); ok {
				calls[lit] = len(call.Args) - 1
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			args, isCall := calls[lit]
			if err != nil || !isCall && !strings.HasPrefix(s, "/o/{org}") {
				return true
			}
			if !isCall {
				args = -1
			}
			uses = append(uses, routePathUse{s, fset.Position(lit.Pos()).String(), args})
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return uses
}

// Every URL the code builds is one the router serves, with as many
// arguments as the pattern has parameters.
func TestEveryRoutePathIsARoute(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	served := map[string]bool{}
	for _, r := range routes(t, ts.srv) {
		served[r.pattern] = true
	}
	uses := routePathUses(t)
	if len(uses) < 100 {
		t.Fatalf("found %d uses of route.Path; is the scan looking in the right place?", len(uses))
	}
	for _, u := range uses {
		if !served[u.pattern] {
			t.Errorf("%s: %q is not a route the router serves", u.at, u.pattern)
		}
		if params := strings.Count(u.pattern, "{"); u.args >= 0 && u.args != params {
			t.Errorf("%s: %q has %d parameters but is given %d arguments", u.at, u.pattern, params, u.args)
		}
	}
}
