package filestore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/filestore"
	"github.com/tally-sv/tally/internal/filestore/filestoretest"
)

// drivers are the two stores, each fresh for the test.
func drivers(t *testing.T) map[string]filestore.Store {
	folder, err := filestore.NewFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s3, err := filestore.NewS3(filestoretest.S3(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s3.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	return map[string]filestore.Store{"folder": folder, "s3": s3}
}

// TestPutOpenListDelete: what is put is read back byte for byte, listed
// under its prefix, and gone once deleted; a missing key is ErrNotFound.
func TestPutOpenListDelete(t *testing.T) {
	t.Parallel()
	for name, store := range drivers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			data := make([]byte, 3<<20+17) // several of any buffer's worth
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range data {
				data[i] = byte(rng.IntN(256))
			}
			key := filestore.NewKey("evidence")
			before := time.Now().Add(-time.Minute)
			if err := store.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
				t.Fatal(err)
			}
			other := filestore.NewKey("other")
			if err := store.Put(ctx, other, strings.NewReader("x"), 1); err != nil {
				t.Fatal(err)
			}
			r, err := store.Open(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes (err %v), want the %d put", len(got), err, len(data))
			}
			var listed []filestore.Object
			if err := store.List(ctx, "evidence/", func(o filestore.Object) error { listed = append(listed, o); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(listed) != 1 || listed[0].Key != key || listed[0].Size != int64(len(data)) || listed[0].Modified.Before(before) {
				t.Fatalf("listed %+v, want only %s, %d bytes, modified now", listed, key, len(data))
			}
			if err := store.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if err := store.Delete(ctx, key); err != nil {
				t.Fatalf("deleting again: %v", err)
			}
			if _, err := store.Open(ctx, key); !errors.Is(err, filestore.ErrNotFound) {
				t.Fatalf("open after delete: %v, want ErrNotFound", err)
			}
		})
	}
}

// TestPutShortStoresNothing: content shorter than its stated size (an
// upload cut off) leaves nothing under the key.
func TestPutShortStoresNothing(t *testing.T) {
	t.Parallel()
	for name, store := range drivers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			key := filestore.NewKey("evidence")
			if err := store.Put(ctx, key, strings.NewReader("only this"), 1000); err == nil {
				t.Fatal("a short put succeeded")
			}
			if _, err := store.Open(ctx, key); !errors.Is(err, filestore.ErrNotFound) {
				t.Fatalf("open after a failed put: %v, want ErrNotFound", err)
			}
		})
	}
}

// TestKeysStayInside: a key that could climb out of the folder, or that
// Tally would never make, is refused by both drivers.
func TestKeysStayInside(t *testing.T) {
	t.Parallel()
	for name, store := range drivers(t) {
		for _, key := range []string{"", "../x", "evidence/../../x", "/etc/passwd", "evidence//x", "evidence/.hidden", "Evidence/X", `evidence\x`} {
			if err := store.Put(context.Background(), key, strings.NewReader("x"), 1); err == nil {
				t.Errorf("%s: put %q succeeded", name, key)
			}
		}
	}
}

// TestFolderLeavesNoTemporaryFile: a failed put removes its temporary
// file; a crashed one's is never listed, and List removes it once it is a
// day old.
func TestFolderLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := filestore.NewFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := filestore.NewKey("evidence")
	store.Put(context.Background(), key, strings.NewReader("short"), 99)
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return err
	})
	if len(left) != 0 {
		t.Fatalf("files left after a failed put: %q", left)
	}
	recent, stale := filepath.Join(dir, "evidence", ".put-123"), filepath.Join(dir, "evidence", ".put-456")
	os.WriteFile(recent, []byte("half"), 0o600)
	os.WriteFile(stale, []byte("half"), 0o600)
	old := time.Now().Add(-25 * time.Hour)
	os.Chtimes(stale, old, old)
	store.List(context.Background(), "", func(o filestore.Object) error {
		t.Errorf("listed %s", o.Key)
		return nil
	})
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recent temporary file (perhaps a put under way) was removed: %v", err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a day-old temporary file was kept: %v", err)
	}
}
