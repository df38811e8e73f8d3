package probe

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Config is a probe runner configuration file (JSON; docs/probes.md has the
// schema). Durations are Go duration strings such as "30s" or "5m".
type Config struct {
	Server      string        `json:"server"`      // base URL of the CloudTrust server
	TokenFile   string        `json:"tokenFile"`   // file holding the agent's bearer token
	TokenEnv    string        `json:"tokenEnv"`    // or: environment variable holding it
	CAFile      string        `json:"caFile"`      // PEM CA bundle to verify the server (default: system)
	API         string        `json:"api"`         // "ctp" (default) or "batch" (not implemented yet)
	Concurrency int           `json:"concurrency"` // probes running at once; default 4
	Probes      []ProbeConfig `json:"probes"`
}

// ProbeConfig is one scheduled probe.
type ProbeConfig struct {
	Name        string   `json:"name"`        // unique, used in logs and output
	Type        string   `json:"type"`        // "tls", "headers" or "availability"
	Target      string   `json:"target"`      // host:port (tls, availability over TCP) or URL (headers, availability over HTTP)
	Measurement string   `json:"measurement"` // CTP measurement id or URL to push to
	Interval    Duration `json:"interval"`    // default 5m
	Timeout     Duration `json:"timeout"`     // per run; default 30s
	Jitter      Duration `json:"jitter"`      // random extra delay before each run; default interval/10

	ServerName      string   `json:"serverName"`      // tls: SNI and verified name
	CAFile          string   `json:"caFile"`          // tls, https targets: PEM CA bundle (default: system)
	SkipVersionScan bool     `json:"skipVersionScan"` // tls: do not look for the lowest version
	FollowRedirects bool     `json:"followRedirects"` // headers
	Count           int      `json:"count"`           // availability: attempts per run, default 5
	AttemptTimeout  Duration `json:"attemptTimeout"`  // availability: default 5s
	ExpectStatus    []int    `json:"expectStatus"`    // availability over HTTP: [min, max], default [200, 399]
}

// Duration is a time.Duration written as a Go duration string in JSON.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler. Its errors are
// *json.UnmarshalTypeError so that the decoder names the field.
func (d *Duration) UnmarshalJSON(b []byte) error {
	bad := func(msg string) error {
		return &json.UnmarshalTypeError{Value: msg, Type: durationType}
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return bad("must be a duration string such as \"30s\" or \"5m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return bad(fmt.Sprintf("must be a duration string such as \"30s\" or \"5m\", not %q", s))
	}
	if v < 0 {
		return bad("must not be negative")
	}
	*d = Duration(v)
	return nil
}

var durationType = reflect.TypeFor[Duration]()

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Defaults applied by ParseConfig.
const (
	DefaultInterval    = 5 * time.Minute
	DefaultTimeout     = 30 * time.Second
	DefaultConcurrency = 4
	MinInterval        = time.Second
)

