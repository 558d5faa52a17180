package pgtest

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/tally-sv/tally/internal/filestore"
)

// overlay is a copy of a seed's file store for one test: it reads the
// seed's objects (shared by every test made from the seed, which never
// change) and writes, deletes and lists only the test's own, so no test
// can disturb another's files and nothing a test writes outlives it.
type overlay struct {
	own  filestore.Store // the test's
	seed filestore.Store // the seed's, read only
}

func newOverlay(t testing.TB, seed filestore.Store) *overlay {
	return &overlay{own: privateFiles(t), seed: seed}
}

func (o *overlay) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	return o.own.Put(ctx, key, r, size)
}

func (o *overlay) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := o.own.Open(ctx, key)
	if errors.Is(err, filestore.ErrNotFound) {
		return o.seed.Open(ctx, key)
	}
	return r, err
}

// Delete deletes the test's own object; the seed's stay for other tests.
func (o *overlay) Delete(ctx context.Context, key string) error { return o.own.Delete(ctx, key) }

// List lists the test's own objects, so an orphan sweep in a test never
// sees (or deletes) the seed's.
func (o *overlay) List(ctx context.Context, prefix string, fn func(filestore.Object) error) error {
	return o.own.List(ctx, prefix, fn)
}

func (o *overlay) String() string { return o.own.String() + " over the seed's " + o.seed.String() }
