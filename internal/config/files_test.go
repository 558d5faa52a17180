package config

import (
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestLoadFiles(t *testing.T) {
	t.Parallel()
	f, err := LoadFiles(env(nil))
	if err != nil || f.Dir != ".data/files" || f.S3Bucket != "" {
		t.Fatalf("defaults: %+v, %v; want the folder .data/files", f, err)
	}
	s3 := map[string]string{"S3_BUCKET": "evidence", "S3_ENDPOINT": "minio:9000", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "s", "S3_TLS": "false"}
	if f, err := LoadFiles(env(s3)); err != nil || !(f.S3Bucket == "evidence" && f.S3Endpoint == "minio:9000" && !f.S3TLS) {
		t.Fatalf("S3: %+v, %v", f, err)
	}
	for _, tt := range []struct {
		change map[string]string
		want   string
	}{
		{map[string]string{"S3_SECRET_KEY": ""}, "S3_SECRET_KEY is required"},
		{map[string]string{"S3_ENDPOINT": "https://s3.example"}, "without a scheme"},
		{map[string]string{"S3_TLS": "maybe"}, "S3_TLS"},
		{map[string]string{"S3_BUCKET": ""}, "S3_ENDPOINT is set but S3_BUCKET is not"},
	} {
		kv := map[string]string{}
		for k, v := range s3 {
			kv[k] = v
		}
		for k, v := range tt.change {
			kv[k] = v
		}
		if _, err := LoadFiles(env(kv)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want an error saying %q", tt.change, err, tt.want)
		}
	}
}
