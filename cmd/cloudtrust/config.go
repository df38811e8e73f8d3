package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// dbConfig selects the database. Every command that touches data shares it,
// so `cloudtrust account …` and `cloudtrust serve` agree on where data lives.
type dbConfig struct {
	DataDir  string // SQLite file <DataDir>/cloudtrust.db when Database is empty
	Database string // postgres://… URL, or a SQLite file path; overrides DataDir
}

// dbEnv are the environment fallbacks of the database flags.
var dbEnv = map[string]string{
	"data":     "CLOUDTRUST_DATA",
	"database": "CLOUDTRUST_DATABASE",
}

func (c *dbConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", "./data", "data `directory`; the embedded SQLite database is <dir>/cloudtrust.db (created with mode 0700)")
	fs.StringVar(&c.Database, "database", "", "PostgreSQL `url` (postgres://user:pass@host:5432/db?sslmode=disable) or a SQLite file path; overrides --data")
}

// DSN returns the data source name for sqldb.Open, creating the data
// directory (mode 0700: it holds credentials' hashes and all evidence) when
// the embedded database is used.
func (c dbConfig) DSN() (string, error) {
	if c.Database != "" {
		return c.Database, nil
	}
	if c.DataDir == "" {
		return "", fmt.Errorf("--data: empty directory")
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return "", fmt.Errorf("--data: %w", err)
	}
	return filepath.Join(c.DataDir, "cloudtrust.db"), nil
}

// Describe names the database for logs without revealing a password.
func (c dbConfig) Describe() string {
	if c.Database == "" {
		return filepath.Join(c.DataDir, "cloudtrust.db")
	}
	if strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://") {
		if u, err := url.Parse(c.Database); err == nil {
			return u.Redacted()
		}
		return "postgres://(unparsable url)"
	}
	return c.Database
}

// serveConfig is everything `cloudtrust serve` needs, parsed once from flags
// and environment and handed down.
type serveConfig struct {
	DB              dbConfig
	Addr            string
	BaseURL         string
	Demo            bool
	TLSCert         string
	TLSKey          string
	LogLevel        slog.Level
	LogFormat       string
	Provider        string
	Name            string
	Annotation      string
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	// BootstrapToken comes only from CLOUDTRUST_BOOTSTRAP_TOKEN: a flag
	// would show it in `ps`.
	BootstrapToken string
	// Alert delivery (issue 4).
	XMPPJID             string
	XMPPPasswordFile    string
	XMPPServer          string // host:port; "" resolves the JID's domain
	XMPPCAFile          string // extra PEM roots for the XMPP server's certificate
	WebhookWorkers      int
	WebhookQueue        int
	WebhookAllowPrivate bool
	SecretKeyFile       string // key that encrypts webhook secrets at rest
	// Result history and batch ingest (issue 4).
	ResultRetention   time.Duration // 0 keeps results forever
	RetentionInterval time.Duration
	DownsampleAfter   time.Duration // 0: no downsampling
	DownsampleStep    time.Duration
	CompactAfter      time.Duration // 0: no compaction (PostgreSQL only)
	IngestConcurrency int
	IngestMaxLines    int
	IngestMaxBytes    int64
	// Federation, spec Appendix B (issue 4).
	FederationInterval time.Duration // 0 disables the poller
	// Registry (issue 6): continuous entries are evaluated every interval.
	RegistryInterval time.Duration // 0 disables the periodic evaluation
	// Evidence files (issue 6): "" means <data>/evidence.
	EvidenceDir      string
	EvidenceMaxBytes int64
}

