// Package filestoretest starts an S3-compatible server for tests: gofakes3
// with its in-memory backend, on loopback, with one empty bucket.
package filestoretest

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tally-sv/tally/internal/filestore"
)

// Bucket is the bucket S3 creates.
const Bucket = "tally-test"

// S3 starts a fake S3 server in this process for the test and returns the
// settings that reach it (any access key and secret work). The objects it
// holds live in this process's memory: a test that measures a server's
// memory runs that server in another process.
func S3(t testing.TB) filestore.S3Config {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		t.Fatalf("filestoretest: create bucket: %v", err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	return filestore.S3Config{ // #nosec G101 -- made-up keys for the fake S3 server this test starts
		Endpoint:  strings.TrimPrefix(srv.URL, "http://"),
		Bucket:    Bucket,
		AccessKey: "tally-test-access",
		SecretKey: "tally-test-secret",
		Region:    "us-east-1",
	}
}
