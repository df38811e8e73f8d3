package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"time"
)

// runPage times single requests for random pages of a service view's assets:
// the latency of one paged read, not throughput.
func runPage(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("page", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	token := fs.String("token", "", "bearer token")
	view := fs.String("view", "", "service view id")
	items := fs.Int("items", 100, "items per page")
	total := fs.Int("total", 10000, "assets in the view (pages are drawn from 0..total/items)")
	samples := fs.Int("samples", 500, "requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hc := newHTTPClient(1)
	c := &client{base: *url, token: *token, http: hc}
	pages := max(1, *total / *items)
	mk := func(ctx context.Context, i int64) (*http.Request, error) {
		p := rand.IntN(pages)
		if i%10 == 0 {
			p = pages - 1 // make sure the last page, the worst case for OFFSET, is sampled
		}
		r, err := http.NewRequestWithContext(ctx, "GET", c.url(fmt.Sprintf("/api/1.0/serviceViews/%s/assets?page=%d&items=%d", *view, p, *items)), nil)
		if err == nil {
			r.Header.Set("Authorization", "Bearer "+*token)
		}
		return r, err
	}
	s := closedLoop(ctx, hc, 1, time.Duration(*samples)*20*time.Millisecond, mk)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"view": *view, "items": *items, "pages": pages, "run": s})
}
