// Package archtest holds tests of the module's shape rather than of its
// behaviour: imports_test.go keeps the import graph one-way. It has no code
// of its own.
package archtest
