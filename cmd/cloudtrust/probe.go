package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/probe"
)

// probeCommands are the subcommands of `cloudtrust probe`.
func probeCommands() map[string]command {
	return map[string]command{
		"run":  {"run the configured probes on their schedules until SIGTERM, pushing results", runProbeRun},
		"once": {"run each configured probe once, push (unless --dry-run) and print the results", runProbeOnce},
	}
}

var probeSpec = cmdSpec{
	name: "probe",
	description: `Built-in probes a provider runs against its own endpoints — TLS configuration
(tls), HTTP security headers (headers), availability and latency
(availability) — pushing their results to CTP measurements like any agent.
The configuration file is described in docs/probes.md.

  cloudtrust probe run  --config probes.json         until SIGTERM
  cloudtrust probe once --config probes.json [--dry-run]
  cloudtrust probe --print-metrics [--type tls]      metric definitions to POST to /api/1.0/metrics`,
}

func runProbe(ctx context.Context, env *Env, args []string) int {
	cmds := probeCommands()
	if len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		return runProbeMetrics(env, args)
	}
	intro := "Usage: cloudtrust probe <run|once> [flags]\n       cloudtrust probe --print-metrics [--type TYPE]\n\n" + probeSpec.description
	return runSubcommand(ctx, env, args, "probe", intro, cmds)
}

func runProbeMetrics(env *Env, args []string) int {
	var (
		printMetrics bool
		typ          string
	)
	fs := newFlagSet(probeSpec)
	fs.BoolVar(&printMetrics, "print-metrics", false, "print the metric definitions of the probes (bodies for POST /api/1.0/metrics)")
	fs.StringVar(&typ, "type", "", "only this probe `type`'s metric, as one object: "+strings.Join(probe.Types(), ", "))
	if done, code := parseArgs(env, fs, probeSpec, args, 0); done {
		return code
	}
	if !printMetrics {
		_, code := usageError(env, probeSpec, "give a subcommand (run, once) or --print-metrics")
		return code
	}
	metrics := probe.Metrics()
	if typ == "" {
		all := make([]probe.Metric, 0, len(metrics))
		for _, t := range probe.Types() {
			all = append(all, metrics[t])
		}
		return writeJSONOut(env, probeSpec, all)
	}
	m, ok := metrics[typ]
	if !ok {
		_, code := usageError(env, probeSpec, "--type: must be one of %s, not %q", strings.Join(probe.Types(), ", "), typ)
		return code
	}
	return writeJSONOut(env, probeSpec, m)
}

var probeRunSpec = cmdSpec{
	name: "probe run",
	description: `Runs the probes of the configuration on their schedules (interval plus a
random jitter, at most "concurrency" at once, each under its timeout) and
pushes every result to its measurement, until SIGINT or SIGTERM. Failures are
logged and retried at the next run; the token is never logged.`,
	env: map[string]string{"config": "CLOUDTRUST_PROBE_CONFIG", "log-level": "CLOUDTRUST_LOG_LEVEL", "log-format": "CLOUDTRUST_LOG_FORMAT"},
}

func runProbeRun(ctx context.Context, env *Env, args []string) int {
	var (
		config, format string
		level          slog.Level
	)
	fs := newFlagSet(probeRunSpec)
	fs.StringVar(&config, "config", "", "probe configuration `file` (JSON, see docs/probes.md)")
	fs.TextVar(&level, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.StringVar(&format, "log-format", "text", "log `format`: text (logfmt) or json")
	if done, code := parseArgs(env, fs, probeRunSpec, args, 0); done {
		return code
	}
	if format != "text" && format != "json" {
		_, code := usageError(env, probeRunSpec, "--log-format: %q is neither text nor json", format)
		return code
	}
	logger := newLogger(env, level, format)
	r, code := loadRunner(env, probeRunSpec, config, false, logger)
	if r == nil {
		return code
	}
	logger.Info("probe runner started", "probes", len(r.Jobs), "concurrency", r.Concurrency)
	if err := r.Run(ctx); err != nil {
		return fail(env, probeRunSpec, err)
	}
	logger.Info("probe runner stopped")
	return exitOK
}

var probeOnceSpec = cmdSpec{
	name: "probe once",
	description: `Runs each probe of the configuration once (at most "concurrency" at once),
pushes the results unless --dry-run, and prints a JSON array of outcomes:
{"name", "type", "measurement", "time", "value", "error", "pushed", "pushError"}.
Exit status 1 when a probe produced no value or a push failed. A probe that
measured a failure (ok false, an error column) still produced a value.`,
	env: map[string]string{"config": "CLOUDTRUST_PROBE_CONFIG"},
}

func runProbeOnce(ctx context.Context, env *Env, args []string) int {
	var (
		config string
		dryRun bool
	)
	fs := newFlagSet(probeOnceSpec)
	fs.StringVar(&config, "config", "", "probe configuration `file` (JSON, see docs/probes.md)")
	fs.BoolVar(&dryRun, "dry-run", false, "measure and print, push nothing (server and token not needed)")
	if done, code := parseArgs(env, fs, probeOnceSpec, args, 0); done {
		return code
	}
	r, code := loadRunner(env, probeOnceSpec, config, dryRun, quietLogger())
	if r == nil {
		return code
	}
	out := r.Once(ctx)
	if code := writeJSONOut(env, probeOnceSpec, out); code != exitOK {
		return code
	}
	for _, o := range out {
		if o.Failed() {
			return exitError
		}
	}
	return exitOK
}

// loadRunner reads the configuration and builds the runner (with a push
// client unless dryRun). On failure it reports and returns the exit code.
func loadRunner(env *Env, spec cmdSpec, path string, dryRun bool, logger *slog.Logger) (*probe.Runner, int) {
	if path == "" {
		_, code := usageError(env, spec, "--config is required")
		return nil, code
	}
	cfg, err := probe.LoadConfig(path)
	if err != nil {
		return nil, failUsage(env, spec, err)
	}
	var client *probe.Client
	if !dryRun {
		if cfg.Server == "" {
			return nil, failUsage(env, spec, fmt.Errorf("%s: server: required to push (or use --dry-run)", path))
		}
		tok, err := cfg.Token(env.Getenv)
		if err != nil {
			return nil, failUsage(env, spec, fmt.Errorf("%s: %s", path, errText(err)))
		}
		client, err = newPushClient(cfg.Server, tok, cfg.CAFile, 30*time.Second)
		if err != nil {
			return nil, failUsage(env, spec, fmt.Errorf("%s: %s", path, errText(err)))
		}
		client.API = cfg.API
	}
	r, err := probe.NewRunner(cfg, client, cloudtrust.SystemClock{}, logger)
	if err != nil {
		return nil, failUsage(env, spec, fmt.Errorf("%s: %s", path, errText(err)))
	}
	return r, exitOK
}
