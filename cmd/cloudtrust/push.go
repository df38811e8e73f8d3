package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/cloudtrust/cloudtrust/probe"
)

// envToken is the environment variable holding an agent token when no
// token file is given.
const envToken = "CLOUDTRUST_TOKEN"

var pushSpec = cmdSpec{
	name: "push",
	args: "[-]",
	description: `Sends measurement results to a CloudTrust server as an agent, through
PUT {url}/api/1.0/measurements/{id}?x=result (the account needs access:agent).

One result:
  cloudtrust push --url URL --token-file F --measurement ID --value '[{"percentage":99.9}]'
  (--value takes the result value, a JSON array of rows, or a whole result
  object {"value": […], "updateTime": "…", "authorityId": "…", "signature": "…"})

A file of results, one JSON object per line (NDJSON; "-" or --file - reads stdin):
  {"measurement": "ID or measurement URL", "result": {"value": [{…}], "updateTime": "…"}}
  Lines without "measurement" go to --measurement. Blank lines are skipped.

Results are sent in order. 429 and 5xx answers and network errors are retried
with exponential backoff (honouring Retry-After). Every failed line is
reported on stderr with its line number; valid lines are sent even when others
fail. Exit status: 0 when every result was stored, 1 when any failed, 2 for a
usage error. The token is read from --token-file, else from ` + envToken + `;
it is never printed.`,
	env: map[string]string{"url": "CLOUDTRUST_URL", "token-file": "CLOUDTRUST_TOKEN_FILE"},
}

func runPush(ctx context.Context, env *Env, args []string) int {
	var (
		server, tokenFile, measurement, value, file, caFile string
		maxAttempts                                         int
		timeout                                             time.Duration
	)
	fs := newFlagSet(pushSpec)
	fs.StringVar(&server, "url", "", "base `URL` of the CloudTrust server, e.g. https://ctp.example.com")
	fs.StringVar(&tokenFile, "token-file", "", "`file` holding the agent's bearer token (else $"+envToken+")")
	fs.StringVar(&measurement, "measurement", "", "measurement `ID` or URL (required with --value; default for lines without one)")
	fs.StringVar(&value, "value", "", "one result: a `JSON` value array, or a result object")
	fs.StringVar(&file, "file", "", "NDJSON `file` of results (- for stdin)")
	fs.StringVar(&caFile, "ca-file", "", "PEM `file` of CA certificates to verify an https server (default: system roots)")
	fs.IntVar(&maxAttempts, "max-attempts", 5, "attempts per result, counting the first")
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "timeout of each HTTP request")
	if done, code := parseArgs(env, fs, pushSpec, args, -1); done {
		return code
	}
	if fs.NArg() > 1 || (fs.NArg() == 1 && fs.Arg(0) != "-") {
		_, code := usageError(env, pushSpec, "unexpected argument %q (only - for stdin)", fs.Arg(fs.NArg()-1))
		return code
	}
	if fs.NArg() == 1 {
		if file != "" {
			_, code := usageError(env, pushSpec, "give --file or -, not both")
			return code
		}
		file = "-"
	}
	switch {
	case value != "" && file != "":
		_, code := usageError(env, pushSpec, "give --value or a file of results, not both")
		return code
	case value == "" && file == "":
		_, code := usageError(env, pushSpec, "nothing to send: give --value, --file or - (stdin)")
		return code
	case value != "" && measurement == "":
		_, code := usageError(env, pushSpec, "--value needs --measurement")
		return code
	case server == "":
		_, code := usageError(env, pushSpec, "--url is required (or CLOUDTRUST_URL)")
		return code
	case tokenFile == "" && env.Getenv(envToken) == "":
		_, code := usageError(env, pushSpec, "--token-file is required (or %s)", envToken)
		return code
	case maxAttempts < 1:
		_, code := usageError(env, pushSpec, "--max-attempts must be at least 1")
		return code
	case timeout <= 0:
		_, code := usageError(env, pushSpec, "--timeout must be positive")
		return code
	}
	tok, err := probe.ReadToken(tokenFile, envToken, env.Getenv)
	if err != nil {
		return failUsage(env, pushSpec, err)
	}
	client, err := newPushClient(server, tok, caFile, timeout)
	if err != nil {
		return failUsage(env, pushSpec, err)
	}
	client.MaxAttempts = maxAttempts

	if value != "" {
		res, err := valueResult(value)
		if err != nil {
			return failUsage(env, pushSpec, fmt.Errorf("--value: %v", err))
		}
		if err := client.PushOne(ctx, probe.Item{Measurement: measurement, Result: res}); err != nil {
			return fail(env, pushSpec, err)
		}
		fmt.Fprintln(env.Stdout, "pushed 1 of 1 results")
		return exitOK
	}
	var r io.Reader = env.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fail(env, pushSpec, err)
		}
		defer f.Close()
		r = f
	}
	lines, readErr := probe.ReadLines(r, measurement)
	sent := 0
	for _, l := range lines {
		if ctx.Err() != nil {
			fmt.Fprintf(env.Stderr, "cloudtrust push: interrupted before line %d\n", l.N)
			break
		}
		err := l.Err
		if err == nil {
			err = client.PushOne(ctx, l.Item)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "cloudtrust push: line %d: %s\n", l.N, errText(err))
			continue
		}
		sent++
	}
	fmt.Fprintf(env.Stdout, "pushed %d of %d results\n", sent, len(lines))
	if readErr != nil {
		fmt.Fprintf(env.Stderr, "cloudtrust push: %s (reading stopped there)\n", errText(readErr))
		return exitError
	}
	if sent < len(lines) {
		return exitError
	}
	return exitOK
}

// valueResult turns --value into a result object: an array is the value,
// an object is taken as the whole result.
func valueResult(v string) (json.RawMessage, error) {
	b := bytes.TrimSpace([]byte(v))
	if !json.Valid(b) {
		return nil, fmt.Errorf("not valid JSON")
	}
	switch b[0] {
	case '[':
		return probe.NewResult(b, time.Now()), nil
	case '{':
		return b, nil
	}
	return nil, fmt.Errorf("must be a JSON array of rows or a result object")
}

// newPushClient builds the client for a server, trusting caFile if given.
func newPushClient(server, token, caFile string, timeout time.Duration) (*probe.Client, error) {
	pool, err := probe.LoadCertPool(caFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if pool != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	c := &probe.Client{
		Server: server, Token: token, HTTPClient: &http.Client{Transport: tr, Timeout: timeout},
		UserAgent: "cloudtrust/" + version,
	}
	// Check the server URL now, so that a typo is a usage error.
	if err := c.CheckServer(); err != nil {
		return nil, err
	}
	return c, nil
}
