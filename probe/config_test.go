package probe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestProbeConfigParse(t *testing.T) {
	t.Run("valid config gets defaults", func(t *testing.T) {
		c, err := ParseConfig(strings.NewReader(`{
			"server": "https://ctp.example.com", "tokenEnv": "AGENT_TOKEN",
			"probes": [
				{"name": "tls", "type": "tls", "target": "www.example.com:443", "measurement": "m1", "interval": "1h"},
				{"name": "up", "type": "availability", "target": "https://www.example.com/", "measurement": "m2",
				 "count": 3, "attemptTimeout": "2s", "expectStatus": [200, 299], "jitter": "1s"}
			]}`))
		if err != nil {
			t.Fatal(err)
		}
		want(t, "api", c.API, APIMeasurement)
		want(t, "concurrency", c.Concurrency, DefaultConcurrency)
		p := c.Probes[0]
		want(t, "interval", time.Duration(p.Interval), time.Hour)
		want(t, "timeout", time.Duration(p.Timeout), DefaultTimeout)
		want(t, "jitter", time.Duration(p.Jitter), 6*time.Minute)
		want(t, "probes[1].interval", time.Duration(c.Probes[1].Interval), DefaultInterval)
		want(t, "probes[1].jitter", time.Duration(c.Probes[1].Jitter), time.Second)
	})
	for _, c := range []struct{ name, json, wantCode, wantMsg string }{
		{"malformed JSON names the offset", `{"probes": [}`, cloudtrust.EINVALID, "malformed JSON at byte offset"},
		{"unknown top-level field is refused", `{"servr": "x"}`, cloudtrust.EINVALID, `unknown field "servr"`},
		{"unknown probe field names the probe", `{"probes": [{"name":"a","type":"tls","target":"a:1","intervl":"1s"}]}`, cloudtrust.EINVALID, `probes[0]: unknown field "intervl"`},
		{"no probes is refused", `{"server": "https://a.test"}`, cloudtrust.EINVALID, "probes: at least one"},
		{"bad duration names the field", `{"probes": [{"name":"a","type":"tls","target":"a:1","interval":"soon"}]}`, cloudtrust.EINVALID, `probes[0]: interval: must be a duration string`},
		{"wrong type names the field", `{"probes": [{"name":"a","type":"tls","target":"a:1","count":"3"}]}`, cloudtrust.EINVALID, `probes[0]: count: expected int`},
		{"unknown probe type lists the known ones", `{"probes": [{"name":"a","type":"dns","target":"a:1"}]}`, cloudtrust.EINVALID, `probes[0]: type: must be one of availability, headers, tls, not "dns"`},
		{"missing name", `{"probes": [{"type":"tls","target":"a:1"}]}`, cloudtrust.EINVALID, "probes[0]: name: required"},
		{"missing target", `{"probes": [{"name":"a","type":"tls"}]}`, cloudtrust.EINVALID, "probes[0]: target: required"},
		{"tls with a URL", `{"probes": [{"name":"a","type":"tls","target":"https://a.test/"}]}`, cloudtrust.EINVALID, "takes host:port"},
		{"headers without a URL", `{"probes": [{"name":"a","type":"headers","target":"a:443"}]}`, cloudtrust.EINVALID, "http or https URL"},
		{"interval below a second", `{"probes": [{"name":"a","type":"tls","target":"a:1","interval":"10ms"}]}`, cloudtrust.EINVALID, "interval: must be at least 1s"},
		{"negative duration", `{"probes": [{"name":"a","type":"tls","target":"a:1","timeout":"-1s"}]}`, cloudtrust.EINVALID, "timeout: must not be negative"},
		{"bad expectStatus", `{"probes": [{"name":"a","type":"availability","target":"a:1","expectStatus":[300,200]}]}`, cloudtrust.EINVALID, "expectStatus: must be [min, max]"},
		{"duplicate names", `{"probes": [{"name":"a","type":"tls","target":"a:1"},{"name":"a","type":"tls","target":"b:1"}]}`, cloudtrust.EINVALID, `probes[1].name: "a" is also the name of probes[0]`},
		{"bad server URL", `{"server": "ctp.example.com", "probes": [{"name":"a","type":"tls","target":"a:1"}]}`, cloudtrust.EINVALID, `server: "ctp.example.com" is not an http or https URL`},
		{"server URL with credentials", `{"server": "https://u:p@ctp.example.com", "probes": [{"name":"a","type":"tls","target":"a:1"}]}`, cloudtrust.EINVALID, "must not have credentials"},
		{"two token sources", `{"tokenFile": "f", "tokenEnv": "E", "probes": [{"name":"a","type":"tls","target":"a:1"}]}`, cloudtrust.EINVALID, "give one, not both"},
		{"batch API is not implemented", `{"api": "batch", "probes": [{"name":"a","type":"tls","target":"a:1"}]}`, cloudtrust.ENOTIMPLEMENTED, "POST /api/v1/results"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(c.json))
			if cloudtrust.ErrorCode(err) != c.wantCode || !strings.Contains(cloudtrust.ErrorMessage(err), c.wantMsg) {
				t.Fatalf("err = %v, want %s containing %q", err, c.wantCode, c.wantMsg)
			}
		})
	}
}

func TestProbeConfigToken(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "token")
	os.WriteFile(good, []byte("  secret-token-value-1234\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	spaced := filepath.Join(dir, "spaced")
	os.WriteFile(spaced, []byte("secret one\n"), 0o600)
	env := map[string]string{"AGENT_TOKEN": "env-token-value-5678"}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct{ name, file, env, want, wantErr string }{
		{"file token is trimmed", good, "", "secret-token-value-1234", ""},
		{"env token is read", "", "AGENT_TOKEN", "env-token-value-5678", ""},
		{"missing file is an error", filepath.Join(dir, "nope"), "", "", "no such file"},
		{"empty file is an error", empty, "", "", "empty"},
		{"token with a space is an error without the token", spaced, "", "", "one line without spaces"},
		{"unset variable is an error", "", "NOPE", "", "NOPE is empty or not set"},
		{"no source is an error", "", "", "", "give tokenFile or tokenEnv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadToken(c.file, c.env, getenv)
			if c.wantErr == "" {
				if err != nil || got != c.want {
					t.Fatalf("got %q, %v; want %q", got, err, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
}
