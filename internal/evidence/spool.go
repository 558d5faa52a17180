package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooBig is Spool's error for a file over MaxBytes.
var ErrTooBig = errors.New("evidence: the file is larger than 10 MiB")

// Spooled is an uploaded file held in a temporary file while it is
// checked and stored: an io.ReaderAt of Size bytes whose SHA-256 is known.
// Close it when done.
type Spooled struct {
	file    *os.File
	Size    int64
	SHA256  string // lower-case hex
	removed bool   // the name is unlinked already: Close need not remove it
}

// Spool copies r (a multipart part, which has no length) into a temporary
// file in dir ("" for the system's, TMPDIR) while hashing it, so a file
// of any size costs one 32 KiB buffer of memory, not its size. It stops
// with ErrTooBig after MaxBytes. Why a file and not memory: an upload's
// length is unknown until it ends, and S3 clients buffer a whole part (5
// to 16 MiB) for a stream of unknown length; with the file spooled, the
// store is given a known size and streams from disk. The file is unlinked
// at once where the system allows (Unix), so a crash leaves nothing behind.
func Spool(r io.Reader, dir string) (*Spooled, error) {
	f, err := os.CreateTemp(dir, "tally-upload-*")
	if err != nil {
		return nil, fmt.Errorf("evidence: spool: %w", err)
	}
	s := &Spooled{file: f}
	s.removed = os.Remove(f.Name()) == nil
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, MaxBytes+1))
	if err == nil && n > MaxBytes {
		err = ErrTooBig
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Size, s.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return s, nil
}

// ReadAt reads the spooled file.
func (s *Spooled) ReadAt(p []byte, off int64) (int, error) { return s.file.ReadAt(p, off) }

// Close closes and removes the temporary file.
func (s *Spooled) Close() error {
	err := s.file.Close()
	if !s.removed {
		os.Remove(s.file.Name())
		s.removed = true
	}
	return err
}
