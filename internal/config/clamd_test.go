package config

import (
	"strings"
	"testing"
)

func TestClamdAddr(t *testing.T) {
	for _, tc := range []struct {
		value, want, err string
	}{
		{"", "", ""},
		{"unix:/var/run/clamav/clamd.ctl", "unix:/var/run/clamav/clamd.ctl", ""},
		{"tcp://127.0.0.1:3310", "tcp://127.0.0.1:3310", ""},
		{"127.0.0.1:3310", "", "CLAMD_ADDR"},
		{"unix:clamd.ctl", "", "CLAMD_ADDR"},
	} {
		env := map[string]string{"DATABASE_URL": "postgres://app@localhost/tally", "SECRET_KEY": testKey, "CLAMD_ADDR": tc.value}
		c, err := Load(func(k string) string { return env[k] })
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("CLAMD_ADDR=%q: %v", tc.value, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("CLAMD_ADDR=%q: error %v, want one naming %s", tc.value, err, tc.err)
		case tc.err == "" && c.ClamdAddr != tc.want:
			t.Errorf("CLAMD_ADDR=%q: %q", tc.value, c.ClamdAddr)
		}
	}
}