var serveSpec = cmdSpec{
	name: "serve",
	description: `Runs the CloudTrust server: the CTP 2.14 API and back office under /api/1.0,
the platform API under /api/v1, /healthz, /readyz and Prometheus /metrics.
Migrations are applied on start. SIGINT or SIGTERM stops it gracefully.

CLOUDTRUST_BOOTSTRAP_TOKEN=<token> creates an administrator (account tags ["*"])
with that bearer token when the database has no administrator yet.`,
	env: map[string]string{
		"addr":             "CLOUDTRUST_ADDR",
		"data":             "CLOUDTRUST_DATA",
		"database":         "CLOUDTRUST_DATABASE",
		"base-url":         "CLOUDTRUST_BASE_URL",
		"tls-cert":         "CLOUDTRUST_TLS_CERT",
		"tls-key":          "CLOUDTRUST_TLS_KEY",
		"log-level":        "CLOUDTRUST_LOG_LEVEL",
		"log-format":       "CLOUDTRUST_LOG_FORMAT",
		"provider":         "CLOUDTRUST_PROVIDER",
		"name":             "CLOUDTRUST_NAME",
		"shutdown-timeout": "CLOUDTRUST_SHUTDOWN_TIMEOUT",
	},
}

// parseServeConfig parses the serve flags; done/code as in parseArgs.
func parseServeConfig(env *Env, args []string) (cfg serveConfig, done bool, code int) {
	fs := newFlagSet(serveSpec)
	cfg.DB.register(fs)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen `address` (host:port; port 0 picks a free port, logged on start)")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "absolute `url` of the server as clients see it, used in self/scope links (default: taken from each request's Host header)")
	fs.BoolVar(&cfg.Demo, "demo", false, "load the demo provider and demo accounts (published tokens!) when the database has no service views")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate `file` (chain); with --tls-key serves HTTPS, TLS 1.2 or later")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key `file` for --tls-cert")
	fs.TextVar(&cfg.LogLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log `format`: text (logfmt) or json")
	fs.StringVar(&cfg.Provider, "provider", "CloudTrust", "provider `name` shown at the CTP entry point")
	fs.StringVar(&cfg.Name, "name", "CloudTrust CTP server", "`name` of the CTP entry point")
	fs.StringVar(&cfg.Annotation, "annotation", "", "annotation `text` of the CTP entry point")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body accepted, in `bytes`")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long to wait for in-flight requests on SIGTERM")
	fs.StringVar(&cfg.XMPPJID, "xmpp-jid", "", "XMPP service account `jid` (node@server) that sends alerts to xmpp: trigger notifications; needs --xmpp-password-file")
	fs.StringVar(&cfg.XMPPPasswordFile, "xmpp-password-file", "", "`file` holding the XMPP service account's password")
	fs.StringVar(&cfg.XMPPServer, "xmpp-server", "", "XMPP server `host:port` (default: DNS lookup of the JID's domain)")
	fs.StringVar(&cfg.XMPPCAFile, "xmpp-ca-file", "", "PEM `file` of extra CA certificates trusted for the XMPP server (STARTTLS is required)")
	fs.IntVar(&cfg.WebhookWorkers, "webhook-workers", 4, "concurrent webhook deliveries")
	fs.IntVar(&cfg.WebhookQueue, "webhook-queue", 1000, "webhook deliveries held (queued or retrying) before new ones are dead-lettered")
	fs.StringVar(&cfg.SecretKeyFile, "secret-key-file", "", "`file` holding a 32-byte key (raw, 64 hex digits or base64) that encrypts webhook secrets and federation tokens in the database (AES-256-GCM); default: stored in clear")
	fs.BoolVar(&cfg.WebhookAllowPrivate, "webhook-allow-private", false, "allow webhooks to loopback and private addresses (default: refused, so customers cannot reach the internal network)")
	fs.DurationVar(&cfg.ResultRetention, "result-retention", 0, "keep result history for this `duration` (by updateTime), e.g. 2160h; 0 keeps it forever")
	fs.DurationVar(&cfg.RegistryInterval, "registry-interval", time.Minute, "time between two evaluations of the continuous registry entries from the stored CTP results; 0 disables them")
	fs.DurationVar(&cfg.FederationInterval, "federation-interval", 5*time.Minute, "time between two polls of the remote CTP service views declared under /api/v1/serviceViews/{id}/remotes; 0 disables federation polling")
	fs.DurationVar(&cfg.RetentionInterval, "retention-interval", 10*time.Minute, "time between two pruning passes of the result history and of idempotency records")
	fs.Var(dayDuration{&cfg.DownsampleAfter}, "downsample-after", "replace results older than this `duration` (e.g. 7d) by --downsample-step aggregates; 0 keeps raw results")
	fs.Var(dayDuration{&cfg.DownsampleStep}, "downsample-step", "bucket `duration` of downsampled results (e.g. 1h); needs --downsample-after")
	cfg.CompactAfter = time.Hour
	fs.Var(dayDuration{&cfg.CompactAfter}, "compact-after", "on PostgreSQL, pack results older than this `duration` into chunks of 1,000 per measurement (≈ 6 instead of ≈ 110 bytes each); 0 disables; no effect on SQLite")
	fs.IntVar(&cfg.IngestConcurrency, "ingest-concurrency", 2, "batches POST /api/v1/results processes at once; more get 429 with Retry-After")
	fs.IntVar(&cfg.IngestMaxLines, "ingest-max-lines", 10000, "most lines in one batch of POST /api/v1/results (more → 413)")
	fs.Int64Var(&cfg.IngestMaxBytes, "ingest-max-bytes", 16<<20, "largest batch body of POST /api/v1/results, in `bytes` (larger → 413)")
	fs.StringVar(&cfg.EvidenceDir, "evidence-dir", "", "`directory` of uploaded evidence files, named by SHA-256 (default: <data>/evidence)")
	fs.Int64Var(&cfg.EvidenceMaxBytes, "evidence-max-bytes", 25<<20, "largest evidence file upload, in `bytes` (larger → 413)")
	if done, code = parseArgs(env, fs, serveSpec, args, 0); done {
		return cfg, done, code
	}
	cfg.BootstrapToken = env.Getenv("CLOUDTRUST_BOOTSTRAP_TOKEN")
	if err := cfg.check(); err != nil {
		done, code = usageError(env, serveSpec, "%v", err)
	}
	return cfg, done, code
}

