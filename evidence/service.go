package evidence

import (
	"context"
	"io"
	"os"
	"sync"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// DefaultMaxFileBytes is the default limit on an uploaded file: 25 MiB.
const DefaultMaxFileBytes = 25 << 20

// Service adds and removes evidence, keeping the file directory and the
// database consistent: a file is written to a temporary name, synced and
// renamed before its row is committed; when the row cannot be committed,
// the file is removed again unless another item has the same content. The
// mutex orders uploads and deletions of the same content within one
// process (several processes sharing one evidence directory are not
// supported).
type Service struct {
	Store Store
	Files *Files
	Clock cloudtrust.Clock
	// MaxFileBytes limits an upload; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64

	mu sync.Mutex
}

// MaxBytes returns the effective upload limit.
func (s *Service) MaxBytes() int64 {
	if s.MaxFileBytes <= 0 {
		return DefaultMaxFileBytes
	}
	return s.MaxFileBytes
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// AddReference stores a link or measurement item. The service assigns ID
// and CreatedAt.
func (s *Service) AddReference(ctx context.Context, it *Item) error {
	if it.Kind == KindFile {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "kind file: upload the file as multipart/form-data")
	}
	it.ID, it.CreatedAt, it.File = NewID(), s.now().UTC(), nil
	if err := it.Validate(); err != nil {
		return err
	}
	return s.Store.CreateItem(ctx, it)
}

// AddFile stores a file item whose content is read from body. declared is
// the client's Content-Type for the file and name its file name; the
// content type is checked with DetectType. The service assigns ID,
// CreatedAt and File.
func (s *Service) AddFile(ctx context.Context, it *Item, name, declared string, body io.Reader) error {
	if s.Files == nil {
		return cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "file evidence is not enabled on this server (no evidence directory)")
	}
	if it.Kind != KindFile {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "kind: %q items carry no file; want kind file for an upload", clip(string(it.Kind)))
	}
	it.ID, it.CreatedAt, it.File = NewID(), s.now().UTC(), nil
	if err := it.Validate(); err != nil {
		return err
	}
	st, err := s.Files.Stage(body, s.MaxBytes())
	if err != nil {
		return err
	}
	defer st.Discard()
	ct, err := DetectType(st, st.Size, declared, name)
	if err != nil {
		return err
	}
	it.File = &File{SHA256: st.SHA256, Size: st.Size, ContentType: ct, Name: CleanFileName(name)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Files.Commit(st); err != nil {
		return err
	}
	if err := s.Store.CreateItem(ctx, it); err != nil {
		s.dropIfUnused(context.WithoutCancel(ctx), st.SHA256)
		return err
	}
	return nil
}

// dropIfUnused removes stored content no item references (called with mu
// held). If the count cannot be read the file is kept: an unreferenced
// file wastes space, a missing one loses evidence.
func (s *Service) dropIfUnused(ctx context.Context, sha string) {
	if n, err := s.Store.FileRefs(ctx, sha); err == nil && n == 0 {
		s.Files.Remove(sha)
	}
}

// Delete removes an item, and its file when no other item shares it.
func (s *Service) Delete(ctx context.Context, id string) (*Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.Store.DeleteItem(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.File != nil && s.Files != nil {
		s.dropIfUnused(context.WithoutCancel(ctx), it.File.SHA256)
	}
	return it, nil
}

// Open opens the content of a file item.
func (s *Service) Open(it *Item) (*os.File, error) {
	if it.Kind != KindFile || it.File == nil {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "evidence %s is a %s, not a file: it has no content to download", it.ID, it.Kind)
	}
	if s.Files == nil {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "file evidence is not enabled on this server (no evidence directory)")
	}
	return s.Files.Open(it.File.SHA256)
}
