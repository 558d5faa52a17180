package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// TestSpoolHashesAndBounds: a spooled file reads back whole with its
// digest; one byte over MaxBytes is ErrTooBig; nothing is left in the
// folder either way.
func TestSpoolHashesAndBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), MaxBytes/16)
	s, err := Spool(bytes.NewReader(data), dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	got, _ := io.ReadAll(io.NewSectionReader(s, 0, s.Size))
	if s.Size != MaxBytes || s.SHA256 != hex.EncodeToString(sum[:]) || !bytes.Equal(got, data) {
		t.Fatalf("spooled %d bytes, digest %s", s.Size, s.SHA256)
	}
	s.Close()
	if _, err := Spool(io.MultiReader(bytes.NewReader(data), strings.NewReader("x")), dir); !errors.Is(err, ErrTooBig) {
		t.Fatalf("one byte over: %v, want ErrTooBig", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left in the folder: %v", left)
	}
}
