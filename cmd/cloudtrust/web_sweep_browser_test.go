package main

// The browser page sweep (issue 7 item 7): the real binary with the demo
// data (serve --demo: its organisations, users and published passwords),
// headless Chromium at 1280×800 and 390×844, each role signed in in turn;
// on each main page: no CSP violation or script error, no sideways
// scrolling, WCAG AA text contrast computed from the rendered styles in the
// light and the dark scheme, legible chart labels, a visible keyboard focus
// on the first two Tab stops; first contentful paint and transfer size
// logged (no timing assertion), screenshots of every page. The
// handler-level sweep of every route is web.TestPageSweep.

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cloudtrust/cloudtrust/demo"
	"github.com/cloudtrust/cloudtrust/internal/testkit/browser"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// sweepAudit is what one page's audit script returns.
type sweepAudit struct {
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Checked     int      `json:"checked"`
	Failures    []string `json:"failures"`
}

// colourJS defines the colour helpers of contrastJS and focusJS: rgba
// (any CSS colour, read through a canvas), over (compositing), background
// (an element's effective background), ratio (WCAG contrast) and hex.
const colourJS = `
  const cv = document.createElement('canvas'); cv.width = cv.height = 1;
  const cx = cv.getContext('2d', {willReadFrequently: true});
  const rgba = c => { cx.clearRect(0, 0, 1, 1); cx.fillStyle = 'rgba(0,0,0,0)'; cx.fillStyle = c; cx.fillRect(0, 0, 1, 1);
    const d = cx.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255]; };
  const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const dark = matchMedia('(prefers-color-scheme: dark)').matches &&
    getComputedStyle(document.documentElement).colorScheme.includes('dark');
  const canvasBg = dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const background = el => {
    const layers = [];
    for (let p = el; p; p = p.parentElement) {
      const c = rgba(getComputedStyle(p).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = canvasBg;
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const hex = c => '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
`

// contrastJS computes the contrast of every visible text element against
// its effective background (the first opaque background among it and
// its ancestors, translucent layers composited), colours read through a
// canvas so that any CSS colour syntax works. Normal text needs 4.5:1,
// large text (24px, or 18.66px bold) 3:1 (WCAG 2.x AA).
const contrastJS = `(() => {` + colourJS + `
  const failures = []; let checked = 0;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, script, style, template, option, [hidden], [aria-hidden="true"]')) continue;
    if (el.disabled) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own) continue;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (r.width <= 1 || r.height <= 1 || cs.visibility !== 'visible' || cs.display === 'none') continue;
    const bg = background(el);
    const fg = over(rgba(cs.color), bg);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
    const need = (size >= 24 || (size >= 18.66 && bold)) ? 3 : 4.5;
    const got = ratio(fg, bg);
    checked++;
    if (got < need) failures.push('contrast ' + name(el) + ' "' + el.textContent.trim().slice(0, 30) + '": ' + hex(fg) + ' on ' + hex(bg) + ' = ' + got.toFixed(2) + ' < ' + need);
  }
  // Chart labels (SVG text scaled with its chart) must stay legible: 9px.
  for (const svg of document.querySelectorAll('main svg')) {
    const vb = svg.viewBox && svg.viewBox.baseVal;
    const w = svg.getBoundingClientRect().width;
    if (!vb || !vb.width || w <= 1) continue;
    for (const tx of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(tx).fontSize) * w / vb.width;
      checked++;
      if (px < 9) { failures.push('legibility: chart label "' + tx.textContent.trim().slice(0, 30) + '" is ' + px.toFixed(1) + 'px (chart ' + Math.round(w) + ' of ' + vb.width + ' px) < 9px'); break; }
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, checked, failures: failures.slice(0, 12)};
})()`

// focusJS reads the focused element's outline and shadow, blurs it and
// reads them again: the focus indicator must be visible and differ.
const focusJS = `(() => {` + colourJS + `
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing is focused after Tab';
  const look = () => { const c = getComputedStyle(el); return {o: c.outlineStyle + ' ' + c.outlineWidth + ' ' + c.outlineColor, c: c.outlineColor, s: c.boxShadow,
    visible: (c.outlineStyle !== 'none' && parseFloat(c.outlineWidth) > 0) || c.boxShadow !== 'none'}; };
  const f = look(); el.blur(); const u = look();
  const what = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
  if (!f.visible) return what + ': no outline or shadow when focused (' + f.o + ' / ' + f.s + ')';
  if (f.o === u.o && f.s === u.s) return what + ': looks the same focused and unfocused (' + f.o + ' / ' + f.s + ')';
  if (f.s === 'none') {
    // WCAG 1.4.11: the outline needs 3:1 against what surrounds it.
    const bg = background(el.parentElement || el);
    const oc = over(rgba(f.c), bg);
    const r = ratio(oc, bg);
    if (r < 3) return what + ': focus outline ' + hex(oc) + ' on ' + hex(bg) + ' = ' + r.toFixed(2) + ' < 3';
  }
  return '';
})()`

