// Package filestore keeps files (evidence attached to returns) outside the
// database: in an S3-compatible bucket (NewS3) or a local folder
// (NewFolder). Objects are immutable: a key is written once, read any
// number of times and deleted once, so neither driver needs locking.
package filestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrNotFound is returned by Open for a key that holds no object.
var ErrNotFound = errors.New("filestore: no such object")

// Store is where files live.
type Store interface {
	// Put stores exactly size bytes read from r under key, replacing
	// nothing (keys are new: NewKey). The size is known, so no driver
	// needs to buffer the content in memory. On error nothing is stored
	// under key (the folder driver renames only a complete file; an S3
	// PUT of a known length is all or nothing).
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open streams the object at key; ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object at key; deleting a missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix, in no
	// particular order, stopping at fn's first error.
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// String describes the store for logs (no secrets).
	String() string
}

// Object is one stored object as List sees it.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time // when it was written
}

// NewKey is a fresh, unguessable key under prefix ("evidence" →
// "evidence/3f/3f9a…"): 128 random bits, so two uploads never share a key
// and a key alone never says which file or tenant it holds. The two-hex
// fan-out keeps a folder's directories small.
func NewKey(prefix string) string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	h := hex.EncodeToString(b[:])
	return prefix + "/" + h[:2] + "/" + h
}

// validKey reports whether key is one Tally makes: slash-separated parts
// of lower-case letters, digits, '-', '_' and '.', none empty or a dot
// name. The folder driver relies on it to stay inside its root.
func validKey(key string) bool {
	if key == "" || len(key) > 512 {
		return false
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part[0] == '.' {
			return false
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return false
			}
		}
	}
	return true
}

func errKey(key string) error { return fmt.Errorf("filestore: invalid key %.80q", key) }
