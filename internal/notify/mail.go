package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/tally-sv/tally/internal/config"
)

// Message is a plain-text email.
type Message struct {
	// ID is the Message-ID without angle brackets, the same on every try
	// of one email so that a duplicate can be recognised; "" for a random
	// one.
	ID      string
	To      string
	Subject string
	Body    string
}

// Sender sends messages: the worker's email jobs use it.
type Sender interface {
	// Send delivers m. An error means m may be tried again: a Sender
	// reports success when the server accepted m even if the connection
	// then failed, so a retry never sends it twice.
	Send(ctx context.Context, m Message) error
}

// EmailBody is the text of an email about a notice: the notice's text,
// the address of the page it is about (url, "" for none) and why the email
// was sent.
func EmailBody(body, url, why, manage string) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(body, "\n"))
	b.WriteString("\n\n")
	if url != "" {
		b.WriteString(url + "\n\n")
	}
	if why != "" {
		b.WriteString("--\n" + why + "\n")
	}
	if manage != "" {
		b.WriteString(manage + "\n")
	}
	return b.String()
}

// NewSender is the Sender cfg asks for: SMTP when cfg.SMTPAddr is set,
// otherwise the log.
func NewSender(cfg config.Config, log *slog.Logger) Sender {
	if cfg.SMTPAddr == "" {
		return LogSender{Log: log}
	}
	return &SMTPSender{Addr: cfg.SMTPAddr, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.MailFrom, TLS: cfg.SMTPTLS}
}

// LogSender writes each message to the log instead of sending it. It is for
// development and demos: the body may carry a sign-in link.
type LogSender struct{ Log *slog.Logger }

// Send logs m.
func (s LogSender) Send(ctx context.Context, m Message) error {
	s.Log.InfoContext(ctx, "email (SMTP_ADDR is not set, so it was written here instead of sent)",
		"to", m.To, "subject", m.Subject, "body", m.Body, "message_id", m.ID)
	return nil
}

// SMTP security: how the connection to the server is encrypted.
const (
	TLSStartTLS = "starttls" // STARTTLS, required (the default)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // plain text: only for a relay on the same host
)

// SMTPSender sends through an SMTP server with go-mail.
type SMTPSender struct {
	Addr     string // host:port
	User     string // with Password: authenticate (PLAIN or LOGIN, as the server offers)
	Password string
	From     string // "Name <address>"
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	// TLSConfig verifies the server; nil verifies it against the system's
	// roots under its host name.
	TLSConfig *tls.Config
	// Timeout bounds each step of a send (connect, each command, the
	// message); the job's deadline bounds the whole. Default 30 seconds.
	Timeout time.Duration
}

// Send delivers m.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("mail: MAIL_FROM %q: %w", s.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	msg.Subject(oneLine.Replace(m.Subject))
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID)
	} else {
		msg.SetMessageID()
	}
	client, err := s.client(ctx)
	if err != nil {
		return err
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if err != nil && msg.IsDelivered() {
		// The server accepted the message; only the goodbye failed.
		// Sending it again would deliver it twice.
		return nil
	}
	var sendErr *mail.SendError
	if errors.As(err, &sendErr) && !sendErr.IsTemp() {
		// The server said no for good (no such mailbox, say): trying
		// again for hours changes nothing.
		return PermanentError{fmt.Errorf("mail: send to %s: %w", m.To, err)}
	}
	if err != nil {
		return fmt.Errorf("mail: send to %s: %w", m.To, err)
	}
	return nil
}

// PermanentError is a send the server refused for good: it is not tried
// again, and administrators see it at once.
type PermanentError struct{ Err error }

func (e PermanentError) Error() string { return e.Err.Error() }
func (e PermanentError) Unwrap() error { return e.Err }

// client is a go-mail client for one send, its timeout the shorter of
// s.Timeout and what is left of ctx (go-mail uses ctx only to connect).
func (s *SMTPSender) client(ctx context.Context) (*mail.Client, error) {
	host, portText, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP_ADDR %q: %w", s.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP_ADDR %q: bad port", s.Addr)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if d, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(d)), time.Second)
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(timeout)}
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	switch s.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL(), mail.WithTLSConfig(tlsConfig))
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTLSConfig(tlsConfig))
	}
	if s.User != "" {
		auth := mail.SMTPAuthAutoDiscover
		if s.TLS == TLSNone {
			// PLAIN and LOGIN refuse a plain connection unless asked.
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(s.User), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return c, nil
}

// oneLine keeps a header value on one line, so no text can add a header.
var oneLine = strings.NewReplacer("\r", " ", "\n", " ")

// Reason says in plain words why an email could not be sent, from the
// sender's error text, for administrators: the error itself names servers
// and addresses of Tally's own and is only logged.
func Reason(errText string) string {
	e := strings.ToLower(errText)
	switch {
	case strings.Contains(e, "starttls") || strings.Contains(e, "tls") || strings.Contains(e, "certificate"):
		return "Tally could not make an encrypted connection to the mail server. Ask whoever runs Tally to check its mail settings."
	case strings.Contains(e, "recipient") || strings.Contains(e, " 550") || strings.Contains(e, " 551") ||
		strings.Contains(e, " 553") || strings.Contains(e, "5.1."):
		return "The mail server refused the address. Check that it is right: the person may have left or mistyped it."
	case strings.Contains(e, " 552") || strings.Contains(e, "5.2."):
		return "The recipient's mailbox is full or refusing mail."
	case strings.Contains(e, "auth"):
		return "The mail server refused Tally's sign-in. Ask whoever runs Tally to check its mail settings."
	case strings.Contains(e, "dial") || strings.Contains(e, "connection refused") || strings.Contains(e, "timeout") ||
		strings.Contains(e, "deadline") || strings.Contains(e, " 421") || strings.Contains(e, "no such host"):
		return "Tally could not reach the mail server, or it was too busy to take the email."
	}
	return "The mail server did not accept the email."
}
