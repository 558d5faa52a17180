// Package static holds the vendored and built front-end files (GOV.UK
// Frontend, Tally's stylesheet and script, fonts and images), embedded into
// the binary and served under /static/. `make frontend` rebuilds them.
package static

import "embed"

// FS is the static file tree.
//
//go:embed *.css *.js images fonts
var FS embed.FS
