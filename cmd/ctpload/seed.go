package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// seedResult is printed as JSON so that scripts can chain commands.
type seedResult struct {
	CustomerToken string   `json:"customerToken"`
	AgentToken    string   `json:"agentToken"`
	ServiceView   string   `json:"serviceView"`
	Metric        string   `json:"metric"`
	FirstAsset    string   `json:"firstAsset"`
	Measurements  []string `json:"measurements"`
	Assets        int      `json:"assets"`
	Seconds       float64  `json:"seconds"`
}

func runSeed(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	admin := fs.String("admin-token", os.Getenv("CLOUDTRUST_BOOTSTRAP_TOKEN"), "administrator token")
	assets := fs.Int("assets", 10, "assets in the service view")
	measurements := fs.Int("measurements", 10, "measurements in total, spread over the assets (one attribute per asset)")
	conc := fs.Int("concurrency", 8, "parallel requests while seeding")
	keep := fs.Int("keep", 1000, "measurement ids to print (the first N)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	c := &client{base: *url, token: *admin, http: newHTTPClient(*conc)}
	var cust, agent struct {
		Self  string `json:"self"`
		Token string `json:"token"`
	}
	if err := c.do(ctx, "POST", "/api/1.0/accounts", map[string]any{"name": "load-customer", "accountTags": []string{"access:user", "access:anybody"}}, &cust); err != nil {
		return err
	}
	if err := c.do(ctx, "POST", "/api/1.0/accounts", map[string]any{"name": "load-agent", "accountTags": []string{"access:agent", "access:anybody"}}, &agent); err != nil {
		return err
	}
	var self struct {
		Self string `json:"self"`
	}
	if err := c.do(ctx, "POST", "/api/1.0/metrics", map[string]any{
		"name": "availability-percentage", "baseMetric": "https://example.org/metrics/availability",
		"resultFormat": []map[string]string{{"name": "percentage", "type": "number"}},
	}, &self); err != nil {
		return err
	}
	metric := lastSegment(self.Self)
	tags := []string{"id:" + lastSegment(cust.Self), "id:" + lastSegment(agent.Self)}
	if err := c.do(ctx, "POST", "/api/1.0/serviceViews", map[string]any{"name": "load view", "provider": "load", "accessTags": tags}, &self); err != nil {
		return err
	}
	view := lastSegment(self.Self)
	res := seedResult{CustomerToken: cust.Token, AgentToken: agent.Token, ServiceView: view, Metric: metric, Assets: *assets}

	// Assets and their attribute, in parallel.
	attrs := make([]string, *assets)
	if err := parallel(*conc, *assets, func(i int) error {
		var a, at struct {
			Self string `json:"self"`
		}
		if err := c.do(ctx, "POST", "/api/1.0/serviceViews/"+view+"/assets", map[string]any{"name": fmt.Sprintf("asset-%06d", i)}, &a); err != nil {
			return err
		}
		if err := c.do(ctx, "POST", "/api/1.0/assets/"+lastSegment(a.Self)+"/attributes", map[string]any{"name": "availability"}, &at); err != nil {
			return err
		}
		if i == 0 {
			res.FirstAsset = lastSegment(a.Self)
		}
		attrs[i] = lastSegment(at.Self)
		return nil
	}); err != nil {
		return err
	}
	ids := make([]string, *measurements)
	if err := parallel(*conc, *measurements, func(i int) error {
		var m struct {
			Self string `json:"self"`
		}
		body := map[string]any{
			"name": fmt.Sprintf("availability-%06d", i), "metric": metric, "state": "activated",
			"objective":     map[string]any{"condition": "value[0].percentage >= 99.5"},
			"createTrigger": "yes",
		}
		if err := c.do(ctx, "POST", "/api/1.0/attributes/"+attrs[i%len(attrs)]+"/measurements", body, &m); err != nil {
			return err
		}
		ids[i] = lastSegment(m.Self)
		return nil
	}); err != nil {
		return err
	}
	if *keep < len(ids) {
		ids = ids[:*keep]
	}
	res.Measurements = ids
	res.Seconds = time.Since(start).Seconds()
	return json.NewEncoder(os.Stdout).Encode(res)
}

// parallel runs fn(0..n-1) on conc workers and returns the first error.
func parallel(conc, n int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
