package evidence_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// failingStore refuses to create items, as a database that fails at commit.
type failingStore struct{ evidence.Store }

func (failingStore) CreateItem(context.Context, *evidence.Item) error {
	return errors.New("disk full")
}

// storedFiles lists the regular files under dir (stored content and any
// leftover temporary file).
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, filepath.Base(p))
		}
		return nil
	})
	return out
}

func fileItem(title string) *evidence.Item {
	return &evidence.Item{Provider: "acme", Kind: evidence.KindFile, Title: title, Collector: "Audit team", Controls: []string{"IAM-02"}, Visibility: evidence.Private}
}

func TestService(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		files, err := evidence.OpenFiles(dir)
		if err != nil {
			t.Fatal(err)
		}
		svc := &evidence.Service{Store: db.EvidenceStore(), Files: files, Clock: cloudtrust.NewFakeClock(t0), MaxFileBytes: 1024}

		var first *evidence.Item
		t.Run("upload is stored by its sha256 with metadata", func(t *testing.T) {
			first = fileItem("Report")
			if err := svc.AddFile(ctx, first, "dir/report.pdf", "application/pdf", bytes.NewReader(samplePDF)); err != nil {
				t.Fatal(err)
			}
			if !evidence.IsID(first.ID) || first.File.Size != int64(len(samplePDF)) || first.File.ContentType != "application/pdf" || first.File.Name != "report.pdf" || !first.CreatedAt.Equal(t0) {
				t.Fatalf("item = %+v %+v", first, first.File)
			}
			f, err := svc.Open(first)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, _ := io.ReadAll(f)
			if !bytes.Equal(got, samplePDF) || filepath.Base(f.Name()) != first.File.SHA256 {
				t.Fatalf("stored %q as %s", got, f.Name())
			}
			if got := storedFiles(t, dir); len(got) != 1 {
				t.Fatalf("files = %v", got)
			}
		})
		t.Run("upload over the limit is refused and leaves no file", func(t *testing.T) {
			err := svc.AddFile(ctx, fileItem("Big"), "big.txt", "text/plain", strings.NewReader(strings.Repeat("a", 1025)))
			if cloudtrust.ErrorCode(err) != cloudtrust.ETOOLARGE {
				t.Fatalf("err = %v", err)
			}
			if got := storedFiles(t, dir); len(got) != 1 {
				t.Fatalf("files = %v", got)
			}
		})
		t.Run("upload of exactly the limit is accepted", func(t *testing.T) {
			it := fileItem("Exact")
			if err := svc.AddFile(ctx, it, "exact.txt", "", strings.NewReader(strings.Repeat("b", 1024))); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Delete(ctx, it.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("content type mismatch is refused and leaves no file", func(t *testing.T) {
			err := svc.AddFile(ctx, fileItem("Fake"), "fake.pdf", "application/pdf", bytes.NewReader(samplePNG))
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "mismatch") {
				t.Fatalf("err = %v", err)
			}
			if got := storedFiles(t, dir); len(got) != 1 {
				t.Fatalf("files = %v", got)
			}
		})
		t.Run("invalid metadata is refused before reading the body", func(t *testing.T) {
			it := fileItem("")
			if err := svc.AddFile(ctx, it, "x.pdf", "", iotest.ErrReader(errors.New("must not be read"))); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "title") {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("broken upload stream is refused and leaves no file", func(t *testing.T) {
			err := svc.AddFile(ctx, fileItem("Cut"), "x.pdf", "", io.MultiReader(bytes.NewReader(samplePDF), iotest.ErrReader(errors.New("connection reset"))))
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "connection reset") {
				t.Fatalf("err = %v", err)
			}
			if got := storedFiles(t, dir); len(got) != 1 {
				t.Fatalf("files = %v", got)
			}
		})
		t.Run("failed commit leaves no orphan file", func(t *testing.T) {
			bad := &evidence.Service{Store: failingStore{db.EvidenceStore()}, Files: files, MaxFileBytes: 1024}
			if err := bad.AddFile(ctx, fileItem("Lost"), "x.png", "", bytes.NewReader(samplePNG)); err == nil {
				t.Fatal("no error")
			}
			if got := storedFiles(t, dir); len(got) != 1 {
				t.Fatalf("files = %v", got)
			}
		})
		t.Run("failed commit keeps a file another item shares", func(t *testing.T) {
			bad := &evidence.Service{Store: failingStore{db.EvidenceStore()}, Files: files, MaxFileBytes: 1024}
			if err := bad.AddFile(ctx, fileItem("Copy"), "x.pdf", "", bytes.NewReader(samplePDF)); err == nil {
				t.Fatal("no error")
			}
			if !files.Exists(first.File.SHA256) {
				t.Fatal("shared file removed")
			}
		})
		t.Run("shared content is removed with its last item", func(t *testing.T) {
			second := fileItem("Same bytes")
			if err := svc.AddFile(ctx, second, "copy.pdf", "", bytes.NewReader(samplePDF)); err != nil {
				t.Fatal(err)
			}
			if second.File.SHA256 != first.File.SHA256 {
				t.Fatal("same content, different digest")
			}
			if _, err := svc.Delete(ctx, first.ID); err != nil {
				t.Fatal(err)
			}
			if !files.Exists(second.File.SHA256) {
				t.Fatal("file removed while another item uses it")
			}
			if _, err := svc.Delete(ctx, second.ID); err != nil {
				t.Fatal(err)
			}
			if got := storedFiles(t, dir); len(got) != 0 {
				t.Fatalf("files = %v", got)
			}
		})
		t.Run("concurrent uploads and deletions of the same bytes leave no orphan", func(t *testing.T) {
			const n = 8
			ids := make(chan string, n)
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					it := fileItem("Copy")
					if err := svc.AddFile(ctx, it, "c.png", "", bytes.NewReader(samplePNG)); err != nil {
						errs <- err
						return
					}
					ids <- it.ID
				}()
			}
			wg.Wait()
			close(ids)
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			var list []string
			for id := range ids {
				list = append(list, id)
			}
			for i, id := range list {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := svc.Delete(ctx, id); err != nil {
						t.Error(err)
					}
				}()
				if i == len(list)/2 {
					wg.Wait() // half deleted: the shared file must still be there
					if got := storedFiles(t, dir); len(got) != 1 {
						t.Fatalf("files = %v", got)
					}
				}
			}
			wg.Wait()
			if got := storedFiles(t, dir); len(got) != 0 {
				t.Fatalf("files = %v", got)
			}
		})
		t.Run("reference items are stored without files", func(t *testing.T) {
			it := &evidence.Item{Provider: "acme", Kind: evidence.KindMeasurement, Measurement: "m-1", Title: "Uptime", Collector: "CTP", Visibility: evidence.Public}
			if err := svc.AddReference(ctx, it); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Open(it); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
			if err := svc.AddReference(ctx, fileItem("No file")); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
		})
	})
}

func TestOpenFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "evidence")
	files, err := evidence.OpenFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("directory is created by the first upload", func(t *testing.T) {
		if got := storedFiles(t, filepath.Dir(dir)); len(got) != 0 {
			t.Fatalf("files before any upload: %v", got)
		}
		st, err := files.Stage(bytes.NewReader(samplePDF), 1024)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Discard()
		if err := files.Commit(st); err != nil {
			t.Fatal(err)
		}
		if !files.Exists(st.SHA256) {
			t.Fatal("committed file missing")
		}
	})
	t.Run("a file in place of the directory is refused", func(t *testing.T) {
		f := filepath.Join(dir, "x")
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := evidence.OpenFiles(f); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("malformed digest is refused", func(t *testing.T) {
		if _, err := files.Open("../../etc/passwd"); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
}
