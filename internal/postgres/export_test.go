package postgres

// The store's hottest queries, for the plan tests in package postgres_test.
const (
	DeliveredInYearSQL = deliveredInYearSQL
	LiveToDateSQL      = liveToDateSQL
	TendersInYearSQL   = tendersInYearSQL
	BiddersSQL         = biddersSQL
	LiveRatingsSQL     = liveRatingsSQL
)

// TenderListSQL is the count and the page Store.Tenders runs for f.
func TenderListSQL(f TenderFilter) (count string, countArgs []any, page string, pageArgs []any) {
	q := tenderList(f)
	return q.count, q.countArgs, q.page, q.pageArgs
}

// WithMembersOf is withMembersOf, for the row-level security tests.
var WithMembersOf = withMembersOf
