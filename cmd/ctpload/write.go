package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

func runWrite(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	token := fs.String("token", "", "agent bearer token")
	ms := fs.String("measurements", "", "comma-separated measurement ids to write results to (round robin)")
	d := fs.Duration("duration", 10*time.Second, "duration")
	conc := fs.Int("concurrency", 16, "workers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ids := strings.Split(*ms, ",")
	if *ms == "" || len(ids) == 0 {
		return fmt.Errorf("--measurements is required")
	}
	hc := newHTTPClient(*conc)
	c := &client{base: *url, token: *token, http: hc}
	mk := func(ctx context.Context, i int64) (*http.Request, error) {
		// Alternate around the objective threshold so that statuses change.
		pct := 99.0 + float64(i%10)/10
		body := fmt.Sprintf(`{"result":{"value":[{"percentage":%.1f}],"updateTime":%q}}`, pct, time.Now().UTC().Format(time.RFC3339Nano))
		r, err := http.NewRequestWithContext(ctx, "PUT", c.url("/api/1.0/measurements/"+ids[i%int64(len(ids))]+"?x=result"), bytes.NewBufferString(body))
		if err == nil {
			r.Header.Set("Authorization", "Bearer "+*token)
			r.Header.Set("Content-Type", "application/json")
		}
		return r, err
	}
	closedLoop(ctx, hc, *conc, time.Second, mk) // warm-up
	s := closedLoop(ctx, hc, *conc, *d, mk)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"measurements": len(ids), "concurrency": *conc, "run": s})
}
