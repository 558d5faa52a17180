package scan_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/scan"
	"github.com/tally-sv/tally/internal/scan/clamdtest"
)

// cleanPDF is a small, valid one-page PDF with a correct cross-reference
// table.
func cleanPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 100 Td (Evidence Q1) Tj ET\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		b.WriteString(strings.Join([]string{strconv.Itoa(i + 1), " 0 obj\n", o, "\nendobj\n"}, ""))
	}
	xref := b.Len()
	b.WriteString("xref\n0 " + strconv.Itoa(len(objs)+1) + "\n0000000000 65535 f \n")
	for _, off := range offsets {
		s := strconv.Itoa(off)
		b.WriteString(strings.Repeat("0", 10-len(s)) + s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size " + strconv.Itoa(len(objs)+1) + " /Root 1 0 R >>\nstartxref\n" + strconv.Itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}

func scanCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustClamd(t *testing.T, addr string) *scan.Clamd {
	t.Helper()
	c, err := scan.NewClamd(addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// One real clamd answers over its unix socket and over TCP: EICAR, alone or
// inside a PDF, is infected and named; a clean PDF and a 10 MiB file are
// clean; a file over clamd's stream limit is an error, not clean.
func TestClamdScansWithARealClamd(t *testing.T) {
	t.Parallel()
	srv := clamdtest.New(t)
	for _, addr := range []string{srv.Addr(), srv.TCPAddr()} {
		c := mustClamd(t, addr)
		if err := c.Ping(scanCtx(t)); err != nil {
			t.Fatalf("%s: Ping: %v", addr, err)
		}

		v, err := c.Scan(scanCtx(t), bytes.NewReader(clamdtest.EICAR()))
		if err != nil || !v.Infected || !strings.HasPrefix(v.Signature, clamdtest.Signature) {
			t.Errorf("%s: EICAR: %+v, %v; want infected with %s", addr, v, err, clamdtest.Signature)
		} else {
			t.Logf("%s: EICAR: %s", addr, v.Signature)
		}

		pdf := cleanPDF()
		if v, err := c.Scan(scanCtx(t), bytes.NewReader(pdf)); err != nil || v.Infected || v.Signature != "" {
			t.Errorf("%s: clean PDF: %+v, %v; want clean", addr, v, err)
		}
		withEICAR := append(append(pdf[:len(pdf):len(pdf)], "% "...), clamdtest.EICAR()...)
		if v, err := c.Scan(scanCtx(t), bytes.NewReader(withEICAR)); err != nil || !v.Infected {
			t.Errorf("%s: PDF carrying EICAR: %+v, %v; want infected", addr, v, err)
		}
	}

	c := srv.Scanner()
	// 10 MiB read from a generator, never held whole; it crosses many
	// chunks, and EICAR at its very end (split across chunks) is still found.
	start := time.Now()
	if v, err := c.Scan(scanCtx(t), io.LimitReader(pattern{}, 10<<20)); err != nil || v.Infected {
		t.Errorf("10 MiB clean file: %+v, %v; want clean", v, err)
	}
	t.Logf("10 MiB scanned in %v", time.Since(start))
	tail := io.MultiReader(io.LimitReader(pattern{}, 10<<20-40), bytes.NewReader(clamdtest.EICAR()))
	if v, err := c.Scan(scanCtx(t), tail); err != nil || !v.Infected {
		t.Errorf("10 MiB ending in EICAR: %+v, %v; want infected", v, err)
	}

	// Over StreamMaxLength (12 MiB in the harness): clamd refuses the
	// stream, and that is an error, never a clean verdict.
	v, err := c.Scan(scanCtx(t), io.LimitReader(pattern{}, 13<<20))
	if err == nil || v.Infected {
		t.Errorf("13 MiB file: %+v, %v; want an error", v, err)
	} else {
		t.Logf("13 MiB file: %v", err)
	}
	// clamd is still fine afterwards.
	if v, err := c.Scan(scanCtx(t), bytes.NewReader(clamdtest.EICAR())); err != nil || !v.Infected {
		t.Errorf("EICAR after the refused stream: %+v, %v", v, err)
	}
}

// pattern is an endless clean byte source: printable lines, like a large
// CSV.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	const line = "NT1,12,Stockport,2026-04-01,some words of evidence\n"
	for i := range p {
		p[i] = line[i%len(line)]
	}
	return len(p), nil
}

// With clamd stopped a scan fails at once, with an error and not a clean
// verdict; after Start the same scanner works again.
func TestClamdDownIsAnError(t *testing.T) {
	t.Parallel()
	srv := clamdtest.New(t)
	unix, tcp := srv.Scanner(), mustClamd(t, srv.TCPAddr())
	srv.Stop()
	for _, c := range []*scan.Clamd{unix, tcp} {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		start := time.Now()
		v, err := c.Scan(ctx, bytes.NewReader(cleanPDF()))
		cancel()
		if err == nil || v.Infected {
			t.Errorf("%s down: %+v, %v; want an error", c, v, err)
		} else {
			t.Logf("%s down: %v", c, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s down: took %v, longer than the context allowed", c, d)
		}
		if err := c.Ping(t.Context()); err == nil {
			t.Errorf("%s down: Ping succeeded", c)
		}
	}
	srv.Start()
	for _, c := range []*scan.Clamd{unix, tcp} {
		if v, err := c.Scan(scanCtx(t), bytes.NewReader(clamdtest.EICAR())); err != nil || !v.Infected {
			t.Errorf("%s restarted: %+v, %v; want infected", c, v, err)
		}
	}
}

// A file that cannot be read to its end is an error, not a clean verdict
// for the part that was sent; a context that ends mid-scan ends it.
func TestClamdReaderFailuresAndDeadlines(t *testing.T) {
	t.Parallel()
	srv := clamdtest.New(t)
	c := srv.Scanner()

	broken := io.MultiReader(bytes.NewReader(cleanPDF()), errReader{errors.New("disk gone")})
	if v, err := c.Scan(scanCtx(t), broken); err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Errorf("broken reader: %+v, %v; want its error", v, err)
	}

	// An upload that trickles in: the context's deadline ends the scan
	// between reads.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if v, err := c.Scan(ctx, trickle{}); err == nil || v.Infected {
		t.Errorf("trickling reader: %+v, %v; want an error", v, err)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("trickling reader: %v; want it to say the deadline passed", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("trickling reader: took %v after a 300ms deadline", d)
	}
}

// trickle is an upload arriving slowly: ten bytes every 20 ms, forever.
type trickle struct{}

func (trickle) Read(p []byte) (int, error) {
	time.Sleep(20 * time.Millisecond)
	return copy(p, "NT1,12,ok\n"), nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// A clamd that accepts the connection and then never answers (hung, or a
// wrong port) ends with the context's deadline, as an error.
func TestClamdThatNeverAnswersTimesOut(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			// Swallow everything, answer nothing.
			go func() { defer conn.Close(); _, _ = io.Copy(io.Discard, conn) }()
		}
	}()
	c := mustClamd(t, "tcp://"+l.Addr().String())
	for name, call := range map[string]func(context.Context) error{
		"Scan": func(ctx context.Context) error { _, err := c.Scan(ctx, bytes.NewReader(cleanPDF())); return err },
		"Ping": c.Ping,
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v; want the deadline's error", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v after a 300ms deadline", name, d)
		}
	}
	// Without a deadline of the caller's, the scanner's own Timeout holds.
	c.Timeout = 200 * time.Millisecond
	if _, err := c.Scan(context.Background(), bytes.NewReader(cleanPDF())); err == nil {
		t.Error("Scan with Timeout and no answer: no error")
	}
}
