package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// plain is a message as go-mail writes one: a Q-encoded subject and a
// quoted-printable body with a soft line break.
const plain = "From: Tally <no-reply@tally.test>\r\n" +
	"To: ada@example.com\r\n" +
	"Subject: =?UTF-8?q?R=C3=A9sultat_de_l'appel?=\r\n" +
	"Message-ID: <tally-42@tally.test>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Caf=C3=A9 results are in. Open https://tally.test/register/confirm/abc=\r\n" +
	"def to finish.\r\n" +
	"Second line.\r\n"

// send delivers raw from from to to over one SMTP session, using STARTTLS
// when pool is not nil, and returns the first error.
func send(addr string, pool *x509.CertPool, raw string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if pool != nil {
		if err := c.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}); err != nil {
			return err
		}
	}
	if err := c.Mail("no-reply@tally.test"); err != nil {
		return err
	}
	if err := c.Rcpt("ada@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestServerRecordsDecodedMessage(t *testing.T) {
	srv := Start(t)
	if srv.Connections() != 0 || len(srv.Messages()) != 0 {
		t.Fatal("a fresh server has traffic")
	}
	if err := send(srv.Addr(), nil, plain); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(t, 1, time.Second)
	m := msgs[0]
	if m.Err != nil {
		t.Fatal(m.Err)
	}
	if m.From != "no-reply@tally.test" || len(m.To) != 1 || m.To[0] != "ada@example.com" {
		t.Errorf("envelope = %q → %q", m.From, m.To)
	}
	if m.Subject != "Résultat de l'appel" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if want := "Café results are in. Open https://tally.test/register/confirm/abcdef to finish.\nSecond line.\n"; m.Body != want {
		t.Errorf("Body = %q, want %q", m.Body, want)
	}
	if m.MessageID != "tally-42@tally.test" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if links := m.Links(); len(links) != 1 || links[0] != "https://tally.test/register/confirm/abcdef" {
		t.Errorf("Links = %q", links)
	}
	if m.TLS || !strings.HasPrefix(string(m.Raw), "From: Tally") {
		t.Errorf("TLS = %v, Raw starts %q", m.TLS, m.Raw[:10])
	}
	if srv.Connections() != 1 {
		t.Errorf("Connections = %d, want 1", srv.Connections())
	}
}

func TestStartTLSIsRequired(t *testing.T) {
	srv, pool := StartTLS(t)
	if err := send(srv.Addr(), nil, plain); code(err) != 530 {
		t.Errorf("MAIL without STARTTLS: %v, want 530", err)
	}
	if err := send(srv.Addr(), pool, plain); err != nil {
		t.Fatal(err)
	}
	if m := srv.WaitFor(t, 1, time.Second)[0]; !m.TLS {
		t.Error("message over STARTTLS has TLS false")
	}
	if err := send(srv.Addr(), x509.NewCertPool(), plain); err == nil {
		t.Error("a client that does not trust the certificate delivered")
	}
}

func TestSetDownRefusesThenServesOnTheSamePort(t *testing.T) {
	srv := Start(t)
	srv.SetDown(true)
	if err := send(srv.Addr(), nil, plain); code(err) != 421 {
		t.Errorf("send while down: %v, want 421", err)
	}
	srv.SetDown(false)
	if err := send(srv.Addr(), nil, plain); err != nil {
		t.Fatalf("send once up again: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	if srv.Connections() != 2 {
		t.Errorf("Connections = %d, want 2 (the refused one counts)", srv.Connections())
	}
}

func TestHoldNext(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outcome Outcome
		code    int // of the sender's error; 0 is none, -1 any non-SMTP error
		kept    int
	}{
		{"accept", Accept, 0, 1},
		{"reject", Reject, 451, 0},
		{"drop", Drop, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := Start(t)
			h := srv.HoldNext()
			done := make(chan error, 1)
			go func() { done <- send(srv.Addr(), nil, plain) }()
			if m := h.Wait(t, 5*time.Second); m.Subject != "Résultat de l'appel" {
				t.Errorf("held Subject = %q", m.Subject)
			}
			select {
			case err := <-done:
				t.Fatalf("the sender finished while held: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			if n := len(srv.Messages()); n != 0 {
				t.Fatalf("%d messages recorded while held", n)
			}
			h.Release(tc.outcome)
			err := <-done
			switch {
			case tc.code == 0 && err != nil:
				t.Errorf("send: %v", err)
			case tc.code == -1 && (err == nil || code(err) != 0):
				t.Errorf("send: %v, want a broken connection", err)
			case tc.code > 0 && code(err) != tc.code:
				t.Errorf("send: %v, want %d", err, tc.code)
			}
			if n := len(srv.Messages()); n != tc.kept {
				t.Errorf("%d messages, want %d", n, tc.kept)
			}
			// Only the next DATA is held.
			if err := send(srv.Addr(), nil, plain); err != nil {
				t.Errorf("send after the hold: %v", err)
			}
		})
	}
}

func TestDropAfterDataAcceptsThenCuts(t *testing.T) {
	srv := Start(t)
	srv.DropAfterData(true)
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("no-reply@tally.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("ada@example.com"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(plain))
	if err := w.Close(); err != nil {
		t.Fatalf("DATA reply: %v, want 250", err)
	}
	if err := c.Quit(); err == nil {
		t.Error("QUIT after DropAfterData succeeded")
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1 (accepted before the drop)", n)
	}
	srv.DropAfterData(false)
	if err := send(srv.Addr(), nil, plain); err != nil {
		t.Errorf("send after DropAfterData(false): %v", err)
	}
}

func TestWaitForWaits(t *testing.T) {
	srv := Start(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		send(srv.Addr(), nil, plain)
		send(srv.Addr(), nil, plain)
	}()
	if n := len(srv.WaitFor(t, 2, 5*time.Second)); n != 2 {
		t.Errorf("WaitFor returned %d messages", n)
	}
}

func TestParseMultipartBase64(t *testing.T) {
	raw := "Subject: plain ascii\r\n" +
		"Message-Id: <m1@x>\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b1\"\r\n" +
		"\r\n" +
		"--b1\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"SGVsbG8s\r\nIHdvcmxk\r\n" +
		"--b1\r\n" +
		"Content-Type: text/html; charset=UTF-8\r\n" +
		"\r\n" +
		"<p>Hello</p>\r\n" +
		"--b1--\r\n"
	m := parse("a@x", []string{"b@x"}, []byte(raw), false)
	if m.Err != nil {
		t.Fatal(m.Err)
	}
	if m.Body != "Hello, world" || m.HTML != "<p>Hello</p>" || m.Subject != "plain ascii" || m.MessageID != "m1@x" {
		t.Errorf("parsed %+v", m)
	}
	if bad := parse("a@x", nil, []byte("no header break"), false); bad.Err == nil || string(bad.Raw) != "no header break" {
		t.Errorf("unparsable message: Err %v, Raw %q", bad.Err, bad.Raw)
	}
}
