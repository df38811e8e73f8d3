package web_test

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/web"
)

var (
	controlRE = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	attrRE    = regexp.MustCompile(`\b(id|type|aria-label|name)="([^"]*)"`)
)

// TestFormControlsHaveLabels checks every visible input, select and
// textarea of the pages this file's author owns: each has an id named by a
// <label for>, or an aria-label.
func TestFormControlsHaveLabels(t *testing.T) {
	e := newEnv(t, testkit.MustOpenDB(t, "sqlite"), func(c *web.Config) { c.Registry = listings })
	visitor, admin := e.browser(), e.browser()
	admin.signIn("admin")
	pages := []struct {
		b    *browser
		path string
	}{
		{visitor, "/"}, {visitor, "/registry"}, {visitor, "/signin"}, {visitor, "/providers/acme"},
		{admin, "/account"}, {admin, "/admin"},
	}
	for _, p := range pages {
		t.Run(p.path+" labels every control", func(t *testing.T) {
			body := p.b.get(p.path).body
			for _, tag := range controlRE.FindAllString(body, -1) {
				attrs := map[string]string{}
				for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
					attrs[m[1]] = m[2]
				}
				if attrs["type"] == "hidden" || attrs["aria-label"] != "" {
					continue
				}
				if attrs["id"] == "" || !strings.Contains(body, `for="`+attrs["id"]+`"`) {
					t.Errorf("control without label: %s", tag)
				}
			}
		})
	}
}

// TestStylesheetContrast checks that text colours of the stylesheet reach
// WCAG AA contrast (4.5:1) on the backgrounds they are used on, in the
// light and the dark scheme.
func TestStylesheetContrast(t *testing.T) {
	css, err := os.ReadFile("static/style.css")
	must(t, err)
	light := cssVars(t, string(css), ":root {")
	dark := cssVars(t, string(css), "@media (prefers-color-scheme: dark) {\n  :root {")
	pairs := [][2]string{
		{"--fg", "--bg"}, {"--fg", "--panel"}, {"--muted", "--bg"}, {"--muted", "--panel"},
		{"--accent", "--bg"}, {"--accent", "--panel"}, {"--accent-fg", "--accent"},
		{"--ok", "--bg"}, {"--warn", "--bg"}, {"--bad", "--bg"}, {"--bad", "--panel"},
	}
	for name, vars := range map[string]map[string]string{"light": light, "dark": dark} {
		for _, p := range pairs {
			t.Run(fmt.Sprintf("%s %s on %s reaches 4.5:1", name, p[0], p[1]), func(t *testing.T) {
				if r := contrast(t, vars[p[0]], vars[p[1]]); r < 4.5 {
					t.Fatalf("contrast %s on %s = %.2f", vars[p[0]], vars[p[1]], r)
				}
			})
		}
	}
}

var varRE = regexp.MustCompile(`(--[a-z-]+):\s*(#[0-9a-fA-F]{6});`)

// cssVars reads the colour variables of the block that starts at marker.
func cssVars(t *testing.T, css, marker string) map[string]string {
	i := strings.Index(css, marker)
	if i < 0 {
		t.Fatalf("no %q block in style.css", marker)
	}
	block := css[i:]
	block = block[:strings.Index(block, "}")]
	out := map[string]string{}
	for _, m := range varRE.FindAllStringSubmatch(block, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(t *testing.T, hex string) float64 {
	if len(hex) != 7 {
		t.Fatalf("colour %q is not #rrggbb", hex)
	}
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		must(t, err)
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}
