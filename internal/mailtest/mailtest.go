// Package mailtest runs a real SMTP server on loopback for tests, built on
// github.com/emersion/go-smtp, so code that sends email is tested against
// the protocol rather than a fake sender.
//
// It is test support that other packages' tests import, so it lives in
// ordinary (non-_test) files; it imports nothing of Tally's. A test starts a
// server with Start (or StartTLS), points its sender at Addr, and reads what
// arrived with Messages or WaitFor. SetDown, HoldNext and DropAfterData
// stage the failures a mail queue must survive: a server that refuses
// sessions, a sender killed while waiting for the DATA reply, and a
// connection lost after the server accepted a message.
package mailtest

import (
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is one SMTP server listening on 127.0.0.1. Its methods are safe for
// concurrent use. It accepts any sender and recipient, and no AUTH is needed.
type Server struct {
	smtp     *smtp.Server
	listener *listener
	tls      bool // STARTTLS offered and required before MAIL

	mu       sync.Mutex
	messages []Message
	changed  chan struct{}   // closed and replaced whenever messages grows
	hold     *Hold           // the next DATA to hold, if any
	drop     bool            // close the connection after accepting DATA
	unknown  map[string]bool // recipients refused with 550 (UnknownRecipient)
	closed   chan struct{}
}

// Start starts a plain SMTP server on 127.0.0.1 on a free port. It stops
// when the test ends, releasing any held DATA.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start(false)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	t.Cleanup(s.close)
	return s
}

// StartTLS starts a server that offers STARTTLS with a self-signed
// certificate for 127.0.0.1 and refuses MAIL (530) until the client has
// used it. The returned pool holds that certificate, for the client's
// tls.Config RootCAs (with ServerName "127.0.0.1").
func StartTLS(t testing.TB) (*Server, *x509.CertPool) {
	t.Helper()
	cert, pool, err := selfSigned()
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	s, err := start(true)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	s.smtp.TLSConfig = tlsConfig(cert)
	t.Cleanup(s.close)
	return s, pool
}

func start(tls bool) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{listener: &listener{Listener: l}, tls: tls, changed: make(chan struct{}), closed: make(chan struct{})}
	s.smtp = smtp.NewServer(backend{s})
	s.smtp.Domain = "localhost"
	s.smtp.ReadTimeout = 10 * time.Second
	s.smtp.WriteTimeout = 10 * time.Second
	s.smtp.MaxMessageBytes = 10 << 20
	s.smtp.ErrorLog = quietLog{} // dropped connections are what some tests are about
	go s.smtp.Serve(s.listener)
	return s, nil
}

func (s *Server) close() {
	s.mu.Lock()
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	s.mu.Unlock()
	s.smtp.Close()
}

// Addr is the server's "127.0.0.1:port".
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Host is the address the server listens on, "127.0.0.1".
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the port the server listens on.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Connections counts every TCP connection the server has accepted, those
// refused while down included: zero means nothing talked to it.
func (s *Server) Connections() int { return int(s.listener.count.Load()) }

// Messages returns a copy of the messages the server has accepted (replied
// 250 to DATA, or is about to), in the order they arrived.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until at least n messages have arrived and returns them all.
// It fails the test if they have not arrived within timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.messages), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("mailtest: %d message(s) arrived within %s, want %d", got, timeout, n)
			return nil
		}
	}
}

// SetDown makes the server refuse every new connection with a 421 greeting
// (down) or serve them again (up), on the same port. Sessions already
// open are not affected.
func (s *Server) SetDown(down bool) { s.listener.down.Store(down) }

// UnknownRecipient makes the server refuse address as a recipient from now
// on with 550 5.1.1, a permanent failure: there is no such mailbox.
func (s *Server) UnknownRecipient(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unknown == nil {
		s.unknown = map[string]bool{}
	}
	s.unknown[address] = true
}

// DropAfterData makes the server, from now on, close each connection just
// after replying 250 to DATA, before the client's RSET or QUIT: the message
// counts as accepted, and the client sees a broken connection.
func (s *Server) DropAfterData(drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = drop
}

func (s *Server) accept(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

// quietLog discards go-smtp's log of connection errors.
type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

// backend makes a session per connection.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

// session records one connection's envelope and message.
type session struct {
	s        *Server
	conn     *smtp.Conn
	from     string
	to       []string
	accepted bool // the last DATA was accepted: DropAfterData closes in Reset
}

var errNeedTLS = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if _, ok := ss.conn.TLSConnectionState(); ss.s.tls && !ok {
		return errNeedTLS
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	unknown := ss.s.unknown[to]
	ss.s.mu.Unlock()
	if unknown {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	ss.to = append(ss.to, to)
	return nil
}

// Data reads the whole message, then, if a hold is armed, waits for the
// test's verdict before go-smtp writes the reply.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	m := parse(ss.from, ss.to, raw, isTLS)

	ss.s.mu.Lock()
	h, drop := ss.s.hold, ss.s.drop
	ss.s.hold = nil
	ss.s.mu.Unlock()
	if h != nil {
		switch h.wait(m, ss.s.closed) {
		case Reject:
			return errRejected
		case Drop:
			ss.conn.Conn().Close()
			return errDropped
		}
	}
	ss.s.accept(m)
	ss.accepted = drop
	return nil
}

// Reset runs after every DATA reply has been written (and on RSET and a
// new EHLO); after an accepted DATA under DropAfterData it cuts the
// connection. It closes the net.Conn, not the smtp.Conn, whose lock go-smtp
// holds while calling Reset.
func (ss *session) Reset() {
	if ss.accepted {
		ss.accepted = false
		ss.conn.Conn().Close()
	}
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

var (
	errRejected = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Held message rejected by the test"}
	errDropped  = errors.New("mailtest: connection dropped by the test")
)
