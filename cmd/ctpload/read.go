package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"time"
)

// readReport is the JSON output of "ctpload read".
type readReport struct {
	Path          string  `json:"path"`
	Bytes         int     `json:"bytes"`
	Rounds        int     `json:"rounds"`
	Server        []stats `json:"server"`
	Baseline      []stats `json:"baseline,omitempty"`
	MedianServer  float64 `json:"medianServerPerSecond"`
	MedianBase    float64 `json:"medianBaselinePerSecond,omitempty"`
	Ratio         float64 `json:"ratio,omitempty"`
	FixedRate     int     `json:"fixedRate,omitempty"`
	FixedRateRun  *stats  `json:"fixedRateRun,omitempty"`
	FixedRateBase *stats  `json:"fixedRateBaseline,omitempty"`
}

func runRead(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	token := fs.String("token", "", "bearer token")
	path := fs.String("path", "", "path to GET, e.g. /api/1.0/measurements/ID")
	d := fs.Duration("duration", 5*time.Second, "duration of each closed-loop round")
	conc := fs.Int("concurrency", 16, "closed-loop workers")
	rounds := fs.Int("rounds", 3, "alternating server/baseline rounds (medians are reported)")
	rate := fs.Int("rate", 2000, "fixed request rate for the latency run (0 to skip)")
	rateDur := fs.Duration("rate-duration", 10*time.Second, "duration of the fixed-rate run")
	baseline := fs.Bool("baseline", true, "also measure a bare net/http handler serving the same bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		return fmt.Errorf("--path is required")
	}
	hc := newHTTPClient(*conc)
	c := &client{base: *url, token: *token, http: hc}

	// Fetch the body once: the baseline serves exactly these bytes.
	req, _ := http.NewRequestWithContext(ctx, "GET", c.url(*path), nil)
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s: %s", *path, resp.Status, body)
	}
	baseURL := ""
	if *baseline {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		})}
		go srv.Serve(ln)
		defer srv.Close()
		baseURL = "http://" + ln.Addr().String()
	}
	mk := func(target string) request {
		return func(ctx context.Context, i int64) (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, "GET", target, nil)
			if err == nil {
				r.Header.Set("Authorization", "Bearer "+*token)
			}
			return r, err
		}
	}
	serverReq := mk(c.url(*path))
	baseReq := mk(baseURL + *path)
	rep := readReport{Path: *path, Bytes: len(body), Rounds: *rounds}
	// Warm up both, then alternate so that machine noise hits both alike.
	closedLoop(ctx, hc, *conc, time.Second, serverReq)
	if *baseline {
		closedLoop(ctx, hc, *conc, time.Second, baseReq)
	}
	for r := 0; r < *rounds; r++ {
		rep.Server = append(rep.Server, closedLoop(ctx, hc, *conc, *d, serverReq))
		if *baseline {
			rep.Baseline = append(rep.Baseline, closedLoop(ctx, hc, *conc, *d, baseReq))
		}
	}
	rep.MedianServer = median(rep.Server)
	if *baseline {
		rep.MedianBase = median(rep.Baseline)
		rep.Ratio = rep.MedianServer / rep.MedianBase
	}
	if *rate > 0 {
		rep.FixedRate = *rate
		s := openLoop(ctx, hc, *rate, *rateDur, serverReq)
		rep.FixedRateRun = &s
		if *baseline {
			b := openLoop(ctx, hc, *rate, *rateDur, baseReq)
			rep.FixedRateBase = &b
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func median(runs []stats) float64 {
	v := make([]float64, len(runs))
	for i, s := range runs {
		v[i] = s.PerSecond
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0
	}
	return v[len(v)/2]
}
