package config

import (
	"strings"
	"testing"
)

// DB_MAX_CONNS is read as a positive number within the pool's range: a huge
// one is refused rather than wrapped into a small or negative pool.
func TestDBMaxConns(t *testing.T) {
	for _, c := range []struct {
		value   string
		want    int32
		problem string
	}{
		{"", 8, ""},
		{"16", 16, ""},
		{"10000", 10000, ""},
		{"10001", 0, "DB_MAX_CONNS: want at most 10000"},
		{"4294967304", 0, "DB_MAX_CONNS: want at most 10000"},
		{"0", 0, "DB_MAX_CONNS: want a positive whole number"},
		{"many", 0, "DB_MAX_CONNS: want a positive whole number"},
	} {
		env := map[string]string{"DATABASE_URL": "postgres://app@db/tally", "SECRET_KEY": testKey, "DB_MAX_CONNS": c.value}
		cfg, err := Load(func(k string) string { return env[k] })
		if c.problem == "" {
			if err != nil || cfg.DBMaxConns != c.want {
				t.Errorf("DB_MAX_CONNS=%q: %d, %v; want %d", c.value, cfg.DBMaxConns, err, c.want)
			}
		} else if err == nil || !strings.Contains(err.Error(), c.problem) {
			t.Errorf("DB_MAX_CONNS=%q: %v; want %q", c.value, err, c.problem)
		}
	}
}
