package tally

import "slices"

// Scope is what one request may touch. Stores set it on each transaction
// (PostgreSQL row-level security reads it) and still filter by it in SQL.
// The zero Scope sees nothing.
type Scope struct {
	UserID     int64
	PartnerIDs []int64 // partners whose tenant data is in reach
	OrgIDs     []int64 // organisations whose audit log is in reach
	SupplierID int64   // the supplier organisation acted for; 0 when none
	// MeasureOrgIDs are the organisations whose measure choices and local
	// measures may be read: a partner's and its shared service's.
	MeasureOrgIDs []int64
}

// HasPartner reports whether partner id is in scope.
func (s Scope) HasPartner(id int64) bool {
	return slices.Contains(s.PartnerIDs, id)
}
