package server

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/tally-sv/tally/internal/evidence"
	"github.com/tally-sv/tally/internal/postgres"
)

// An uploaded evidence file is spooled to a temporary file while it is
// hashed (evidence.Spool), typed from there, and stored from there with
// its size known, so each upload costs a few small buffers of memory
// however large the file and however many arrive at once.

// uploadError is why an uploaded file cannot be used: a status (413 or
// 400) and a message for the file field.
type uploadError struct {
	status int
	msg    string
}

// spoolEvidence spools the file in part. On a file too large it reads the
// rest of the part, so the form's fields after it still arrive.
func (s *Server) spoolEvidence(r *http.Request, part *multipart.Part) (*postgres.EvidenceFile, *evidence.Spooled, *uploadError) {
	sp, err := evidence.Spool(part, "")
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, evidence.ErrTooBig):
		io.Copy(io.Discard, part)
		return nil, nil, &uploadError{http.StatusRequestEntityTooLarge, "The file must be 10 MB or smaller"}
	case errors.As(err, &tooBig):
		return nil, nil, &uploadError{http.StatusRequestEntityTooLarge, "The file must be 10 MB or smaller"}
	case err != nil:
		// The browser went away, or (rarely) the temporary folder is full:
		// logged, as the second is the operator's to fix.
		s.log.WarnContext(r.Context(), "an evidence upload could not be spooled", "error", err)
		return nil, nil, &uploadError{http.StatusBadRequest, "The upload could not be read: try again"}
	}
	f := &postgres.EvidenceFile{Name: evidence.FileName(part.FileName()), SHA256: sp.SHA256, Size: sp.Size, Content: sp}
	return f, sp, nil
}

// serveEvidence streams an attached file: always an attachment, never
// sniffed, sandboxed, never cached. An error is from the copy, after the
// headers were sent: too late for an error page.
func serveEvidence(w http.ResponseWriter, f postgres.EvidenceFile, body io.Reader) error {
	ct := f.ContentType
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", attachment(f.Name))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, err := io.Copy(w, body)
	return err
}
