package scan

import "testing"

func TestNewClamdAddresses(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"tcp://127.0.0.1:3310":       "tcp://127.0.0.1:3310",
		"tcp://clamav.internal:3310": "tcp://clamav.internal:3310",
		"tcp://[::1]:3310":           "tcp://[::1]:3310",
		"unix:/run/clamav/clamd.ctl": "unix:/run/clamav/clamd.ctl",
		"unix:///run/clamd.sock":     "unix:/run/clamd.sock",
	}
	for in, want := range good {
		c, err := NewClamd(in)
		if err != nil || c.String() != want {
			t.Errorf("NewClamd(%q) = %v, %v; want %s", in, c, err, want)
		}
	}
	for _, in := range []string{"", "127.0.0.1:3310", "tcp://127.0.0.1", "tcp://:3310", "unix:", "unix:relative.sock", "/run/clamd.sock", "http://x:1"} {
		if c, err := NewClamd(in); err == nil {
			t.Errorf("NewClamd(%q) = %v; want an error", in, c)
		}
	}
}

// Only "stream: OK" is clean; anything clamd says that is not a verdict is
// an error.
func TestParseReply(t *testing.T) {
	t.Parallel()
	if v, err := parseReply("stream: OK"); err != nil || v.Infected {
		t.Errorf("OK: %+v, %v", v, err)
	}
	if v, err := parseReply("stream: Win.Test.EICAR_HDB-1 FOUND"); err != nil || !v.Infected || v.Signature != "Win.Test.EICAR_HDB-1" {
		t.Errorf("FOUND: %+v, %v", v, err)
	}
	for _, r := range []string{"", "OK", "stream: ", "INSTREAM size limit exceeded. ERROR", "stream: Can't allocate memory ERROR", "FOUND", "stream: OK FOUND ERROR", "UNKNOWN COMMAND"} {
		if v, err := parseReply(r); err == nil {
			t.Errorf("%q: %+v; want an error", r, v)
		}
	}
}
