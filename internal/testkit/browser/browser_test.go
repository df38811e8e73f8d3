package browser_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cloudtrust/cloudtrust/internal/testkit/browser"
)

func TestBrowserLoadsAPageAndMeasuresIt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><title>t</title><h1 id="h">Hello</h1>`)
	}))
	defer srv.Close()
	b := browser.Start(t, 390, 844)
	b.Run("open the page", chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("#h")))
	t.Run("the page's text is read", func(t *testing.T) {
		if got := browser.Get(b, "read heading", chromedp.Text(chromedp.CSS("#h"))); got != "Hello" {
			t.Fatalf("heading = %q", got)
		}
	})
	t.Run("a screenshot is saved as a PNG", func(t *testing.T) {
		p := b.Screenshot("hello")
		data, err := os.ReadFile(p)
		if err != nil || len(data) < 8 || string(data[1:4]) != "PNG" {
			t.Fatalf("screenshot %q: %v (%d bytes)", p, err, len(data))
		}
	})
	t.Run("the paint timing is available", func(t *testing.T) {
		p := b.Timing()
		if p.FirstContentfulPaint <= 0 || p.TransferBytes <= 0 {
			t.Fatalf("timing = %+v", p)
		}
		t.Logf("first contentful paint %.1f ms, %v bytes", p.FirstContentfulPaint, p.TransferBytes)
	})
}
