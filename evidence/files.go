package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Files stores uploaded evidence in a directory, one file per distinct
// content, named by its SHA-256: DIR/ab/abcdef…. Temporary files
// (DIR/.upload-*) live in the same directory tree, so that the final
// rename is atomic.
type Files struct {
	dir string
}

// OpenFiles returns the file store in dir. The directory is created with
// the first upload, so that a server that never stores a file leaves no
// trace; an existing path that is not a directory is refused at once.
func OpenFiles(dir string) (*Files, error) {
	if dir == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "evidence directory: empty path")
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "evidence directory: %s is not a directory", dir)
	}
	return &Files{dir: dir}, nil
}

// Dir returns the directory.
func (f *Files) Dir() string { return f.dir }

// Staged is an upload written to a temporary file and synced, not yet
// renamed to its final name.
type Staged struct {
	file   *os.File
	SHA256 string
	Size   int64
}

// ReadAt reads the staged content (for content-type checks).
func (s *Staged) ReadAt(p []byte, off int64) (int, error) { return s.file.ReadAt(p, off) }

// Discard removes the temporary file; harmless after Commit.
func (s *Staged) Discard() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
}

// Stage copies r to a temporary file, at most max bytes (ETOOLARGE beyond),
// computing its SHA-256, and syncs it to disk.
func (f *Files) Stage(r io.Reader, max int64) (*Staged, error) {
	if err := os.MkdirAll(f.dir, 0o750); err != nil {
		return nil, fmt.Errorf("evidence: create directory: %w", err)
	}
	tmp, err := os.CreateTemp(f.dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("evidence: create temporary file: %w", err)
	}
	st := &Staged{file: tmp}
	h := sha256.New()
	src := &readErr{r: io.LimitReader(r, max+1)}
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if err != nil {
		st.Discard()
		if src.err == nil {
			return nil, fmt.Errorf("evidence: write upload: %w", err)
		}
		var ce *cloudtrust.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "file: reading the upload: %v", err)
	}
	if n > max {
		st.Discard()
		return nil, tooLarge(max)
	}
	if err := tmp.Sync(); err != nil {
		st.Discard()
		return nil, fmt.Errorf("evidence: sync upload: %w", err)
	}
	st.SHA256, st.Size = hex.EncodeToString(h.Sum(nil)), n
	return st, nil
}

func tooLarge(max int64) error {
	return cloudtrust.Errorf(cloudtrust.ETOOLARGE, "file: larger than the limit of %d bytes (%.1f MiB)", max, float64(max)/(1<<20))
}

// path returns the final name of content with the given digest.
func (f *Files) path(sha string) (string, error) {
	if len(sha) != 64 {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "sha256: want 64 hex digits")
	}
	if _, err := hex.DecodeString(sha); err != nil {
		return "", cloudtrust.Errorf(cloudtrust.EINVALID, "sha256: want 64 hex digits")
	}
	return filepath.Join(f.dir, sha[:2], sha), nil
}

// Commit renames the staged file to its final name and syncs the
// directory, so that the name survives a crash. Content already stored
// under that name is identical and is simply replaced.
func (f *Files) Commit(s *Staged) error {
	final, err := f.path(s.SHA256)
	if err != nil {
		return err
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("evidence: create directory: %w", err)
	}
	name := s.file.Name()
	if err := s.file.Close(); err != nil {
		return fmt.Errorf("evidence: close upload: %w", err)
	}
	s.file = nil
	if err := os.Rename(name, final); err != nil {
		os.Remove(name)
		return fmt.Errorf("evidence: store upload: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("evidence: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("evidence: sync directory: %w", err)
	}
	return nil
}

// Open opens stored content for reading; ENOTFOUND when it is missing.
func (f *Files) Open(sha string) (*os.File, error) {
	p, err := f.path(sha)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "evidence file %s is missing from the evidence directory", sha)
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: open file: %w", err)
	}
	return file, nil
}

// Remove deletes stored content; a missing file is not an error.
func (f *Files) Remove(sha string) error {
	p, err := f.path(sha)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("evidence: remove file: %w", err)
	}
	return nil
}

// Exists reports whether content with the given digest is stored.
func (f *Files) Exists(sha string) bool {
	p, err := f.path(sha)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// readErr remembers a read error, telling it apart from a write error.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
