package server

import (
	"bytes"
	"net/http"

	"github.com/tally-sv/tally/internal/export"
	"github.com/tally-sv/tally/internal/tally"
)

// writeCSV sends t as a CSV download; export.WriteCSV protects every cell
// against formula injection.
func writeCSV(w http.ResponseWriter, t export.Table) error {
	var buf bytes.Buffer
	if err := export.WriteCSV(&buf, t); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", attachment(t.Name+".csv"))
	_, err := buf.WriteTo(w)
	return err
}

// writeXLSX sends t as an Excel download, built before anything is sent so
// that a failure is still an error page.
func writeXLSX(w http.ResponseWriter, t export.Table) error {
	var buf bytes.Buffer
	if err := export.WriteXLSX(&buf, t); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment(t.Name+".xlsx"))
	_, err := buf.WriteTo(w)
	return err
}

// handleEvaluationExport downloads the evaluation record as CSV or XLSX.
func (s *Server) handleEvaluationExport(format string) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, a tally.Access) error {
		via := tally.OpenedAsCSV
		if format == "xlsx" {
			via = tally.OpenedAsXLSX
		}
		e, err := s.evaluationOf(r, a, via)
		if err != nil {
			return err
		}
		if format == "xlsx" {
			return writeXLSX(w, export.EvaluationRecord(e))
		}
		return writeCSV(w, export.EvaluationRecord(e))
	}
}
