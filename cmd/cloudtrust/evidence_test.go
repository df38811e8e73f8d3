package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// TestServeEvidence checks the serve wiring of evidence (issue 6 items 5
// and 8) on both databases: --evidence-dir receives the files named by
// digest, --evidence-max-bytes limits uploads, and the trust page is
// public.
func TestServeEvidence(t *testing.T) {
	const admin = "evidence-admin-token-0123456789"
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	for _, dialect := range testkit.DBs() {
		t.Run(dialect, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "files")
			args := []string{"--data", filepath.Join(t.TempDir(), "data"), "--evidence-dir", dir, "--evidence-max-bytes", "1000"}
			if dialect == "postgres" {
				args = append(args, "--database", testkit.PostgresURL(t))
			}
			srv := startServer(t, []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + admin}, args...)
			defer srv.stop(syscall.SIGTERM)
			call := func(method, path, ctype string, body []byte) (int, []byte) {
				t.Helper()
				req, _ := http.NewRequest(method, srv.url+"/api/v1"+path, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+admin)
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, b
			}
			upload := func(content []byte) (int, []byte) {
				var b bytes.Buffer
				mw := multipart.NewWriter(&b)
				w, _ := mw.CreateFormField("metadata")
				w.Write([]byte(`{"title":"Report","collector":"Auditor","visibility":"public","controls":["IAM-02"]}`))
				w, _ = mw.CreateFormFile("file", "report.pdf")
				w.Write(content)
				mw.Close()
				return call("POST", "/providers/acme/evidence", mw.FormDataContentType(), b.Bytes())
			}
			if code, body := call("POST", "/organizations", "application/json", []byte(`{"id":"acme","name":"Acme Cloud","kind":"provider"}`)); code != 201 {
				t.Fatalf("create organisation: %d %s", code, body)
			}
			t.Run("upload lands in the evidence directory under its digest", func(t *testing.T) {
				if code, body := upload(pdf); code != 201 {
					t.Fatalf("upload: %d %s", code, body)
				}
				sum := sha256.Sum256(pdf)
				name := hex.EncodeToString(sum[:])
				got, err := os.ReadFile(filepath.Join(dir, name[:2], name))
				if err != nil || !bytes.Equal(got, pdf) {
					t.Fatalf("stored file: %v", err)
				}
			})
			t.Run("upload over --evidence-max-bytes is refused with 413", func(t *testing.T) {
				if code, body := upload(bytes.Repeat([]byte("a"), 1001)); code != 413 {
					t.Fatalf("upload: %d %s", code, body)
				}
			})
			t.Run("trust page is public", func(t *testing.T) {
				resp, err := http.Get(srv.url + "/api/v1/providers/acme/trust")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var page struct {
					Provider  struct{ Name string }
					Registry  []json.RawMessage
					Documents struct{ Public []json.RawMessage }
				}
				if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 || page.Provider.Name != "Acme Cloud" || len(page.Documents.Public) != 1 || page.Registry == nil {
					t.Fatalf("trust page: %d %+v %v", resp.StatusCode, page, err)
				}
			})
		})
	}
	t.Run("non-positive --evidence-max-bytes is a usage error", func(t *testing.T) {
		code, _, errOut := runCLI(t, "", "serve", "--evidence-max-bytes", "0", "--data", t.TempDir())
		if code != 2 || !strings.Contains(errOut, "--evidence-max-bytes") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}