// ParseConfig reads and validates a configuration, filling in defaults.
// Errors name the field, e.g. `probes[1].interval: …`.
func ParseConfig(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, err
	}
	var raw struct {
		Config
		Probes []json.RawMessage `json:"probes"`
	}
	if err := strictDecode(data, &raw); err != nil {
		return nil, invalidf("config: %v", err)
	}
	c := raw.Config
	c.Probes = nil
	for i, pr := range raw.Probes {
		var p ProbeConfig
		if err := strictDecode(pr, &p); err != nil {
			return nil, invalidf("probes[%d]: %v", i, err)
		}
		c.Probes = append(c.Probes, p)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfig reads a configuration file.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("malformed JSON at byte offset %d: %v", se.Offset, err)
		case errors.As(err, &te) && te.Type == durationType:
			return fmt.Errorf("%s: %s", te.Field, te.Value)
		case errors.As(err, &te) && te.Field != "":
			return fmt.Errorf("%s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func (c *Config) validate() error {
	if c.Server != "" {
		if _, err := serverBase(c.Server); err != nil {
			return err
		}
	}
	if c.TokenFile != "" && c.TokenEnv != "" {
		return invalidf("tokenFile, tokenEnv: give one, not both")
	}
	switch c.API {
	case "":
		c.API = APIMeasurement
	case APIMeasurement:
	case APIBatch:
		return cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "api: %q (POST /api/v1/results) is not implemented yet; use %q", APIBatch, APIMeasurement)
	default:
		return invalidf("api: must be %q, not %q", APIMeasurement, c.API)
	}
	if c.Concurrency < 0 {
		return invalidf("concurrency: must be positive")
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if len(c.Probes) == 0 {
		return invalidf("probes: at least one probe is required")
	}
	names := map[string]int{}
	for i := range c.Probes {
		p := &c.Probes[i]
		if err := p.validate(); err != nil {
			return invalidf("probes[%d]: %v", i, cloudtrust.ErrorMessage(err))
		}
		if j, dup := names[p.Name]; dup {
			return invalidf("probes[%d].name: %q is also the name of probes[%d]", i, p.Name, j)
		}
		names[p.Name] = i
	}
	return nil
}

func (p *ProbeConfig) validate() error {
	if p.Name == "" {
		return invalidf("name: required")
	}
	if _, ok := Metrics()[p.Type]; !ok {
		return invalidf("type: must be one of %s, not %q", strings.Join(Types(), ", "), p.Type)
	}
	if p.Target == "" {
		return invalidf("target: required")
	}
	isURL := strings.HasPrefix(p.Target, "http://") || strings.HasPrefix(p.Target, "https://")
	switch {
	case p.Type == TypeTLS && isURL:
		return invalidf("target: a tls probe takes host:port, not a URL")
	case p.Type == TypeHeaders && !isURL:
		return invalidf("target: a headers probe takes an http or https URL")
	}
	if p.Interval == 0 {
		p.Interval = Duration(DefaultInterval)
	}
	if time.Duration(p.Interval) < MinInterval {
		return invalidf("interval: must be at least %v", MinInterval)
	}
	if p.Timeout == 0 {
		p.Timeout = Duration(DefaultTimeout)
	}
	if p.Jitter == 0 {
		p.Jitter = p.Interval / 10
	}
	if p.Count < 0 || p.Count > 1000 {
		return invalidf("count: must be between 1 and 1000")
	}
	if len(p.ExpectStatus) != 0 {
		if len(p.ExpectStatus) != 2 || p.ExpectStatus[0] < 100 || p.ExpectStatus[1] > 599 || p.ExpectStatus[0] > p.ExpectStatus[1] {
			return invalidf("expectStatus: must be [min, max] with 100 <= min <= max <= 599")
		}
	}
	return nil
}

// Token reads the bearer token from TokenFile or the TokenEnv variable
// (looked up with getenv). Surrounding white space is removed.
func (c *Config) Token(getenv func(string) string) (string, error) {
	return ReadToken(c.TokenFile, c.TokenEnv, getenv)
}

// ReadToken reads a token from a file, or else from an environment variable.
// Errors never contain the token.
func ReadToken(file, envVar string, getenv func(string) string) (string, error) {
	var tok string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", invalidf("token file: %v", err)
		}
		tok = strings.TrimSpace(string(b))
		if tok == "" {
			return "", invalidf("token file %s: empty", file)
		}
	case envVar != "":
		tok = strings.TrimSpace(getenv(envVar))
		if tok == "" {
			return "", invalidf("token: environment variable %s is empty or not set", envVar)
		}
	default:
		return "", invalidf("token: give tokenFile or tokenEnv")
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", invalidf("token: must be one line without spaces")
	}
	return tok, nil
}

// LoadCertPool reads a PEM bundle; "" gives nil (the system pool).
func LoadCertPool(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, invalidf("CA file: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, invalidf("CA file %s: no PEM certificate found", file)
	}
	return pool, nil
}

// Build makes the probe a configuration describes.
func (p *ProbeConfig) Build(clock cloudtrust.Clock) (Probe, error) {
	pool, err := LoadCertPool(p.CAFile)
	if err != nil {
		return nil, err
	}
	var client *http.Client
	if pool != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		client = &http.Client{Transport: tr}
	}
	switch p.Type {
	case TypeTLS:
		return &TLS{Address: p.Target, ServerName: p.ServerName, RootCAs: pool, Clock: clock, SkipVersionScan: p.SkipVersionScan}, nil
	case TypeHeaders:
		return &Headers{URL: p.Target, Client: client, FollowRedirects: p.FollowRedirects}, nil
	case TypeAvailability:
		a := &Availability{Count: p.Count, AttemptTimeout: time.Duration(p.AttemptTimeout), Client: client}
		if strings.HasPrefix(p.Target, "http://") || strings.HasPrefix(p.Target, "https://") {
			a.URL = p.Target
		} else {
			a.Address = p.Target
		}
		if len(p.ExpectStatus) == 2 {
			a.StatusMin, a.StatusMax = p.ExpectStatus[0], p.ExpectStatus[1]
		}
		return a, nil
	}
	return nil, invalidf("type: unknown probe type %q", p.Type)
}
