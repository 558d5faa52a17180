package tally

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		count Count
		text  string
		pages int
	}{
		{Count{}, "0 tenders", 1},
		{Count{N: 1}, "1 tender", 1},
		{Count{N: 50}, "50 tenders", 1},
		{Count{N: 51}, "51 tenders", 2},
		{Count{N: 5788}, "5,788 tenders", 116},
		{Count{N: 1000, More: true}, "More than 1,000 tenders", 21},
		{Count{N: 1050, More: true}, "More than 1,050 tenders", 22},
	} {
		if got := c.count.Text("tender", "tenders"); got != c.text {
			t.Errorf("%+v.Text() = %q, want %q", c.count, got, c.text)
		}
		if got := c.count.Pages(50); got != c.pages {
			t.Errorf("%+v.Pages(50) = %d, want %d", c.count, got, c.pages)
		}
	}
}
