package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BlobStore keeps the sealed bytes of evidence files. Nothing written is visible under
// its name until Commit: an upload that is cut off, refused or aborted leaves nothing.
type BlobStore interface {
	// Create starts writing the blob name ("<ticket>/<attachment>" and the like).
	Create(ctx context.Context, name string) (BlobWriter, error)
	// Open reads a committed blob; a missing one is CodeNotFound.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Delete removes a blob; a missing one is no error.
	Delete(ctx context.Context, name string) error
}

// BlobWriter is one blob being written.
type BlobWriter interface {
	io.Writer
	// Commit makes the blob visible under its name, whole.
	Commit() error
	// Abort throws away what was written; after Commit it does nothing.
	Abort() error
}

// DirStore keeps blobs as files under a directory (QINGFENG_EVIDENCE_DIR). A blob is
// written to a temporary file in root/.partial and renamed into place on Commit, so a
// reader never sees half of one; what a killed process left in .partial is removed the
// next time the store opens.
type DirStore struct {
	root string
}

// partialDir holds uploads in progress.
const partialDir = ".partial"

// stalePartial is how old a file in .partial must be before opening removes it: an upload
// of another process sharing the directory may still be writing a younger one.
const stalePartial = time.Hour

// NewDirStore opens (creating, mode 0700) the directory root.
func NewDirStore(root string) (*DirStore, error) {
	if err := os.MkdirAll(filepath.Join(root, partialDir), 0o700); err != nil {
		return nil, fmt.Errorf("evidence directory: %w", err)
	}
	d := &DirStore{root: root}
	entries, err := os.ReadDir(filepath.Join(root, partialDir))
	if err != nil {
		return nil, fmt.Errorf("evidence directory: %w", err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > stalePartial {
			_ = os.Remove(filepath.Join(root, partialDir, e.Name()))
		}
	}
	return d, nil
}

func (d *DirStore) path(name string) (string, error) {
	if !filepath.IsLocal(name) || strings.HasPrefix(name, partialDir) {
		return "", fmt.Errorf("evidence blob name %q is not allowed", name)
	}
	return filepath.Join(d.root, filepath.FromSlash(name)), nil
}

// Create starts a temporary file for name.
func (d *DirStore) Create(_ context.Context, name string) (BlobWriter, error) {
	final, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Join(d.root, partialDir), "upload-*")
	if err != nil {
		return nil, fmt.Errorf("evidence file: %w", err)
	}
	return &dirWriter{f: f, final: final}, nil
}

type dirWriter struct {
	f     *os.File
	final string
	done  bool
}

func (w *dirWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *dirWriter) Commit() error {
	if w.done {
		return errors.New("evidence file: committed twice")
	}
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(w.final), 0o700)
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.final)
	}
	if err != nil {
		_ = os.Remove(w.f.Name())
		return fmt.Errorf("evidence file: %w", err)
	}
	w.done = true
	// The rename is durable once the directory is synced.
	if dir, err := os.Open(filepath.Dir(w.final)); err == nil {
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

func (w *dirWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("evidence file: %w", err)
	}
	return nil
}

// Open reads the file of name.
func (d *DirStore) Open(_ context.Context, name string) (io.ReadCloser, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if os.IsNotExist(err) {
		return nil, errorf(CodeNotFound, "no evidence file %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("evidence file: %w", err)
	}
	return f, nil
}

// Delete removes the file of name.
func (d *DirStore) Delete(_ context.Context, name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("evidence file: %w", err)
	}
	return nil
}
