package mailtest

import (
	"testing"
	"time"
)

// Outcome is the reply a held DATA command gets when it is released.
type Outcome int

const (
	// Accept records the message and replies 250.
	Accept Outcome = iota
	// Reject replies 451 (a temporary failure) and records nothing.
	Reject
	// Drop closes the connection without a reply and records nothing: the
	// sender never learns whether the message went.
	Drop
)

// Hold is the next DATA command, held once its message has been read and
// before the server replies, so a test can stop the sender while it waits
// for the reply.
type Hold struct {
	arrived chan Message
	verdict chan Outcome
}

// HoldNext arms a hold on the next DATA command on any connection; the
// commands after it are not held. Arming again before a DATA arrives
// replaces the earlier hold. When the test ends, a held DATA is dropped.
func (s *Server) HoldNext() *Hold {
	h := &Hold{arrived: make(chan Message, 1), verdict: make(chan Outcome, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = h
	return h
}

// Arrived receives the held message once its DATA has been read.
func (h *Hold) Arrived() <-chan Message { return h.arrived }

// Wait waits for the held message to arrive and returns it, failing the
// test after timeout.
func (h *Hold) Wait(t testing.TB, timeout time.Duration) Message {
	t.Helper()
	select {
	case m := <-h.arrived:
		return m
	case <-time.After(timeout):
		t.Fatalf("mailtest: no DATA arrived within %s", timeout)
		return Message{}
	}
}

// Release replies to the held DATA with o, now or as soon as it arrives.
// Only the first call counts.
func (h *Hold) Release(o Outcome) {
	select {
	case h.verdict <- o:
	default:
	}
}

// wait hands m to the test and waits for its verdict; a server closing
// drops the connection.
func (h *Hold) wait(m Message, closed <-chan struct{}) Outcome {
	h.arrived <- m
	select {
	case o := <-h.verdict:
		return o
	case <-closed:
		return Drop
	}
}
