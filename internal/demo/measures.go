package demo

import (
	"bytes"
	"context"
	_ "embed"

	"github.com/tally-sv/tally/internal/measurecsv"
	"github.com/tally-sv/tally/internal/postgres"
	"github.com/tally-sv/tally/internal/tally"
)

// EditionCSV is the Open Demo Measures 2026 edition: our own illustrative
// measures, not taken from any licensed framework.
//
//go:embed open-demo-measures-2026.csv
var EditionCSV []byte

// CovidPlugin is the demo edition's COVID-19 recovery plug-in.
const CovidPlugin = "COVID-19 recovery"

// loadMeasures imports the demo edition through the same importer as
// everyone else's, and lets the shared service's buyers use it with the
// COVID-19 plug-in.
func loadMeasures(ctx context.Context, store *postgres.Store, w *world) error {
	ed, err := measurecsv.Parse(bytes.NewReader(EditionCSV))
	if err != nil {
		return err
	}
	id, err := store.ImportEdition(ctx, tally.Scope{Roles: []tally.Role{tally.RoleAdmin}}, 0, ed, true)
	if err != nil {
		return err
	}
	admin := w.users["admin@star.example"]
	scope := tally.Scope{UserID: admin.ID, OrgIDs: []int64{w.star.ID}, MeasureOrgIDs: []int64{w.star.ID},
		Roles: []tally.Role{tally.RoleAdmin}}
	if err := store.ChooseEdition(ctx, scope, w.star.ID, id, true, []string{CovidPlugin}); err != nil {
		return err
	}
	w.edition = id
	w.measures, err = store.Measures(ctx, id, postgres.MeasureFilter{})
	return err
}
