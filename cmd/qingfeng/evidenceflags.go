package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"qingfeng/intake"
)

// evidenceFlags say where evidence files are kept and how large they may be (README,
// "Configuration"). The S3 secret is better given in the environment: a command line is
// visible to every user of the machine.
type evidenceFlags struct {
	dir                    string
	s3                     intake.S3Config
	maxFileBytes, maxFiles int64
}

func (f *evidenceFlags) register(fs *flag.FlagSet) {
	def := intake.DefaultEvidenceLimits()
	fs.StringVar(&f.dir, "evidence-dir", os.Getenv("QINGFENG_EVIDENCE_DIR"), "directory of evidence files when no S3 endpoint is set; default <data>/evidence; env QINGFENG_EVIDENCE_DIR")
	fs.StringVar(&f.s3.Endpoint, "s3-endpoint", os.Getenv("QINGFENG_S3_ENDPOINT"), "S3-compatible storage for evidence (http(s)://host:port), for several instances; env QINGFENG_S3_ENDPOINT")
	fs.StringVar(&f.s3.Bucket, "s3-bucket", envOr("QINGFENG_S3_BUCKET", "qingfeng-evidence"), "S3 bucket of evidence; env QINGFENG_S3_BUCKET")
	fs.StringVar(&f.s3.AccessKey, "s3-access-key", os.Getenv("QINGFENG_S3_ACCESS_KEY"), "S3 access key; env QINGFENG_S3_ACCESS_KEY")
	fs.StringVar(&f.s3.SecretKey, "s3-secret-key", os.Getenv("QINGFENG_S3_SECRET_KEY"), "S3 secret key; env QINGFENG_S3_SECRET_KEY")
	fs.Int64Var(&f.maxFileBytes, "max-file-bytes", envInt("QINGFENG_MAX_FILE_BYTES", def.MaxBytes), "largest evidence file, in bytes; env QINGFENG_MAX_FILE_BYTES")
	fs.Int64Var(&f.maxFiles, "max-files", envInt("QINGFENG_MAX_FILES", int64(def.MaxFiles)), "most evidence files on one ticket; env QINGFENG_MAX_FILES")
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

// open checks the limits and opens the blob store: S3 when an endpoint is given, else
// the directory. Evidence of each namespace is kept apart.
func (f *evidenceFlags) open(ctx context.Context, dataDir, namespace string, log *slog.Logger) (intake.BlobStore, intake.EvidenceLimits, error) {
	limits := intake.DefaultEvidenceLimits()
	if f.maxFileBytes < 1 || f.maxFiles < 1 {
		return nil, limits, errors.New("QINGFENG_MAX_FILE_BYTES and QINGFENG_MAX_FILES must be at least 1")
	}
	limits.MaxBytes, limits.MaxFiles = f.maxFileBytes, int(f.maxFiles)
	if f.s3.Endpoint != "" {
		f.s3.Prefix = namespace + "/"
		s, err := intake.NewS3Store(ctx, f.s3)
		if err != nil {
			return nil, limits, fmt.Errorf("QINGFENG_S3_ENDPOINT: %w", err)
		}
		log.Info("evidence kept in S3", "endpoint", f.s3.Endpoint, "bucket", f.s3.Bucket)
		return s, limits, nil
	}
	dir := f.dir
	if dir == "" {
		dir = filepath.Join(dataDir, "evidence")
	}
	s, err := intake.NewDirStore(filepath.Join(dir, namespace))
	if err != nil {
		return nil, limits, err
	}
	log.Info("evidence kept in the data directory", "dir", dir)
	return s, limits, nil
}
