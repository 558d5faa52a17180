package config

import (
	"errors"
	"fmt"
	"strings"
)

// Files says where evidence files are kept: an S3-compatible bucket when
// S3_BUCKET is set, otherwise a local folder.
type Files struct {
	Dir         string // FILES_DIR: the folder (default .data/files, relative to the working directory)
	S3Endpoint  string // S3_ENDPOINT: host[:port] of the S3-compatible service
	S3Bucket    string // S3_BUCKET: setting it chooses S3 over the folder
	S3AccessKey string // S3_ACCESS_KEY
	S3SecretKey string // S3_SECRET_KEY
	S3Region    string // S3_REGION: empty asks the service
	S3TLS       bool   // S3_TLS: https (default true)
}

// LoadFiles reads the file store's settings alone: `tally migrate` and
// `tally seed` need them without the rest of Config.
func LoadFiles(getenv func(string) string) (Files, error) {
	f := Files{
		Dir:         or(getenv("FILES_DIR"), ".data/files"),
		S3Endpoint:  getenv("S3_ENDPOINT"),
		S3Bucket:    getenv("S3_BUCKET"),
		S3AccessKey: getenv("S3_ACCESS_KEY"),
		S3SecretKey: getenv("S3_SECRET_KEY"),
		S3Region:    getenv("S3_REGION"),
	}
	var errs []error
	f.S3TLS = boolean(getenv, "S3_TLS", true, &errs)
	if f.S3Bucket == "" {
		if f.S3Endpoint != "" {
			errs = append(errs, errors.New("S3_ENDPOINT is set but S3_BUCKET is not: set both to keep files in S3, or neither to keep them in FILES_DIR"))
		}
		return f, errors.Join(errs...)
	}
	if strings.Contains(f.S3Endpoint, "://") {
		errs = append(errs, fmt.Errorf("S3_ENDPOINT: want host[:port] without a scheme (S3_TLS chooses https), got %q", f.S3Endpoint))
	}
	for _, s := range []struct{ name, v string }{{"S3_ENDPOINT", f.S3Endpoint}, {"S3_ACCESS_KEY", f.S3AccessKey}, {"S3_SECRET_KEY", f.S3SecretKey}} {
		if s.v == "" {
			errs = append(errs, fmt.Errorf("%s is required with S3_BUCKET", s.name))
		}
	}
	return f, errors.Join(errs...)
}
