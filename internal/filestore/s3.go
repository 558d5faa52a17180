package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3-compatible bucket is.
type S3Config struct {
	Endpoint  string // host[:port], without a scheme (s3.eu-west-2.amazonaws.com, minio:9000)
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string // "" lets the client ask the server
	TLS       bool   // https (false only for a server on a private network or in tests)
}

// S3 keeps objects in an S3-compatible bucket (AWS S3, MinIO, Ceph,
// Garage, …) with minio-go.
type S3 struct {
	client *minio.Client
	bucket string
	desc   string
}

// NewS3 connects to the bucket. It does not create the bucket or check
// that it exists: that is the operator's (and Ping's) job.
func NewS3(cfg S3Config) (*S3, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.TLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("filestore: s3 %s: %w", cfg.Endpoint, err)
	}
	scheme := "http"
	if cfg.TLS {
		scheme = "https"
	}
	return &S3{client: client, bucket: cfg.Bucket, desc: fmt.Sprintf("s3 %s://%s/%s", scheme, cfg.Endpoint, cfg.Bucket)}, nil
}

func (s *S3) String() string { return s.desc }

// Ping checks that the bucket exists and the credentials reach it.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("filestore: %s: %w", s.desc, err)
	}
	if !ok {
		return fmt.Errorf("filestore: %s: no such bucket", s.desc)
	}
	return nil
}

// Put sends one PUT of a known length. minio-go buffers a whole part (16
// MiB or more) only when the length is unknown or above its part size;
// with the length given and at most one part it streams from r (signed in
// 64 KiB chunks over http, unsigned-payload over https), so memory does
// not grow with the file.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if !validKey(key) {
		return errKey(key)
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		// Never multipart: one request, all or nothing.
		DisableMultipart: true,
	})
	if err != nil {
		return fmt.Errorf("filestore: put %s: %w", key, err)
	}
	return nil
}

func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !validKey(key) {
		return nil, errKey(key)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("filestore: open %s: %w", key, err)
	}
	// GetObject is lazy: Stat makes the request, so a missing key is
	// found now rather than at the first Read, after headers are sent.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if notFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("filestore: open %s: %w", key, err)
	}
	return obj, nil
}

func (s *S3) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return errKey(key)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("filestore: delete %s: %w", key, err)
	}
	return nil
}

func (s *S3) List(ctx context.Context, prefix string, fn func(Object) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn fails
	for info := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if info.Err != nil {
			return fmt.Errorf("filestore: list %s: %w", prefix, info.Err)
		}
		if err := fn(Object{Key: info.Key, Size: info.Size, Modified: info.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func notFound(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && (resp.StatusCode == http.StatusNotFound || resp.Code == "NoSuchKey")
}
