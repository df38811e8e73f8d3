// Package browser starts a headless Chromium for end-to-end tests of the web
// UI and drives it over the DevTools protocol (chromedp).
//
// Chromium is Debian's chromium package (installed by .ci/run), found as
// $CLOUDTRUST_CHROMIUM or chromium/chromium-browser/google-chrome on PATH.
// When it is missing the tests are skipped, except with
// CLOUDTRUST_TEST_REQUIRE_ALL=1, where they fail. Each Browser runs its own
// process with a fresh profile directory, without sandbox (CI runs as root)
// and without background networking (the machine has no internet).
// Screenshots go to $CLOUDTRUST_ARTIFACTS/<test name>/ when that is set,
// else to a temporary directory removed after the test.
package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// Environment variables read by the harness.
const (
	EnvChromium  = "CLOUDTRUST_CHROMIUM"
	EnvArtifacts = "CLOUDTRUST_ARTIFACTS"
)

// stepTimeout bounds one Run call.
const stepTimeout = 30 * time.Second

// Browser is one headless Chromium with one tab.
type Browser struct {
	t         testing.TB
	ctx       context.Context
	artifacts string
	mu        sync.Mutex
	shots     int
}

// ExecPath returns the Chromium executable, or "" when none is installed.
func ExecPath() string {
	if p := os.Getenv(EnvChromium); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches Chromium for the test and closes it at t.Cleanup. Without
// Chromium it skips the test, or fails it with CLOUDTRUST_TEST_REQUIRE_ALL=1.
// width×height is the window size (e.g. 1280×800, or 390×844 for a phone).
func Start(t testing.TB, width, height int) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		if testkit.RequireAll() {
			t.Fatalf("headless Chromium is required (CLOUDTRUST_TEST_REQUIRE_ALL=1) but none was found: apt-get install -y chromium, or set %s", EnvChromium)
		}
		t.Skipf("no Chromium installed (apt-get install -y chromium, or set %s)", EnvChromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx, chromedp.WithLogf(func(string, ...any) {}))
	b := &Browser{t: t, ctx: ctx, artifacts: artifactsDir(t)}
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the process now, so a broken installation fails here. The
	// first call must not have a timeout: its context's end would stop the
	// browser.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return b
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func artifactsDir(t testing.TB) string {
	root := os.Getenv(EnvArtifacts)
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, unsafeName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts directory: %v", err)
	}
	return dir
}

// Context is the tab's context, for chromedp calls the helpers do not cover.
func (b *Browser) Context() context.Context { return b.ctx }

// Run runs actions in the tab, in order, with a timeout, and fails the
// test on error, naming the step (a screenshot of the failure is saved).
func (b *Browser) Run(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.TryRun(actions...); err != nil {
		b.Screenshot("failed-" + step)
		b.t.Fatalf("%s: %v", step, err)
	}
}

// TryRun is Run returning the error instead of failing.
func (b *Browser) TryRun(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Get runs one action that returns a value (chromedp.Text, Evaluate,
// Location…) with a timeout and fails the test on error.
func Get[T any](b *Browser, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.Screenshot("failed-" + step)
		b.t.Fatalf("%s: %v", step, err)
	}
	return v
}

// Screenshot saves a full-page PNG named NN-name.png in the artifacts
// directory and returns its path ("" when it could not be taken: logged,
// not fatal).
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	b.mu.Lock()
	b.shots++
	n := b.shots
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; less is JPEG
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(b.artifacts, fmt.Sprintf("%02d-%s.png", n, unsafeName.ReplaceAllString(name, "_")))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	return p
}

// Paint is the page-load timing of the current page, from the browser's
// performance timeline, in milliseconds since navigation start.
type Paint struct {
	FirstContentfulPaint float64 `json:"fcp"`
	DOMContentLoaded     float64 `json:"dcl"`
	Load                 float64 `json:"load"`
	TransferBytes        float64 `json:"bytes"` // document + subresources, decoded
}

const paintJS = `(() => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const nav = performance.getEntriesByType('navigation')[0];
  let bytes = nav ? nav.decodedBodySize : 0;
  for (const r of performance.getEntriesByType('resource')) bytes += r.decodedBodySize;
  return {fcp: fcp ? fcp.startTime : -1, dcl: nav ? nav.domContentLoadedEventEnd : -1,
          load: nav ? nav.loadEventEnd : -1, bytes: bytes};
})()`

// Timing returns the current page's Paint figures (FirstContentfulPaint is
// -1 when the browser has not painted content).
func (b *Browser) Timing() Paint {
	b.t.Helper()
	// The load event may still be pending right after navigation, and the
	// paint entry may be recorded after it; a page that never paints
	// content keeps FirstContentfulPaint at -1 after a short wait.
	Get(b, "wait for load", chromedp.Poll[bool](`document.readyState === 'complete' && performance.getEntriesByType('navigation')[0].loadEventEnd > 0`))
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	chromedp.Run(ctx, chromedp.Poll[bool](`performance.getEntriesByName('first-contentful-paint').length > 0`,
		chromedp.WithPollingTimeout(3*time.Second)))
	return Get(b, "read performance timing", chromedp.Evaluate[Paint](paintJS))
}

// SetCookie sets a cookie for url in the browser, as a script or an
// attacker's planted cookie would be (HttpOnly cookies included).
func (b *Browser) SetCookie(url, name, value string) {
	b.t.Helper()
	b.Run("set cookie "+name, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: url, Path: "/"})
		return err
	}))
}

// Cookies returns the browser's cookies for url, HttpOnly ones included.
func (b *Browser) Cookies(url string) []*network.Cookie {
	b.t.Helper()
	return Get(b, "read cookies", chromedp.Action[[]*network.Cookie](func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
		return res.Cookies, err
	}))
}

// Cookie returns the value of the named cookie for url, "" when absent.
func (b *Browser) Cookie(url, name string) string {
	b.t.Helper()
	for _, c := range b.Cookies(url) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
