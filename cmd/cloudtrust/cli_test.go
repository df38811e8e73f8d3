package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

func TestCLIExitCodes(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		want   int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{"no command prints usage and exits 2", nil, exitUsage, "", "Usage: cloudtrust"},
		{"--help prints usage on stdout and exits 0", []string{"--help"}, exitOK, "Commands:", ""},
		{"unknown command exits 2", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"serve --help exits 0", []string{"serve", "--help"}, exitOK, "CLOUDTRUST_BOOTSTRAP_TOKEN", ""},
		{"serve -h exits 0", []string{"serve", "-h"}, exitOK, "--addr", ""},
		{"serve with a bad flag exits 2", []string{"serve", "--no-such-flag"}, exitUsage, "", "flag provided but not defined: -no-such-flag"},
		{"serve with an argument exits 2", []string{"serve", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"migrate --help exits 0", []string{"migrate", "--help"}, exitOK, "migrations", ""},
		{"migrate with a bad flag exits 2", []string{"migrate", "--nope"}, exitUsage, "", "flag provided but not defined"},
		{"account without subcommand exits 2", []string{"account"}, exitUsage, "", "create"},
		{"account --help exits 0", []string{"account", "--help"}, exitOK, "delete", ""},
		{"account unknown subcommand exits 2", []string{"account", "rename"}, exitUsage, "", `unknown subcommand "rename"`},
		{"account create --help exits 0", []string{"account", "create", "--help"}, exitOK, "--tag", ""},
		{"account list --help exits 0", []string{"account", "list", "--help"}, exitOK, "--json", ""},
		{"account delete --help exits 0", []string{"account", "delete", "--help"}, exitOK, "ID", ""},
		{"account delete without ID exits 2", []string{"account", "delete"}, exitUsage, "", "missing argument ID"},
		{"account delete with a bad ID exits 2", []string{"account", "delete", "not/an/id"}, exitUsage, "", "invalid identifier"},
		{"account create with a short token exits 2", []string{"account", "create", "--token", "short"}, exitUsage, "", "16 to 512"},
		{"account create with an empty tag exits 2", []string{"account", "create", "--tag", ""}, exitUsage, "", "--tag[0]: empty tag"},
		{"version --help exits 0", []string{"version", "--help"}, exitOK, "Usage: cloudtrust version", ""},
		{"version prints the version", []string{"version"}, exitOK, "cloudtrust ", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", c.args...)
			if code != c.want {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.want, stdout, stderr)
			}
			if !strings.Contains(stdout, c.stdout) {
				t.Errorf("stdout does not contain %q:\n%s", c.stdout, stdout)
			}
			if !strings.Contains(stderr, c.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", c.stderr, stderr)
			}
		})
	}
}

func TestCLIMigrateCreatesTheDatabase(t *testing.T) {
	data := t.TempDir() + "/nested/data"
	code, stdout, stderr := runCLI(t, "", "migrate", "--data", data)
	if code != exitOK {
		t.Fatalf("migrate: exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "up to date") {
		t.Errorf("migrate stdout = %q, want it to say the database is up to date", stdout)
	}
	// Applying migrations twice is a no-op.
	if code, _, stderr := runCLI(t, "", "migrate", "--data", data); code != exitOK {
		t.Fatalf("second migrate: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestCLIAccountLifecycleWhileServing creates, lists and deletes accounts
// with the CLI on the database a running server uses, and checks that the
// server honours the CLI-created token.
func TestCLIAccountLifecycleWhileServing(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, nil, "--data", data)

	code, stdout, stderr := runCLI(t, "", "account", "create", "--data", data, "--json",
		"--name", "acme risk team", "--tag", "access:user", "--tag", "customer:acme")
	if code != exitOK {
		t.Fatalf("account create: exit %d, stderr:\n%s", code, stderr)
	}
	var created accountOut
	if err := json.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatalf("account create --json: %v\n%s", err, stdout)
	}
	if created.ID == "" || len(created.Token) < 16 {
		t.Fatalf("account create returned id %q and a %d-character token", created.ID, len(created.Token))
	}
	want := []string{"access:user", "customer:acme", "id:" + created.ID}
	if strings.Join(created.AccountTags, " ") != strings.Join(want, " ") {
		t.Errorf("account tags = %v, want %v", created.AccountTags, want)
	}

	code, stdout, stderr = runCLI(t, "admin-token-from-stdin-1234\n", "account", "create", "--data", data, "--admin", "--token", "-")
	if code != exitOK {
		t.Fatalf("account create --admin: exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "admin-token-from-stdin-1234") || !strings.Contains(stdout, "accountTags: *") {
		t.Errorf("account create --admin output:\n%s", stdout)
	}

	if got := s.api("GET", "/serviceViews", created.Token, nil, nil); got != http.StatusOK {
		t.Errorf("CLI-created customer token: GET /serviceViews status %d, want 200", got)
	}
	if got := s.api("GET", "/accounts", "admin-token-from-stdin-1234", nil, nil); got != http.StatusOK {
		t.Errorf("CLI-created admin token: GET /accounts status %d, want 200", got)
	}

	code, stdout, _ = runCLI(t, "", "account", "list", "--data", data, "--json")
	var list []accountOut
	if code != exitOK || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != 2 {
		t.Fatalf("account list --json: exit %d, want 2 accounts:\n%s", code, stdout)
	}
	for _, a := range list {
		if a.Token != "" {
			t.Errorf("account list shows a token for %s", a.ID)
		}
	}
	code, stdout, _ = runCLI(t, "", "account", "list", "--data", data)
	if code != exitOK || !strings.Contains(stdout, created.ID) || !strings.Contains(stdout, "acme risk team") {
		t.Fatalf("account list: exit %d, output:\n%s", code, stdout)
	}

	if code, _, stderr := runCLI(t, "", "account", "delete", "--data", data, created.ID); code != exitOK {
		t.Fatalf("account delete: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "account", "delete", "--data", data, created.ID)
	if code != exitError || !strings.Contains(stderr, "no account with id") {
		t.Fatalf("deleting a deleted account: exit %d (want 1), stderr:\n%s", code, stderr)
	}
	code, stdout, _ = runCLI(t, "", "account", "list", "--data", data)
	if code != exitOK || strings.Contains(stdout, created.ID) {
		t.Fatalf("account list after delete: exit %d, output:\n%s", code, stdout)
	}
}

func TestCLIWorksOnEveryDatabase(t *testing.T) {
	for _, dialect := range testkit.DBs() {
		t.Run(dialect+": migrate, account create, list and delete succeed", func(t *testing.T) {
			db := []string{"--data", t.TempDir()}
			if dialect == "postgres" {
				db = []string{"--database", testkit.PostgresURL(t)}
			}
			run := func(args ...string) string {
				t.Helper()
				code, stdout, stderr := runCLI(t, "", append(args, db...)...)
				if code != exitOK {
					t.Fatalf("cloudtrust %v: exit %d, stderr:\n%s", args, code, stderr)
				}
				return stdout
			}
			if out := run("migrate"); !strings.Contains(out, "("+dialect+")") {
				t.Errorf("migrate output %q does not name the %s dialect", out, dialect)
			}
			var a accountOut
			if err := json.Unmarshal([]byte(run("account", "create", "--json", "--name", "auditor")), &a); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(run("account", "list"), a.ID) {
				t.Fatalf("account list does not show %s", a.ID)
			}
			run("account", "delete", a.ID)
		})
	}
}
