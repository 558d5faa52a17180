package notify

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"net"
	netmail "net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/tally-sv/tally/internal/config"
)

// Message is a plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
}

// Sender sends messages: LogSender or SMTPSender now; a job queue can take
// their place without the Notifier changing.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// NewSender is the Sender cfg asks for: SMTP when cfg.SMTPAddr is set,
// otherwise the log.
func NewSender(cfg config.Config, log *slog.Logger) Sender {
	if cfg.SMTPAddr == "" {
		return LogSender{Log: log}
	}
	return SMTPSender{Addr: cfg.SMTPAddr, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.MailFrom}
}

// LogSender writes each message to the log instead of sending it. It is for
// development and demos: the body may carry a sign-in link.
type LogSender struct{ Log *slog.Logger }

// Send logs m.
func (s LogSender) Send(ctx context.Context, m Message) error {
	s.Log.InfoContext(ctx, "email (SMTP_ADDR is not set, so it was written here instead of sent)",
		"to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// SMTPSender sends through an SMTP server with STARTTLS when offered.
type SMTPSender struct {
	Addr     string // host:port
	User     string
	Password string
	From     string // "Name <address>"
}

// Send delivers m.
func (s SMTPSender) Send(ctx context.Context, m Message) error {
	from, err := netmail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("mail: MAIL_FROM: %w", err)
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	var auth smtp.Auth
	if s.User != "" {
		host, _, _ := net.SplitHostPort(s.Addr)
		auth = smtp.PlainAuth("", s.User, s.Password, host)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from.String(), to.String(),
		mime.QEncoding.Encode("utf-8", oneLine.Replace(m.Subject)), time.Now().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	if err := smtp.SendMail(s.Addr, auth, from.Address, []string{to.Address}, []byte(b.String())); err != nil {
		return fmt.Errorf("mail: send to %s: %w", to.Address, err)
	}
	return nil
}

// oneLine keeps a header value on one line, so no text can add a header.
var oneLine = strings.NewReplacer("\r", " ", "\n", " ")
