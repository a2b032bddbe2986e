package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where S3-compatible object storage is (MinIO on an intranet, or any
// S3): what several instances share, where each instance's data directory is its own.
type S3Config struct {
	Endpoint  string // QINGFENG_S3_ENDPOINT: "https://host:port" or "http://host:port"
	Bucket    string // QINGFENG_S3_BUCKET; created when missing
	AccessKey string // QINGFENG_S3_ACCESS_KEY
	SecretKey string // QINGFENG_S3_SECRET_KEY
	Prefix    string // put before every object name (the namespace and a slash)
}

// S3Store keeps blobs as objects. A blob is written as a multipart upload, which S3
// shows under its name only once completed (Commit); an aborted one is aborted on the
// server, and one a killed process left behind is invisible and removed by the bucket's
// lifecycle rule for incomplete uploads (README).
type S3Store struct {
	c      *minio.Client
	bucket string
	prefix string
}

// s3PartSize is the part a streamed upload is sent in, held in memory once per upload
// in progress: the smallest S3 allows, since files are at most tens of megabytes.
const s3PartSize = 5 << 20

// NewS3Store connects, and creates the bucket if it is missing.
func NewS3Store(ctx context.Context, cfg S3Config) (*S3Store, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("S3 endpoint %q: want http://host:port or https://host:port", cfg.Endpoint)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("S3 storage needs a bucket (QINGFENG_S3_BUCKET)")
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: u.Scheme == "https", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("S3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("S3 bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		if err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{}); err != nil {
			return nil, fmt.Errorf("S3 bucket %s: create: %w", cfg.Bucket, err)
		}
	}
	return &S3Store{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

func (s *S3Store) object(name string) (string, error) {
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("evidence blob name %q is not allowed", name)
	}
	return s.prefix + name, nil
}

var errUploadAborted = errors.New("upload aborted")

// Create streams name to the server as it is written: a multipart upload of unknown
// length, completed by Commit.
func (s *S3Store) Create(ctx context.Context, name string) (BlobWriter, error) {
	obj, err := s.object(name)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	w := &s3Writer{pw: pw, done: make(chan error, 1)}
	// The upload outlives a cancelled request only as long as it takes to abort it: the
	// pipe's error does that, and the client's abort runs without the request's context.
	go func() {
		_, err := s.c.PutObject(context.WithoutCancel(ctx), s.bucket, obj, pr, -1,
			minio.PutObjectOptions{PartSize: s3PartSize, ContentType: "application/octet-stream"})
		pr.CloseWithError(err) // unblock a writer if the server failed first
		w.done <- err
	}()
	return w, nil
}

type s3Writer struct {
	pw       *io.PipeWriter
	done     chan error
	finished bool
	err      error
}

func (w *s3Writer) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *s3Writer) finish(cause error) error {
	if w.finished {
		return w.err
	}
	w.finished = true
	if cause != nil {
		w.pw.CloseWithError(cause)
	} else {
		w.pw.Close()
	}
	w.err = <-w.done
	return w.err
}

func (w *s3Writer) Commit() error {
	if err := w.finish(nil); err != nil {
		return fmt.Errorf("S3 upload: %w", err)
	}
	return nil
}

func (w *s3Writer) Abort() error {
	if w.finished {
		return nil
	}
	if err := w.finish(errUploadAborted); err != nil && !errors.Is(err, errUploadAborted) {
		return fmt.Errorf("S3 upload: abort: %w", err)
	}
	return nil
}

// Open reads the object of name.
func (s *S3Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	obj, err := s.object(name)
	if err != nil {
		return nil, err
	}
	o, err := s.c.GetObject(ctx, s.bucket, obj, minio.GetObjectOptions{})
	if err == nil {
		_, err = o.Stat() // GetObject is lazy: this asks, so a missing object is told now
	}
	if err != nil {
		if o != nil {
			o.Close()
		}
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, errorf(CodeNotFound, "no evidence object %s", name)
		}
		return nil, unavailable(fmt.Errorf("S3 object: %w", err))
	}
	return o, nil
}

// Delete removes the object of name.
func (s *S3Store) Delete(ctx context.Context, name string) error {
	obj, err := s.object(name)
	if err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, obj, minio.RemoveObjectOptions{}); err != nil &&
		minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return unavailable(fmt.Errorf("S3 object: %w", err))
	}
	return nil
}
