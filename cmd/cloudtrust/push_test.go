package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPushToTheRealAPI pushes one value and a results file with good and
// bad lines to the real API and checks what was stored.
func TestPushToTheRealAPI(t *testing.T) {
	api := newCTPAPI(t)
	tokenFile, ms := api.setup(json.RawMessage(`{"name":"availability","resultFormat":[{"name":"percentage","type":"number"}]}`),
		json.RawMessage(`{"name":"level","resultFormat":[{"name":"level","type":"number"}]}`))

	t.Run("one value is stored", func(t *testing.T) {
		code, out, errOut := runMain(t, nil, "", "push", "--url", api.url, "--token-file", tokenFile, "--measurement", ms[0], "--value", `[{"percentage":99.9}]`)
		if code != exitOK || !strings.Contains(out, "pushed 1 of 1") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		if got := api.resultRow(ms[0])["percentage"]; got != 99.9 {
			t.Errorf("stored percentage %v, want 99.9", got)
		}
	})
	t.Run("a result object with updateTime is stored as given", func(t *testing.T) {
		code, _, errOut := runMain(t, nil, "", "push", "--url", api.url+"/api/1.0", "--token-file", tokenFile, "--measurement", ms[0],
			"--value", `{"value":[{"percentage":97}],"updateTime":"2026-11-28T09:00:00Z"}`)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		m := api.call(200, "GET", "/measurements/"+ms[0], probeAdminToken, nil)
		if ut := m["result"].(map[string]any)["updateTime"]; ut != "2026-11-28T09:00:00Z" {
			t.Errorf("updateTime %v", ut)
		}
	})
	t.Run("a file with bad lines stores the good ones and reports the others by line", func(t *testing.T) {
		lines := strings.Join([]string{
			`{"measurement":"` + ms[0] + `","result":{"value":[{"percentage":95}]}}`,
			`{"measurement":"` + ms[1] + `","result":{"value":[{"level":"high"}]}}`,
			``,
			`{"result":{"value":[{"level":7}]}}`,
			`{"measurement":"NoSuchOne","result":{"value":[{"level":1}]}}`,
			`not json`,
		}, "\n")
		file := filepath.Join(t.TempDir(), "results.ndjson")
		os.WriteFile(file, []byte(lines), 0o600)
		code, out, errOut := runMain(t, nil, "", "push", "--url", api.url, "--token-file", tokenFile, "--measurement", ms[1], "--file", file)
		if code != exitError {
			t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		if !strings.Contains(out, "pushed 2 of 5 results") {
			t.Errorf("stdout %q, want pushed 2 of 5", out)
		}
		for _, want := range []string{
			"line 2: measurement " + ms[1] + ": 400 result.value[0].level: must be a number",
			"line 5: measurement NoSuchOne: 404",
			"line 6: malformed JSON",
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		if strings.Contains(errOut, "line 1:") || strings.Contains(errOut, "line 4:") {
			t.Errorf("good lines reported as errors:\n%s", errOut)
		}
		if got := api.resultRow(ms[0])["percentage"]; got != float64(95) {
			t.Errorf("line 1 not stored: %v", got)
		}
		if got := api.resultRow(ms[1])["level"]; got != float64(7) {
			t.Errorf("line 4 not stored under --measurement: %v", got)
		}
	})
	t.Run("stdin with - and the token from CLOUDTRUST_TOKEN", func(t *testing.T) {
		tok := strings.TrimSpace(readFile(t, tokenFile))
		code, out, errOut := runMain(t, map[string]string{"CLOUDTRUST_TOKEN": tok, "CLOUDTRUST_URL": api.url}, `{"measurement":"`+ms[0]+`","result":{"value":[{"percentage":42}]}}`+"\n", "push", "-")
		if code != exitOK || !strings.Contains(out, "pushed 1 of 1") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		if got := api.resultRow(ms[0])["percentage"]; got != float64(42) {
			t.Errorf("stored %v, want 42", got)
		}
	})
	t.Run("a rejected value exits 1 with the server's message", func(t *testing.T) {
		code, _, errOut := runMain(t, nil, "", "push", "--url", api.url, "--token-file", tokenFile, "--measurement", ms[0], "--value", `[{"pct":1}]`)
		if code != exitError || !strings.Contains(errOut, "result.value[0].percentage: missing column") {
			t.Fatalf("exit %d, stderr: %s", code, errOut)
		}
	})
}

func TestPushRetriesBusyServer(t *testing.T) {
	var calls atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error":"busy"}`))
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer s.Close()
	code, out, errOut := runMain(t, map[string]string{"CLOUDTRUST_TOKEN": "retry-token-0123456789"}, "", "push", "--url", s.URL, "--measurement", "m1", "--value", `[{"a":1}]`)
	if code != exitOK || calls.Load() != 2 {
		t.Fatalf("exit %d after %d calls\nstdout: %s\nstderr: %s", code, calls.Load(), out, errOut)
	}
}

func TestPushUsage(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "tok")
	os.WriteFile(tokenFile, []byte("push-usage-token-0123456789\n"), 0o600)
	base := []string{"push", "--url", "http://127.0.0.1:1", "--token-file", tokenFile}
	for _, c := range []struct {
		name   string
		args   []string
		want   int
		stdout string
		stderr string
	}{
		{"--help exits 0 and documents the line format", []string{"push", "--help"}, exitOK, `{"measurement": "ID or measurement URL"`, ""},
		{"nothing to send exits 2", base, exitUsage, "", "nothing to send"},
		{"--value without --measurement exits 2", append(base, "--value", "[]"), exitUsage, "", "--value needs --measurement"},
		{"--value and --file exits 2", append(base, "--value", "[]", "--file", "x", "--measurement", "m"), exitUsage, "", "not both"},
		{"--value that is not JSON exits 2", append(base, "--value", "[{", "--measurement", "m"), exitUsage, "", "--value: not valid JSON"},
		{"--value that is a number exits 2", append(base, "--value", "7", "--measurement", "m"), exitUsage, "", "array of rows or a result object"},
		{"missing --url exits 2", []string{"push", "--token-file", tokenFile, "--value", "[]", "--measurement", "m"}, exitUsage, "", "--url is required"},
		{"bad --url exits 2", []string{"push", "--url", "ctp.example", "--token-file", tokenFile, "--value", "[]", "--measurement", "m"}, exitUsage, "", "is not an http or https URL"},
		{"missing token exits 2", []string{"push", "--url", "http://a.test", "--value", "[]", "--measurement", "m"}, exitUsage, "", "--token-file is required"},
		{"unreadable token file exits 2", []string{"push", "--url", "http://a.test", "--token-file", "/nonexistent/tok", "--value", "[]", "--measurement", "m"}, exitUsage, "", "token file"},
		{"extra argument exits 2", append(base, "results.ndjson"), exitUsage, "", `unexpected argument "results.ndjson"`},
		{"bad measurement id exits 1 before sending", append(base, "--value", `[{"a":1}]`, "--measurement", "a/b"), exitError, "", `invalid identifier "a/b"`},
		{"missing file exits 1", append(base, "--file", "/nonexistent/r.ndjson"), exitError, "", "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runMain(t, nil, "", c.args...)
			if code != c.want || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout ⊇ %q, stderr ⊇ %q", code, c.want, out, errOut, c.stdout, c.stderr)
			}
			if strings.Contains(out+errOut, "push-usage-token") {
				t.Error("the token was printed")
			}
		})
	}
}
