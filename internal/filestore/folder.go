package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Folder keeps objects as files under a root directory, one file per key
// (the key's slashes are directories). It suits one machine, or several
// sharing a network file system that supports rename.
type Folder struct {
	root string
}

// NewFolder is a Folder at dir, creating it (0700) if need be.
func NewFolder(dir string) (*Folder, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("filestore: folder %s: %w", dir, err)
	}
	return &Folder{root: abs}, nil
}

func (f *Folder) String() string { return "folder " + f.root }

func (f *Folder) path(key string) (string, error) {
	if !validKey(key) {
		return "", errKey(key)
	}
	return filepath.Join(f.root, filepath.FromSlash(key)), nil
}

// tempPrefix starts the name of a file being written. List skips it: a
// file is an object only once renamed into place.
const tempPrefix = ".put-"

// Put writes to a temporary file beside the target, syncs it, renames it
// into place and syncs the directory, so after a crash the key holds
// either nothing or the whole file, never part of it.
func (f *Folder) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	path, err := f.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("filestore: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("filestore: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, contextReader{ctx, io.LimitReader(r, size+1)})
	if err != nil {
		return fmt.Errorf("filestore: put %s: %w", key, err)
	}
	if n != size {
		return fmt.Errorf("filestore: put %s: read %d bytes, want %d", key, n, size)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("filestore: put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("filestore: put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("filestore: put %s: %w", key, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir) // #nosec G304 -- the folder of a path that path() built from a key validKey accepted
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("filestore: sync %s: %w", dir, err)
	}
	return nil
}

func (f *Folder) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	path, err := f.path(key)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(path) // #nosec G304 -- inside root: path joins it with a key validKey accepted
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", key, err)
	}
	return file, nil
}

func (f *Folder) Delete(ctx context.Context, key string) error {
	path, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("filestore: delete %s: %w", key, err)
	}
	return nil
}

// staleTemp is how old a temporary file must be before List removes it:
// no Put takes a day, so one that old was left by a crash.
const staleTemp = 24 * time.Hour

// List walks the folder. It also removes temporary files a crashed Put
// left behind, once they are a day old: they are no object's, so nothing
// else would.
func (f *Folder) List(ctx context.Context, prefix string, fn func(Object) error) error {
	err := filepath.WalkDir(f.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), tempPrefix) {
			if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
				os.Remove(path) // #nosec G122 -- only Tally writes in its own folder; a day-old temporary file
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(f.root, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted since the directory was read
		}
		if err != nil {
			return err
		}
		return fn(Object{Key: key, Size: info.Size(), Modified: info.ModTime()})
	})
	if err != nil {
		return fmt.Errorf("filestore: list %s: %w", prefix, err)
	}
	return nil
}

// contextReader stops a copy when ctx ends.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
