// Package migrations holds the database schema as golang-migrate pairs,
// embedded into the binary. Never edit a migration that has landed: add one.
package migrations

import "embed"

// FS holds every NNNNNN_title.up.sql and .down.sql file.
//
//go:embed *.sql
var FS embed.FS
