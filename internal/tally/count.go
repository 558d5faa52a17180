package tally

import "strconv"

// Count is how many rows matched a list's filters, counted up to a limit
// so that a long list costs no more than a short one: More means the
// count stopped at N and more match.
type Count struct {
	N    int
	More bool
}

// Text says the count for people: "1 tender", "5,788 tenders", or
// "More than 1,000 tenders" when the count stopped.
func (c Count) Text(one, many string) string {
	n := groupThousands(strconv.Itoa(c.N))
	switch {
	case c.More:
		return "More than " + n + " " + many
	case c.N == 1:
		return "1 " + one
	}
	return n + " " + many
}

// Pages is how many pages of size rows the count fills, at least one; a
// count that stopped reaches one row into the next page.
func (c Count) Pages(size int) int {
	n := c.N
	if c.More {
		n++
	}
	return max(1, (n+size-1)/size)
}