// watchJS runs at the start of every document: it records CSP violations
// and script errors, read by problemsJS after the page has loaded.
const watchJS = `window.__ctProblems = [];
document.addEventListener('securitypolicyviolation', e => window.__ctProblems.push('CSP blocked ' + e.violatedDirective + ' ' +
  (e.blockedURI || '') + ' at ' + (e.sourceFile || '') + ':' + e.lineNumber + ' ' + (e.sample || '')), true);
window.addEventListener('error', e => window.__ctProblems.push('script error: ' + e.message + ' at ' + (e.filename || '') + ':' + e.lineno), true);
window.addEventListener('unhandledrejection', e => window.__ctProblems.push('unhandled rejection: ' + e.reason));`

const problemsJS = `window.__ctProblems || ['the watch script did not run']`

func setColorScheme(b *browser.Browser, scheme string) {
	b.Run("prefers-color-scheme: "+scheme, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	}))
}

func TestWebPageSweep(t *testing.T) {
	// The demo's own data and users (serve --demo on an empty database).
	data := t.TempDir()
	srv := startServer(t, nil, "--data", data, "--demo")
	// The demo's public evidence item (its id is generated): the edit page.
	var evidenceID string
	{
		db, err := sqldb.Open(context.Background(), filepath.Join(data, "cloudtrust.db"))
		if err != nil {
			t.Fatal(err)
		}
		items, err := db.EvidenceStore().Items(context.Background(), demo.ProviderOrg)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Title == demo.PublicEvidenceTitle {
				evidenceID = it.ID
			}
		}
		if evidenceID == "" {
			t.Fatalf("no demo evidence item titled %q", demo.PublicEvidenceTitle)
		}
	}
	user := func(orgID string, role org.Role) demo.User {
		for _, u := range demo.Users {
			if u.Org == orgID && u.Role == role {
				return u
			}
		}
		t.Fatalf("no demo user with role %s in %s", role, orgID)
		return demo.User{}
	}
	roles := []struct {
		user  demo.User // zero for a visitor
		pages []string
	}{
		{demo.User{}, []string{"/", "/registry", "/providers/" + demo.ProviderOrg, "/signin"}},
		{user(demo.ProviderOrg, org.RoleOwner), []string{"/console/provider", "/console/provider/views/" + demo.ObjectStorageViewID,
			"/console/assess", "/console/assess/submissions/" + demo.AcmeSubmissionID, "/console/evidence",
			"/console/evidence/" + evidenceID + "/edit", "/console/requests", "/account"}},
		{user(demo.CustomerOrg, org.RoleViewer), []string{"/console/customer", "/console/customer/views/" + demo.ObjectStorageViewID,
			"/console/measurements/" + demo.APIAvailabilityID, "/console/compare"}},
		{user(demo.AuditorOrg, org.RoleAuditor), []string{"/console/auditor", "/console/auditor/submissions/" + demo.AcmeSubmissionID,
			"/console/auditor/entries/" + demo.AcmeAttestationID, "/console/auditor/keys"}},
		{user(demo.RegistryOrg, org.RoleOwner), []string{"/admin", "/admin/status", "/admin/accounts"}},
	}
	for _, vp := range []struct {
		name          string
		width, height int
	}{{"laptop", 1280, 800}, {"phone", 390, 844}} {
		t.Run("on a "+vp.name, func(t *testing.T) {
			b := browser.Start(t, vp.width, vp.height)
			// Every page load fetches its static files: the logged
			// transfer is the page's whole weight, as for a first visit.
			b.Run("disable the cache, watch for CSP violations and script errors", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				if _, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
					return err
				}
				_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchJS})
				return err
			}))
			if vp.name == "laptop" {
				sweepSelfTest(t, b, srv.url)
			}
			for _, role := range roles {
				b.Run("sign out", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
					return err
				}))
				who := "visitor"
				if role.user.Email != "" {
					who = string(role.user.Role) + "@" + role.user.Org
					b.Run("sign in as "+who,
						signInTasks(srv.url, "", role.user.Email, role.user.Password, chromedp.WaitNotPresent(chromedp.CSS("#password")))...)
				}
				for _, page := range role.pages {
					sweepPage(t, b, srv.url, vp.name, who, page)
				}
			}
		})
	}
}