// check rejects flag combinations that cannot work, before anything starts.
func (c *serveConfig) check() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key must be given together")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format: %q is neither text nor json", c.LogFormat)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--base-url: %q is not an absolute http or https URL", c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("--max-body-bytes: must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown-timeout: must be positive")
	}
	if (c.XMPPJID == "") != (c.XMPPPasswordFile == "") {
		return fmt.Errorf("--xmpp-jid and --xmpp-password-file must be given together")
	}
	if c.WebhookWorkers <= 0 || c.WebhookQueue <= 0 {
		return fmt.Errorf("--webhook-workers and --webhook-queue: must be positive")
	}
	if c.ResultRetention < 0 {
		return fmt.Errorf("--result-retention: must not be negative (0 keeps results forever)")
	}
	if c.RegistryInterval < 0 {
		return fmt.Errorf("--registry-interval: must not be negative (0 disables the evaluation)")
	}
	if c.FederationInterval < 0 {
		return fmt.Errorf("--federation-interval: must not be negative (0 disables polling)")
	}
	if c.RetentionInterval <= 0 {
		return fmt.Errorf("--retention-interval: must be positive")
	}
	if err := checkDownsample(c.DownsampleAfter, c.DownsampleStep, c.ResultRetention); err != nil {
		return err
	}
	if c.CompactAfter < 0 {
		return fmt.Errorf("--compact-after: must not be negative (0 disables compaction)")
	}
	if c.IngestConcurrency <= 0 || c.IngestMaxLines <= 0 || c.IngestMaxBytes <= 0 {
		return fmt.Errorf("--ingest-concurrency, --ingest-max-lines and --ingest-max-bytes: must be positive")
	}
	if c.EvidenceMaxBytes <= 0 {
		return fmt.Errorf("--evidence-max-bytes: must be positive")
	}
	if c.BootstrapToken != "" {
		if err := checkToken(c.BootstrapToken); err != nil {
			return fmt.Errorf("CLOUDTRUST_BOOTSTRAP_TOKEN: %v", err)
		}
	}
	return nil
}

// checkToken applies the rules of POST /accounts: 16 to 512 printable ASCII
// characters without spaces, so that a token fits an Authorization header.
func checkToken(t string) error {
	if err := ctp.ValidateToken(t); err != nil {
		return fmt.Errorf("token %v", err)
	}
	return nil
}
