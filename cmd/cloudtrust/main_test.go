package main

// Integration tests of the real binary: TestMain builds it once, and each
// test runs it as a separate process on a free loopback port with its own
// data directory or PostgreSQL database.

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// binary is the path of the cloudtrust binary built by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cloudtrust-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "TestMain:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "cloudtrust")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "TestMain: go build:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := testkit.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is the test process environment without CLOUDTRUST_* variables,
// plus extra, so that a developer's settings never leak into a test.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CLOUDTRUST_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// runCLI runs the binary to completion and returns its exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCmd(t, nil, stdin, args)
}

// runCLIEnv is runCLI with extra environment variables and no input.
func runCLIEnv(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCmd(t, env, "", args)
}

func runCmd(t *testing.T, env []string, stdin string, args []string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv(env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("run cloudtrust %v: %v", args, err)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// server is a running `cloudtrust serve` process.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:port, or https:// with --tls-cert
	client *http.Client
	logs   *lockedBuffer
	done   chan struct{} // closed when the process has exited
}

// lockedBuffer collects the server's log lines from its reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) add(line string) {
	l.mu.Lock()
	l.b.WriteString(line)
	l.b.WriteByte('\n')
	l.mu.Unlock()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer runs `cloudtrust serve --addr 127.0.0.1:0 args…` with the
// given extra environment, waits for it to log its address and to answer
// /readyz, and kills it at the end of the test if it is still running.
func startServer(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	all := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)
	cmd := exec.Command(binary, all...)
	cmd.Env = cleanEnv(env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cloudtrust serve: %v", err)
	}
	s := &server{t: t, cmd: cmd, logs: &lockedBuffer{}, done: make(chan struct{}), client: http.DefaultClient}
	scheme := "http://"
	if slices.Contains(args, "--tls-cert") {
		// The tests that use TLS check the certificate themselves.
		scheme = "https://"
		s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logs.add(line)
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				select {
				case addrc <- rec.Addr:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	select {
	case addr := <-addrc:
		s.url = scheme + addr
	case <-s.done:
		t.Fatalf("cloudtrust serve exited with code %d before listening; log:\n%s", cmd.ProcessState.ExitCode(), s.logs)
	case <-time.After(2 * time.Minute):
		t.Fatalf("cloudtrust serve did not log its address within 2 minutes; log:\n%s", s.logs)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := s.client.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("cloudtrust serve not ready within a minute (last error %v); log:\n%s", err, s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends sig and returns the exit code once the process has exited.
func (s *server) stop(sig syscall.Signal) int {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.t.Fatalf("cloudtrust serve still running a minute after %v", sig)
	}
	return s.cmd.ProcessState.ExitCode()
}

// kill9 kills the server abruptly, as a crash or power loss would.
func (s *server) kill9() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("SIGKILL: %v", err)
	}
	<-s.done
}

// api calls the CTP API at path (relative to /api/1.0) with a bearer token,
// a JSON body (nil for none), and decodes the JSON answer into out (nil to
// ignore it). It returns the HTTP status.
func (s *server) api(method, path, token string, body, out any) int {
	s.t.Helper()
	status, err := s.apiErr(method, path, token, body, out)
	if err != nil {
		s.t.Fatal(err)
	}
	return status
}

// apiErr is api without failing the test, for use from other goroutines and
// around a crash.
func (s *server) apiErr(method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+"/api/1.0"+path, rd)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode, nil
}

// mustAPI is api that fails the test unless the status is want.
func (s *server) mustAPI(want int, method, path, token string, body, out any) {
	s.t.Helper()
	if got := s.api(method, path, token, body, out); got != want {
		s.t.Fatalf("%s %s: status %d, want %d", method, path, got, want)
	}
}

// resource is the part of a CTP resource the tests look at.
type resource struct {
	Self   string `json:"self"`
	Token  string `json:"token"`
	Result *struct {
		Value []map[string]any `json:"value"`
	} `json:"result"`
	Objective *struct {
		Status string `json:"status"`
	} `json:"objective"`
	State            string `json:"state"`
	CollectionLength int    `json:"collectionLength"`
	Collection       []struct {
		Link string `json:"link"`
		Name string `json:"name"`
	} `json:"collection"`
}

// id returns the identifier at the end of the resource's self link.
func (r *resource) id() string { return r.Self[strings.LastIndexByte(r.Self, '/')+1:] }
