package postgres

import "github.com/tally-sv/tally/internal/tally"

// The store's hottest queries, for the plan tests in package postgres_test.
const (
	DeliveredInYearSQL = deliveredInYearSQL
	LiveToDateSQL      = liveToDateSQL
	TendersInYearSQL   = tendersInYearSQL
	BiddersSQL         = biddersSQL
	LiveRatingsSQL     = liveRatingsSQL
)

// TenderListSQL is the count and the page Store.Tenders runs for f.
func TenderListSQL(scope tally.Scope, f TenderFilter) (count string, countArgs []any, page string, pageArgs []any) {
	q := tenderList(scope, f)
	return q.count, q.countArgs, q.page, q.pageArgs
}
