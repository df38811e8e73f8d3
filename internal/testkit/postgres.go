package testkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// startTimeout bounds initdb plus server start.
const startTimeout = 2 * time.Minute

var (
	mainCalled atomic.Bool

	pgMu      sync.Mutex
	pgStarted bool
	pgErr     error
	pgServer  *postgresServer
)

// postgresServer is the server test databases are created on.
type postgresServer struct {
	url   *url.URL // admin URL (database "postgres" or as given)
	admin *sql.DB
	// set when the harness started the cluster itself
	dir    string
	data   string
	pgCtl  string
	asUser bool // run pg_ctl through runuser -u postgres
}

// postgresAvailable reports whether PostgreSQL can be used without trying to
// start it.
func postgresAvailable() bool {
	if os.Getenv(EnvPostgresURL) != "" {
		return true
	}
	_, err := postgresBinDir()
	return err == nil
}

// postgresBinDir finds the directory holding initdb and pg_ctl.
func postgresBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			if r, err := filepath.EvalSymlinks(p); err == nil {
				p = r
			}
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", errors.New("initdb and pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin")
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// server returns the PostgreSQL server, starting the private cluster on
// first use. A failure is remembered: later callers get the same error
// instead of a second slow attempt.
func server(ctx context.Context) (*postgresServer, error) {
	pgMu.Lock()
	defer pgMu.Unlock()
	if pgStarted {
		return pgServer, pgErr
	}
	pgStarted = true
	if raw := os.Getenv(EnvPostgresURL); raw != "" {
		pgServer, pgErr = connectExisting(ctx, raw)
	} else {
		pgServer, pgErr = startCluster(ctx)
	}
	return pgServer, pgErr
}

func connectExisting(ctx context.Context, raw string) (*postgresServer, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("%s=%q is not a postgres:// URL", EnvPostgresURL, raw)
	}
	s := &postgresServer{url: u}
	if err := s.connect(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvPostgresURL, err)
	}
	return s, nil
}

func (s *postgresServer) connect(ctx context.Context) error {
	admin, err := sql.Open("pgx", s.url.String())
	if err != nil {
		return err
	}
	admin.SetMaxOpenConns(2)
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return err
	}
	s.admin = admin
	return nil
}

// startCluster runs initdb and pg_ctl start in a temporary directory, as the
// postgres user when running as root (PostgreSQL refuses to run as root).
func startCluster(ctx context.Context) (*postgresServer, error) {
	bin, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "cloudtrust-pg-")
	if err != nil {
		return nil, err
	}
	s := &postgresServer{dir: dir, data: filepath.Join(dir, "data"), pgCtl: filepath.Join(bin, "pg_ctl"), asUser: os.Geteuid() == 0}
	fail := func(err error) (*postgresServer, error) {
		s.stop()
		return nil, err
	}
	if s.asUser {
		if err := chownToPostgres(dir); err != nil {
			return fail(err)
		}
	}
	if out, err := s.run(ctx, filepath.Join(bin, "initdb"), "-A", "trust", "-U", "postgres", "-D", s.data, "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	logFile := filepath.Join(dir, "server.log")
	var port int
	for attempt := 1; ; attempt++ {
		// The port is free when chosen but may be taken before the server
		// binds it: try again with another one.
		if port, err = freePort(); err != nil {
			return fail(err)
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
		out, err := s.run(ctx, s.pgCtl, "-D", s.data, "-l", logFile, "-o", opts, "-w", "-t", "90", "start")
		if err == nil {
			break
		}
		log, _ := os.ReadFile(logFile)
		if attempt < 3 && bytes.Contains(log, []byte("could not bind")) {
			continue
		}
		return fail(fmt.Errorf("pg_ctl start: %v\n%s\nserver log:\n%s", err, out, tail(log, 4000)))
	}
	s.startReaper()
	s.url = &url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Path: "/postgres", RawQuery: "sslmode=disable"}
	if err := s.connect(ctx); err != nil {
		log, _ := os.ReadFile(logFile)
		return fail(fmt.Errorf("connect to the test cluster: %v\nserver log:\n%s", err, tail(log, 4000)))
	}
	return s, nil
}

// startReaper starts a detached shell that stops the cluster and removes its
// directory once this process is gone, so that a test binary killed by a
// timeout or a signal (when Main cannot clean up) leaves no server behind.
func (s *postgresServer) startReaper() {
	stop := fmt.Sprintf("%q -D %q -m immediate -w stop", s.pgCtl, s.data)
	if s.asUser {
		stop = "runuser -u postgres -- " + stop
	}
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 1; done; if [ -d %q ]; then %s >/dev/null 2>&1; rm -rf %q; fi",
		os.Getpid(), s.data, stop, s.dir)
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err == nil {
		cmd.Process.Release()
	}
}

// run executes a PostgreSQL program, through runuser when running as root.
func (s *postgresServer) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if s.asUser {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, prog, args...)
	}
	cmd.Dir = s.dir // a directory the postgres user can enter
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running with our stdout open; do not
	// wait for it to close once pg_ctl itself has exited.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

func chownToPostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root, so PostgreSQL must run as the postgres user, which does not exist: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("chown %s to postgres: %w", dir, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// stop stops a cluster the harness started and removes its directory.
func (s *postgresServer) stop() {
	if s == nil {
		return
	}
	if s.admin != nil {
		s.admin.Close()
	}
	if s.dir == "" {
		return
	}
	if _, err := os.Stat(filepath.Join(s.data, "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s.run(ctx, s.pgCtl, "-D", s.data, "-m", "immediate", "-w", "stop")
		cancel()
	}
	os.RemoveAll(s.dir)
}

func stopPostgres() {
	pgMu.Lock()
	defer pgMu.Unlock()
	pgServer.stop()
	pgServer = nil
}

// newPostgresDatabase creates an empty database for one test, dropped at
// cleanup, and returns its URL.
func newPostgresDatabase(ctx context.Context, t testing.TB) (string, error) {
	if !mainCalled.Load() {
		return "", errors.New("the test binary does not call testkit.Main from TestMain, so the cluster would never be stopped; add: func TestMain(m *testing.M) { testkit.Main(m) }")
	}
	s, err := server(ctx)
	if err != nil {
		return "", err
	}
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testkit: drop database %s: %v", name, err)
		}
	})
	u := *s.url
	u.Path = "/" + name
	return u.String(), nil
}
