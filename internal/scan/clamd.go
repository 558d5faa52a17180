package scan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Defaults for a Clamd whose fields are left at zero.
const (
	// DefaultTimeout bounds one whole scan when the caller's context has no
	// earlier deadline. clamd gives up on one file after 120 s by default
	// (MaxScanTime), so this is the same.
	DefaultTimeout = 2 * time.Minute
	// DefaultDialTimeout bounds connecting, so a scanner that is down or
	// unreachable answers quickly whatever the scan's deadline.
	DefaultDialTimeout = 5 * time.Second
)

// chunkSize is how much of the file goes to clamd in one INSTREAM chunk:
// memory per scan stays this small whatever the file's size.
const chunkSize = 32 << 10

// maxReply bounds how much of clamd's reply is read; a real reply is one
// short line.
const maxReply = 4 << 10

// Clamd is a Scanner that sends files to a running clamd (ClamAV's daemon)
// with the INSTREAM command, over TCP or a unix socket. It is safe for
// concurrent use: each Scan opens its own connection. Set the fields
// before the first use.
type Clamd struct {
	network, address string

	// Timeout bounds one Scan or Ping when ctx has no earlier deadline;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// DialTimeout bounds connecting to clamd; zero means DefaultDialTimeout.
	DialTimeout time.Duration
}

// NewClamd returns a Clamd for clamd listening at addr, which is
// "tcp://host:port" (clamd's TCPSocket and TCPAddr) or "unix:/path/to/socket"
// (its LocalSocket; "unix:///path" is the same). It only checks the address:
// it does not connect, so clamd may start later; use Ping to check it.
func NewClamd(addr string) (*Clamd, error) {
	if rest, ok := strings.CutPrefix(addr, "tcp://"); ok {
		host, port, err := net.SplitHostPort(rest)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("clamd address %q: want tcp://host:port", addr)
		}
		return &Clamd{network: "tcp", address: rest}, nil
	}
	if rest, ok := strings.CutPrefix(addr, "unix:"); ok {
		path := "/" + strings.TrimLeft(rest, "/")
		if path == "/" || !strings.HasPrefix(rest, "/") {
			return nil, fmt.Errorf("clamd address %q: want unix:/absolute/path/to/socket", addr)
		}
		return &Clamd{network: "unix", address: path}, nil
	}
	return nil, fmt.Errorf("clamd address %q: want tcp://host:port or unix:/path/to/socket", addr)
}

// String returns the address in the form NewClamd takes.
func (c *Clamd) String() string {
	if c.network == "unix" {
		return "unix:" + c.address
	}
	return "tcp://" + c.address
}

// Ping checks that clamd is up and answering. It returns nil only when
// clamd replied PONG.
func (c *Clamd) Ping(ctx context.Context) error {
	conn, stop, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer stop()
	if _, err := conn.Write([]byte("zPING\x00")); err != nil {
		return c.fail(ctx, "ping", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return c.fail(ctx, "ping", err)
	}
	if reply != "PONG" {
		return fmt.Errorf("clamd at %s: ping: unexpected reply %q", c, reply)
	}
	return nil
}

// Scan sends r to clamd in chunks until r ends and returns clamd's verdict.
// It returns an error, never a clean verdict, when the file could not be
// checked: clamd cannot be reached, ctx ends or the timeout passes, reading
// r fails, the file is larger than clamd's StreamMaxLength, or clamd
// answers with an error.
func (c *Clamd) Scan(ctx context.Context, r io.Reader) (Verdict, error) {
	conn, stop, err := c.dial(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer stop()
	if err := c.send(ctx, conn, r); err != nil {
		var fe fileError
		if errors.As(err, &fe) {
			return Verdict{}, fmt.Errorf("clamd at %s: scan: reading the file: %w", c, fe.err)
		}
		// clamd closes the connection when it refuses the stream (over its
		// size limit), so a failed write may have a reply waiting that says
		// why; read it, briefly, to report the real cause.
		if ctx.Err() == nil {
			_ = conn.SetReadDeadline(time.Now().Add(time.Second))
			if reply, rerr := readReply(conn); rerr == nil && reply != "" {
				// Malware found in what was sent is malware whatever the
				// rest holds; any other answer to a cut-off stream is not
				// a verdict.
				if v, perr := parseReply(reply); perr == nil && v.Infected {
					return v, nil
				}
				return Verdict{}, fmt.Errorf("clamd at %s: scan: %s (%w)", c, reply, err)
			}
		}
		return Verdict{}, c.fail(ctx, "scan", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return Verdict{}, c.fail(ctx, "scan", err)
	}
	return parseReply(reply)
}

// send writes the INSTREAM command, r in length-prefixed chunks, and the
// zero-length chunk that ends the stream. It stops when ctx ends, between
// reads of r: a read that blocks is the caller's to bound.
func (c *Clamd) send(ctx context.Context, conn net.Conn, r io.Reader) error {
	if _, err := conn.Write([]byte("zINSTREAM\x00")); err != nil {
		return err
	}
	buf := make([]byte, 4+chunkSize)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf[:4], uint32(n)) // #nosec G115 -- n <= chunkSize
			if _, werr := conn.Write(buf[:4+n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			// The file itself could not be read: say so, and never let the
			// part sent so far be judged as the whole file.
			return fileError{err}
		}
	}
	_, err := conn.Write([]byte{0, 0, 0, 0})
	return err
}

// fileError is a failure to read the file being scanned, not to talk to
// clamd.
type fileError struct{ err error }

func (e fileError) Error() string { return e.err.Error() }

// parseReply turns clamd's answer to INSTREAM into a verdict: "stream: OK",
// "stream: <signature> FOUND", or anything else (ending "ERROR") as an error.
func parseReply(reply string) (Verdict, error) {
	body, ok := strings.CutPrefix(reply, "stream: ")
	switch {
	case ok && body == "OK":
		return Verdict{}, nil
	case ok && strings.HasSuffix(body, " FOUND") && len(body) > len(" FOUND"):
		return Verdict{Infected: true, Signature: strings.TrimSuffix(body, " FOUND")}, nil
	}
	return Verdict{}, fmt.Errorf("clamd could not scan the file: %q", reply)
}

// dial connects to clamd and ties the connection to ctx: its deadline (or
// the default timeout) becomes the connection's, and cancelling ctx
// unblocks any read or write. stop releases both.
func (c *Clamd) dial(ctx context.Context) (net.Conn, func(), error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	dialTimeout := c.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = DefaultDialTimeout
	}
	conn, err := (&net.Dialer{Timeout: dialTimeout}).DialContext(ctx, c.network, c.address)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("clamd at %s: cannot connect: %w", c, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	// A deadline in the past fails blocked reads and writes at once.
	unwatch := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return conn, func() {
		unwatch()
		cancel()
		_ = conn.Close()
	}, nil
}

// fail explains an I/O error, preferring the context's reason when the
// context is what ended the exchange.
func (c *Clamd) fail(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("clamd at %s: %s: %w (%w)", c, op, ctx.Err(), err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// The connection's deadline is the context's (or the Timeout's),
		// and may pass a moment before the context says so.
		return fmt.Errorf("clamd at %s: %s: timed out: %w (%w)", c, op, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("clamd at %s: %s: %w", c, op, err)
}

// readReply reads one NUL-terminated reply (the z commands' delimiter).
// clamd may close the connection instead of sending the NUL; what it sent
// is still the reply.
func readReply(conn net.Conn) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(conn, maxReply)).ReadSlice(0)
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return "", err
	}
	return string(bytes.TrimSpace(bytes.TrimSuffix(line, []byte{0}))), nil
}
