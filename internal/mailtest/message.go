package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
)

// Message is one message the server accepted, with its envelope and the
// parts of its content a test asserts on, already decoded.
type Message struct {
	From      string      // envelope sender (MAIL FROM)
	To        []string    // envelope recipients (RCPT TO), in order
	Header    mail.Header // the message's headers, as sent
	Subject   string      // the Subject header, RFC 2047 words decoded
	Body      string      // the text/plain body (or the first text/plain part), transfer-decoded, with LF line ends
	HTML      string      // the first text/html part, if any, decoded likewise
	MessageID string      // the Message-ID header without its angle brackets
	TLS       bool        // the message came over a TLS connection (after STARTTLS)
	Raw       []byte      // the message exactly as sent in DATA
	Err       error       // why the content could not be parsed; the envelope and Raw are still set
}

// Links returns the http and https URLs in the text body, in order.
func (m Message) Links() []string { return linkRE.FindAllString(m.Body, -1) }

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// parse builds a Message from the envelope and the raw DATA.
func parse(from string, to []string, raw []byte, isTLS bool) Message {
	m := Message{From: from, To: append([]string(nil), to...), TLS: isTLS, Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.Err = err
		return m
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		m.Err = fmt.Errorf("subject: %w", err)
	}
	m.MessageID = strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")
	if err := m.readPart(msg.Header, msg.Body); err != nil && m.Err == nil {
		m.Err = err
	}
	return m
}

// partHeader is what readPart needs of a message's header (mail.Header) or
// a part's (textproto.MIMEHeader).
type partHeader interface{ Get(string) string }

// readPart fills Body and HTML from one entity, walking into multiparts.
func (m *Message) readPart(h partHeader, r io.Reader) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ct, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart() // raw: we decode the transfer encoding ourselves
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := m.readPart(p.Header, p); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	text, err := decode(h.Get("Content-Transfer-Encoding"), r)
	if err != nil {
		return err
	}
	switch {
	case mediaType == "text/plain" && m.Body == "":
		m.Body = text
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = text
	}
	return nil
}

// decode undoes a Content-Transfer-Encoding and turns CRLF into LF.
func decode(cte string, r io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // it skips the line breaks
	case "", "7bit", "8bit", "binary":
	default:
		return "", fmt.Errorf("unknown transfer encoding %q", cte)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("%s body: %w", cte, err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
