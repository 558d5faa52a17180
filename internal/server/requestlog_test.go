package server_test

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/tally-sv/tally/internal/config"
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

// Each request's log line names the client address as sign-in limits see
// it (the nearest untrusted hop behind a trusted proxy), and the
// organisation in the URL even when it was not resolved.
func TestRequestLogNamesClientAddress(t *testing.T) {
	t.Parallel()
	ts := seededServer(t, func(c *config.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	c := signIn(t, ts, "director@star.example")
	send(t, c, http.MethodGet, ts.URL+"/o/star/dashboard", nil, map[string]string{"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
	get(t, ts.client(t), ts.URL+"/o/trafford/contracts") // signed out: sent to sign in
	director := userID(t, ts, "director@star.example")

	type line struct {
		Msg    string  `json:"msg"`
		Path   string  `json:"path"`
		UserID float64 `json:"user_id"`
		Org    string  `json:"org"`
		Client *string `json:"client"`
	}
	seen := map[string]line{}
	for _, s := range strings.Split(ts.log.String(), "\n") {
		var l line
		if json.Unmarshal([]byte(s), &l) == nil && l.Msg == "request" {
			seen[l.Path] = l
		}
	}
	for _, tt := range []struct {
		path, client, org string
		user              int64
	}{
		{"/o/star/dashboard", "203.0.113.9", "star", director},
		{"/o/trafford/contracts", "127.0.0.1", "trafford", 0},
		{"/login", "127.0.0.1", "", 0},
	} {
		l, ok := seen[tt.path]
		if !ok || l.Client == nil {
			t.Errorf("%s: no request line with a client field in\n%s", tt.path, ts.log.String())
			continue
		}
		if *l.Client != tt.client || l.Org != tt.org || int64(l.UserID) != tt.user {
			t.Errorf("%s: client %q, org %q, user %v; want %q, %q, %d", tt.path, *l.Client, l.Org, l.UserID, tt.client, tt.org, tt.user)
		}
	}
}
