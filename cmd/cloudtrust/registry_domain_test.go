package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/registry"
)

func TestCLIRegistryDomains(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	db, err := openDB(ctx, dbConfig{DataDir: data}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	iam := &registry.Entry{Provider: "acme", Service: "storage", Level: registry.LevelSelfAssessment, Domains: []string{"IAM"},
		Submission: "sub-1", Questionnaire: "caiq@4.1.0", PostedAt: time.Now().UTC().Add(-time.Hour)}
	logs := &registry.Entry{Provider: "acme", Service: "compute", Level: registry.LevelContinuous, PostedAt: time.Now().UTC().Add(-time.Hour),
		Continuous: registry.NewContinuous([]registry.Link{{ServiceView: "v1", Controls: []string{"LOG-05"}}}, time.Hour, time.Now())}
	for _, e := range []*registry.Entry{iam, logs} {
		if err := db.RegistryStore().CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// The continuous entry as if posted before migration 0760: no domain rows.
	if _, err := db.SQL().ExecContext(ctx, "DELETE FROM registry_entry_domains WHERE domain = 'LOG'"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
		dontWant string
	}{
		{"list --domain keeps the entries covering it", []string{"registry", "list", "--data", data, "--domain", "IAM"}, 0, iam.ID, logs.ID},
		{"an entry without domain rows matches no domain", []string{"registry", "list", "--data", data, "--domain", "LOG"}, 0, "0 of 0 entries", logs.ID},
		{"reindex-domains indexes the entries without domains", []string{"registry", "reindex-domains", "--data", data}, 0, "indexed the domains of 1 entries", ""},
		{"after reindexing the entry matches its domain", []string{"registry", "list", "--data", data, "--domain", "LOG", "--json"}, 0, `"domains": [`, iam.ID},
		{"reindexing again finds nothing to do", []string{"registry", "reindex-domains", "--data", data}, 0, "indexed the domains of 0 entries", ""},
		{"a domain longer than a name is a usage error", []string{"registry", "list", "--data", data, "--domain", strings.Repeat("D", 1025)}, 2, "--domain: longer than 1024 bytes", ""},
		{"reindex-domains takes no argument", []string{"registry", "reindex-domains", "--data", data, "extra"}, 2, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) || (tt.dontWant != "" && strings.Contains(out, tt.dontWant)) {
				t.Fatalf("exit %d (want %d), output %q %q, want %q without %q", code, tt.wantCode, out, errOut, tt.want, tt.dontWant)
			}
		})
	}
}

func TestServeIndexesTheDomainsOfOlderEntries(t *testing.T) {
	t.Run("an entry without domain rows gets them when serve starts", func(t *testing.T) {
		data := filepath.Join(t.TempDir(), "data")
		ctx := context.Background()
		db, err := openDB(ctx, dbConfig{DataDir: data}, quietLogger())
		if err != nil {
			t.Fatal(err)
		}
		e := &registry.Entry{Provider: "acme", Service: "compute", Level: registry.LevelContinuous, PostedAt: time.Now().UTC().Add(-time.Hour),
			Continuous: registry.NewContinuous([]registry.Link{{ServiceView: "v1", Controls: []string{"LOG-05"}}}, time.Hour, time.Now())}
		if err := db.RegistryStore().CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, "DELETE FROM registry_entry_domains"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		s := startServer(t, []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}, "--data", data, "--registry-interval", "0")
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := s.client.Get(s.url + "/api/v1/registry?domain=LOG")
			if err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code := resp.StatusCode
			if code == 200 && strings.Contains(string(out), e.ID) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 20 s GET /api/v1/registry?domain=LOG: %d %s; want the entry", code, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
