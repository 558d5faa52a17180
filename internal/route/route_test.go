package route

import (
	"net/url"
	"testing"
)

func TestPath(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		args    []any
		want    string
	}{
		{"/o/{org}", []any{"stockport"}, "/o/stockport"},
		{"/o/{org}/tenders/{tender}/publish", []any{"stockport", int64(12)}, "/o/stockport/tenders/12/publish"},
		{"/o/{org}/users/{user}", []any{"star", 7}, "/o/star/users/7"},
		{"/o/{org}/dashboard/{table}.{format}", []any{"star", "themes", "csv"}, "/o/star/dashboard/themes.csv"},
		{"/account", nil, "/account"},
		// Escaping: a parameter cannot add a segment, a query or a fragment.
		{"/o/{org}/suppliers/{supplier}", []any{"a/b", "x?y#z"}, "/o/a%2Fb/suppliers/x%3Fy%23z"},
		{"/o/{org}", []any{"../admin"}, "/o/..%2Fadmin"},
		{"/o/{org}", []any{"café bar"}, "/o/caf%C3%A9%20bar"},
		{"/o/{org}/tenders/{tender}", []any{"s", int64(-1)}, "/o/s/tenders/-1"},
	} {
		if got := Path(tc.pattern, tc.args...); got != tc.want {
			t.Errorf("Path(%q, %v) = %q, want %q", tc.pattern, tc.args, got, tc.want)
		}
	}
}

func TestPathPanicsOnAMismatch(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		args    []any
	}{
		{"/o/{org}", nil},
		{"/o/{org}", []any{"a", "b"}},
		{"/account", []any{"a"}},
		{"/o/{org}", []any{3.5}},
		{"/o/{org", []any{"a"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Path(%q, %v) did not panic", tc.pattern, tc.args)
				}
			}()
			Path(tc.pattern, tc.args...)
		}()
	}
}

func TestWithQuery(t *testing.T) {
	if got := WithQuery("/o/a/users", nil); got != "/o/a/users" {
		t.Errorf("no query: %q", got)
	}
	got := WithQuery("/o/a/users", url.Values{"invite": {"a+b@x.example"}})
	if want := "/o/a/users?invite=a%2Bb%40x.example"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
