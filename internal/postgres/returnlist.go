package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/tally"
)

// ReturnNotStarted is the status filter for ended periods with no return.
const ReturnNotStarted tally.ReturnStatus = "not_started"

// ReturnFilter narrows and orders the returns list.
type ReturnFilter struct {
	Query   string             // in the contract's reference or title
	Status  tally.ReturnStatus // "" for any; ReturnNotStarted for none yet
	Overdue bool               // only periods due before AsOf and not submitted
	AsOf    time.Time
	Sort    string // "due" (default), "contract", "party", "status"
	Desc    bool
	Limit   int
	Offset  int
}

// ReturnRow is one reporting period in the returns list, with its return
// if one was started.
type ReturnRow struct {
	ContractID int64
	Contract   string
	Reference  string
	Partner    string
	Supplier   string
	Period     int
	End        time.Time // exclusive
	Due        time.Time
	ReturnID   int64              // 0 when not started
	Status     tally.ReturnStatus // "" when not started
	Overdue    bool
}

// returnSorts are the list's orders, each ending in a unique key so pages
// never overlap.
var returnSorts = map[string]string{
	"due":      "t.due %s, c.reference, t.period",
	"contract": "c.reference %s, t.period DESC",
	"party":    "party %s, t.due DESC, c.reference, t.period",
	"status":   "coalesce(r.status, '') %s, t.due DESC, c.reference, t.period",
}

// ReturnList lists the ended reporting periods of contracts in scope, with
// their returns, filtered, ordered and a page at a time, and how many match
// (counted up to countLimit, or the page if further). For staff the party
// is the supplier; for a supplier, the council.
func (s *Store) ReturnList(ctx context.Context, scope tally.Scope, f ReturnFilter) (_ []ReturnRow, _ tally.Count, err error) {
	defer derrors.Wrap(&err, "Store.ReturnList()")
	var list []ReturnRow
	var total tally.Count
	args := []any{f.AsOf}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	party := "s.name"
	where := " WHERE t.period_end <= $1::date"
	if scope.SupplierID != 0 {
		party = "p.name"
		where += " AND t.supplier_id = " + arg(scope.SupplierID)
	} else {
		where += " AND t.partner_id = ANY (" + arg(scope.PartnerIDs) + ")"
	}
	if f.Query != "" {
		q := arg(f.Query)
		where += " AND (strpos(lower(c.reference), lower(" + q + ")) > 0 OR strpos(lower(c.title), lower(" + q + ")) > 0)"
	}
	switch {
	case f.Status == ReturnNotStarted:
		where += " AND r.id IS NULL"
	case f.Status != "":
		where += " AND r.status = " + arg(string(f.Status))
	}
	if f.Overdue {
		where += " AND NOT t.submitted AND t.due < $1::date"
	}
	from := `
		FROM contract_periods t
		JOIN contracts c ON c.partner_id = t.partner_id AND c.id = t.contract_id
		JOIN organisations p ON p.id = t.partner_id JOIN organisations s ON s.id = t.supplier_id
		LEFT JOIN returns r ON r.partner_id = t.partner_id AND r.contract_id = t.contract_id AND r.period = t.period`
	order, ok := returnSorts[f.Sort]
	if !ok {
		order = returnSorts["due"]
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	upTo := max(countLimit, f.Offset+f.Limit)
	countSQL := `SELECT count(*) FROM (SELECT 1` + from + where + ` LIMIT ` + strconv.Itoa(upTo+1) + `) x`
	pageSQL := `SELECT t.contract_id, c.title, c.reference, p.name, s.name, t.period, t.period_end, t.due,
		       coalesce(r.id, 0), coalesce(r.status, ''), NOT t.submitted AND t.due < $1::date, ` + party + ` AS party` +
		from + where + ` ORDER BY ` + strings.Replace(order, "%s", dir, 1) + ` LIMIT ` + strconv.Itoa(max(f.Limit, 1)) + ` OFFSET ` + strconv.Itoa(max(f.Offset, 0))
	err = s.InTx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, countSQL, args...).Scan(&total.N); err != nil {
			return err
		}
		if total.N > upTo {
			total = tally.Count{N: upTo, More: true}
		}
		rows, err := tx.Query(ctx, pageSQL, args...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ReturnRow, error) {
			var r ReturnRow
			var status, party string
			err := row.Scan(&r.ContractID, &r.Contract, &r.Reference, &r.Partner, &r.Supplier, &r.Period, &r.End, &r.Due,
				&r.ReturnID, &status, &r.Overdue, &party)
			r.Status = tally.ReturnStatus(status)
			return r, err
		})
		return err
	})
	return list, total, translate(err)
}
