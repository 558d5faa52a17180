package config

import (
	"strings"
	"testing"
)

// testKey is a valid SECRET_KEY for tests of other settings.
const testKey = "dGFsbHktdGVzdC1zZWNyZXQta2V5LTMyLWJ5dGVzISE="

func TestSecretKey(t *testing.T) {
	for _, c := range []struct{ value, problem string }{
		{testKey, ""},
		{"", "SECRET_KEY is required"},
		{"c2hvcnQ=", "SECRET_KEY: want 32 bytes"},
		{"not base64!", "SECRET_KEY: want a key in base64"},
	} {
		env := map[string]string{"DATABASE_URL": "postgres://app@db/tally", "SECRET_KEY": c.value}
		cfg, err := Load(func(k string) string { return env[k] })
		if c.problem == "" {
			if err != nil || string(cfg.SecretKey) != "tally-test-secret-key-32-bytes!!" {
				t.Errorf("SECRET_KEY=%q: %q, %v", c.value, cfg.SecretKey, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("SECRET_KEY=%q: %v; want %q", c.value, err, c.problem)
		}
	}
}
