// Package config reads Tally's configuration from environment variables.
// The README has the table; keep the two in step.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/scan"
	"github.com/tally-sv/tally/internal/secretbox"
)

// Config is everything the server needs to start.
type Config struct {
	Addr            string         // ADDR: listen address
	DatabaseURL     string         // DATABASE_URL: the app role (owns nothing, no BYPASSRLS)
	MigrateURL      string         // MIGRATE_DATABASE_URL: the owner role, for migrations
	BaseURL         string         // BASE_URL: public address, for links in emails
	SecureCookies   bool           // COOKIE_SECURE: __Host- cookie with Secure, and HSTS
	TrustedProxies  []netip.Prefix // TRUSTED_PROXIES: whose X-Forwarded-For to believe
	SMTPAddr        string         // SMTP_ADDR: host:port; empty writes emails to the log
	SMTPUser        string         // SMTP_USER
	SMTPPassword    string         // SMTP_PASSWORD
	SMTPTLS         string         // SMTP_TLS: starttls (required, the default), tls (implicit, port 465) or none
	MailFrom        string         // MAIL_FROM
	Workers         int            // WORKERS: jobs this process works at once; 0: `tally serve` works none
	DBMaxConns      int32          // DB_MAX_CONNS
	SessionIdle     time.Duration  // SESSION_IDLE_TIMEOUT
	SessionLifetime time.Duration  // SESSION_LIFETIME
	ShutdownTimeout time.Duration  // SHUTDOWN_TIMEOUT
	DrainDelay      time.Duration  // DRAIN_DELAY: /readyz fails this long before shutdown starts
	LogLevel        string         // LOG_LEVEL: debug, info, warn, error
	DebugAddr       string         // DEBUG_ADDR: where to serve /debug/pprof/ (empty: nowhere)
	Files           Files          // FILES_DIR, S3_*: where evidence files are kept
	MetricsAddr     string         // METRICS_ADDR: where to serve Prometheus /metrics (empty: nowhere)
	ClamdAddr       string         // CLAMD_ADDR: clamd's tcp://host:port or unix:/path; empty: no malware scanning
	SecretKey       []byte         // SECRET_KEY: 32 bytes in base64, sealing client secrets and TOTP keys (secretbox)
}

// maxDBConns bounds DB_MAX_CONNS: far above any PostgreSQL's
// max_connections, and well inside the pool's int32.
const maxDBConns = 10_000

// Load reads the configuration through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:         or(getenv("ADDR"), ":8080"),
		DatabaseURL:  getenv("DATABASE_URL"),
		MigrateURL:   getenv("MIGRATE_DATABASE_URL"),
		BaseURL:      strings.TrimRight(or(getenv("BASE_URL"), "http://localhost:8080"), "/"),
		SMTPAddr:     getenv("SMTP_ADDR"),
		SMTPUser:     getenv("SMTP_USER"),
		SMTPPassword: getenv("SMTP_PASSWORD"),
		SMTPTLS:      or(getenv("SMTP_TLS"), "starttls"),
		MailFrom:     or(getenv("MAIL_FROM"), "Tally <no-reply@tally.localhost>"),
		LogLevel:     or(getenv("LOG_LEVEL"), "info"),
		DebugAddr:    getenv("DEBUG_ADDR"),
		MetricsAddr:  getenv("METRICS_ADDR"),
		ClamdAddr:    getenv("CLAMD_ADDR"),
	}
	var errs []error
	var err error
	if c.Files, err = LoadFiles(getenv); err != nil {
		errs = append(errs, err)
	}
	c.SecureCookies = boolean(getenv, "COOKIE_SECURE", strings.HasPrefix(c.BaseURL, "https://"), &errs)
	// Bounded before the conversion: a larger number would wrap around
	// int32 into a small or negative pool size.
	switch n := integer(getenv, "DB_MAX_CONNS", 8, &errs); {
	case n > maxDBConns:
		errs = append(errs, fmt.Errorf("DB_MAX_CONNS: want at most %d, got %d", maxDBConns, n))
	case n > 0:
		c.DBMaxConns = int32(n)
	}
	c.Workers = 4
	if s := getenv("WORKERS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			errs = append(errs, fmt.Errorf("WORKERS: want 0 or a positive whole number, got %q", s))
		}
		c.Workers = v
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("SMTP_TLS: %q is not starttls, tls or none", c.SMTPTLS))
	}
	c.SessionIdle = duration(getenv, "SESSION_IDLE_TIMEOUT", 30*time.Minute, &errs)
	c.SessionLifetime = duration(getenv, "SESSION_LIFETIME", 12*time.Hour, &errs)
	c.ShutdownTimeout = duration(getenv, "SHUTDOWN_TIMEOUT", 20*time.Second, &errs)
	c.DrainDelay = duration(getenv, "DRAIN_DELAY", 0, &errs)
	for _, s := range strings.FieldsFunc(getenv("TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %q is not an address or CIDR prefix", s))
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if c.ClamdAddr != "" {
		if _, err := scan.NewClamd(c.ClamdAddr); err != nil {
			errs = append(errs, fmt.Errorf("CLAMD_ADDR: %w", err))
		}
	}
	if k := getenv("SECRET_KEY"); k == "" {
		errs = append(errs, errors.New("SECRET_KEY is required (32 random bytes in base64: openssl rand -base64 32)"))
	} else if c.SecretKey, err = secretbox.ParseKey(k); err != nil {
		errs = append(errs, fmt.Errorf("SECRET_KEY: %w", err))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is required (the app role's connection string)"))
	}
	return c, errors.Join(errs...)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func boolean(getenv func(string) string, name string, def bool, errs *[]error) bool {
	s := getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: want true or false, got %q", name, s))
	}
	return v
}

func integer(getenv func(string) string, name string, def int, errs *[]error) int {
	s := getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		*errs = append(*errs, fmt.Errorf("%s: want a positive whole number, got %q", name, s))
	}
	return v
}

func duration(getenv func(string) string, name string, def time.Duration, errs *[]error) time.Duration {
	s := getenv(name)
	if s == "" {
		return def
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		*errs = append(*errs, fmt.Errorf("%s: want a duration like 30m or 12h, got %q", name, s))
	}
	return v
}
