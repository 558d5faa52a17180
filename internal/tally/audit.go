package tally

import "time"

// AuditEntry is a state change to append to an organisation's audit log.
type AuditEntry struct {
	OrgID   int64          // the organisation whose log it joins
	UserID  int64          // who did it; 0 for the system
	Action  string         // e.g. "tender.publish", "settings.update"
	Subject string         // what it was done to, e.g. "tender 12"
	Detail  map[string]any // extra facts; never passwords, tokens or offer contents
}

// AuditEvent is an entry as stored, with its place in the hash chain.
type AuditEvent struct {
	Seq       int64
	At        time.Time
	UserEmail string
	Action    string
	Subject   string
	Detail    string // JSON
	Hash      []byte
}
