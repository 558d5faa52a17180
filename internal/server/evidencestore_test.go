package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
)

// TestRtDemoEvidenceStreamsFromTheFileStore: a file the demo attached (its
// object written once, by the seed, to the folder every copy of the demo
// shares) downloads byte for byte, with its headers, in any test's copy.
func TestRtDemoEvidenceStreamsFromTheFileStore(t *testing.T) {
	t.Parallel()
	ts := rtServer(t)
	var returnID, fileID int64
	var slug, digest, contentType string
	var size int
	err := rtAdmin(t, ts).QueryRow(context.Background(), `
		SELECT e.return_id, e.id, o.slug, e.sha256, e.content_type, e.size FROM evidence e JOIN organisations o ON o.id = e.supplier_id
		WHERE e.object_key IS NOT NULL AND e.data IS NULL ORDER BY e.id LIMIT 1`).Scan(&returnID, &fileID, &slug, &digest, &contentType, &size)
	if err != nil {
		t.Fatal(err)
	}
	c := signIn(t, ts, "bids@"+slug+".example")
	resp, body := get(t, c, fmt.Sprintf("%s/o/%s/returns/%d/evidence/%d", ts.URL, slug, returnID, fileID))
	sum := sha256.Sum256([]byte(body))
	if resp.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != digest || len(body) != size {
		t.Fatalf("download: %d, %d bytes, digest %x; want 200, %d bytes, %s", resp.StatusCode, len(body), sum, size, digest)
	}
	for k, want := range map[string]string{"Content-Type": contentType, "X-Content-Type-Options": "nosniff",
		"Cache-Control": "private, no-store", "Content-Length": fmt.Sprint(size)} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}
