// Package export writes spreadsheets and CSV files for download, safe
// against formula injection by construction: every CSV cell passes through
// Neutralise, and workbook cells are stored as text or numbers, never as
// formulas, so no caller neutralises a cell itself. It also builds the
// tables that more than a page needs, such as an evaluation's record.
// Sending a file over HTTP (its headers and name) is internal/server's.
package export

// Table is a table of text for export as CSV or XLSX.
type Table struct {
	Name string // sheet name and file name stem
	Head []string
	Rows [][]string
}