// sweepSelfTest runs the page checks on a page with every problem they
// look for, so that a sweep that finds nothing means something.
func sweepSelfTest(t *testing.T, b *browser.Browser, base string) {
	t.Helper()
	b.Run("set an inline style on a page", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.CSS("main h1")),
		chromedp.Evaluate[chromedp.Void](`document.body.setAttribute('style', 'color: red')`))
	if got := browser.Get(b, "read the CSP violations", chromedp.Poll[[]string](`window.__ctProblems.length > 0 && window.__ctProblems`,
		chromedp.WithPollingTimeout(5*time.Second))); len(got) == 0 || !strings.Contains(got[0], "style-src") {
		t.Errorf("self-test: an inline style attribute was not reported as a CSP violation: %q", got)
	}
	bad := `<!doctype html><html><head><style>a:focus, a:focus-visible { outline: none } p { color: #aaaaaa } div { width: 3000px }</style></head>` +
		`<body><a href="#x">first link</a><p>pale text</p><div>wide</div></body></html>`
	b.Run("open a page with problems", chromedp.Navigate("data:text/html,"+url.PathEscape(bad)), chromedp.WaitVisible(chromedp.CSS("p")))
	a := browser.Get(b, "audit the page with problems", chromedp.Evaluate[sweepAudit](contrastJS))
	if a.ScrollWidth <= a.InnerWidth {
		t.Errorf("self-test: a 3000px wide page was not found to scroll sideways (%d <= %d)", a.ScrollWidth, a.InnerWidth)
	}
	if len(a.Failures) == 0 || !strings.Contains(a.Failures[0], "contrast p \"pale text\"") {
		t.Errorf("self-test: #aaaaaa on white was not reported: %q", a.Failures)
	}
	b.Run("press Tab on the page with problems", chromedp.KeyEvent(kb.Tab))
	if msg := browser.Get(b, "read the focus style", chromedp.Evaluate[string](focusJS)); msg == "" {
		t.Errorf("self-test: a link without focus outline was not reported")
	}
}

// sweepPage opens one page and runs the checks.
func sweepPage(t *testing.T, b *browser.Browser, base, viewport, who, page string) {
	t.Helper()
	label := viewport + " " + who + " " + page
	b.Run("open "+page, chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
	p := b.Timing()
	shot := strings.Trim(strings.NewReplacer("/", "-", "?", "-").Replace(page), "-")
	if shot == "" {
		shot = "home"
	}
	b.Screenshot(viewport + "-" + who + "-" + shot)
	for _, p := range browser.Get(b, "read CSP violations and script errors", chromedp.Evaluate[[]string](problemsJS)) {
		t.Errorf("%s: %s", label, p)
	}
	light := browser.Get(b, "audit "+page, chromedp.Evaluate[sweepAudit](contrastJS))
	if light.ScrollWidth > light.InnerWidth {
		t.Errorf("%s scrolls sideways: scrollWidth %d > innerWidth %d", label, light.ScrollWidth, light.InnerWidth)
	}
	t.Logf("web sweep %s: first contentful paint %.0f ms, load %.0f ms, %.0f bytes, %d text elements checked",
		label, p.FirstContentfulPaint, p.Load, p.TransferBytes, light.Checked)
	if light.Checked == 0 {
		t.Errorf("%s: no text checked for contrast", label)
	}
	for _, f := range light.Failures {
		t.Errorf("%s (light): %s", label, f)
	}
	setColorScheme(b, "dark")
	dark := browser.Get(b, "audit "+page+" in the dark", chromedp.Evaluate[sweepAudit](contrastJS))
	for _, f := range dark.Failures {
		if strings.HasPrefix(f, "contrast ") { // legibility does not depend on the scheme
			t.Errorf("%s (dark): %s", label, f)
		}
	}
	if viewport == "laptop" {
		// Colours do not depend on the width: the dark focus check runs
		// on the laptop only.
		b.Screenshot(viewport + "-" + who + "-" + shot + "-dark")
		b.Run("reload "+page+" in the dark", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
		checkTabStops(t, b, label+" (dark)", page)
	}
	setColorScheme(b, "light")
	if viewport == "laptop" {
		b.Run("reload "+page, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	checkTabStops(t, b, label, page)
}

// checkTabStops presses Tab twice on a freshly loaded page: the skip link,
// then the first link of the navigation, must show a visible focus
// indicator (focusJS blurs each; the next Tab starts from there).
func checkTabStops(t *testing.T, b *browser.Browser, label, page string) {
	t.Helper()
	for i := 1; i <= 2; i++ {
		b.Run(fmt.Sprintf("press Tab %d on %s", i, page), chromedp.KeyEvent(kb.Tab))
		if msg := browser.Get(b, "read the focus style on "+page, chromedp.Evaluate[string](focusJS)); msg != "" {
			t.Errorf("%s: Tab stop %d: focus not visible: %s", label, i, msg)
		}
	}
}
