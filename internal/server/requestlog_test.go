package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Each request's log line names the signed-in user and the organisation
// acted in, learnt after the line's middleware started.
func TestRequestLogNamesUserAndOrg(t *testing.T) {
	t.Parallel()
	ts := seededServer(t)
	c := signIn(t, ts, "director@star.example")
	get(t, c, ts.URL+"/o/star/dashboard")
	get(t, c, ts.URL+"/account")
	get(t, ts.client(t), ts.URL+"/login")
	director := userID(t, ts, "director@star.example")

	type line struct {
		Msg    string  `json:"msg"`
		Path   string  `json:"path"`
		UserID float64 `json:"user_id"`
		Org    *string `json:"org"`
	}
	seen := map[string]line{}
	for _, s := range strings.Split(ts.log.String(), "\n") {
		var l line
		if json.Unmarshal([]byte(s), &l) == nil && l.Msg == "request" {
			seen[l.Path] = l // the last request to each path
		}
	}
	for _, tt := range []struct {
		path string
		user int64
		org  string
	}{
		{"/o/star/dashboard", director, "star"},
		{"/account", director, ""},
		{"/login", 0, ""}, // signed out
	} {
		l, ok := seen[tt.path]
		if !ok || l.Org == nil {
			t.Errorf("%s: no request line with an org field in\n%s", tt.path, ts.log.String())
			continue
		}
		if int64(l.UserID) != tt.user || *l.Org != tt.org {
			t.Errorf("%s: user_id %v, org %q; want %d, %q", tt.path, l.UserID, *l.Org, tt.user, tt.org)
		}
	}
}
