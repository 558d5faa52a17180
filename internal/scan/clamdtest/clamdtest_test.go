package clamdtest

import (
	"errors"
	"net"
	"strings"
	"testing"
)

// A taken TCP port is noticed at start, and New tries another.
func TestTakenTCPPortIsNoticed(t *testing.T) {
	t.Parallel()
	s := New(t)
	s.Stop()
	l, err := net.Listen("tcp", s.TCPAddr()[len("tcp://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s.mu.Lock()
	err = s.startLocked()
	s.mu.Unlock()
	if !errors.Is(err, errPortTaken) {
		t.Fatalf("start on a taken port: %v; want errPortTaken; log %s", err, s.log())
	}
	t.Log(err.Error()[:min(len(err.Error()), 200)])
	l.Close()
	s.Start()
	if !strings.HasPrefix(s.Addr(), "unix:/") {
		t.Errorf("Addr = %q", s.Addr())
	}
}
