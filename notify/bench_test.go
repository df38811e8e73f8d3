package notify

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func okServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
}

var benchBody = bytes.Repeat([]byte(`{"k":"v"},`), 80) // ~800 bytes, a typical alert

// BenchmarkWebhookPool measures signed deliveries through a 4-worker Pool.
func BenchmarkWebhookPool(b *testing.B) {
	srv := okServer()
	defer srv.Close()
	var wg sync.WaitGroup
	p := NewPool(NewWebhookSender(WebhookConfig{}), PoolConfig{Workers: 4, QueueSize: 1024, Logger: quietLogger(),
		Delivered: func(*Delivery) { wg.Done() }})
	defer p.Close(context.Background())
	secret := []byte("k")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		for p.Enqueue(&Delivery{EventID: "e", Target: srv.URL, Body: benchBody, Secret: secret}) != nil {
			time.Sleep(50 * time.Microsecond) // queue full: let the workers catch up
		}
	}
	wg.Wait()
}

// BenchmarkWebhookBarePOST is the baseline: unsigned POSTs of the same body
// from 4 goroutines with a plain http.Client.
func BenchmarkWebhookBarePOST(b *testing.B) {
	srv := okServer()
	defer srv.Close()
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 4
	work := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(benchBody))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
}

// BenchmarkHubPublish publishes to a topic with 100 draining subscribers.
func BenchmarkHubPublish(b *testing.B) {
	h := NewHub(HubConfig{})
	defer h.Close()
	for range 100 {
		ch, cancel := h.Subscribe("sv")
		defer cancel()
		go func() {
			for range ch {
			}
		}()
	}
	ev := Event{Type: EventAlert, Data: benchBody}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Publish("sv", ev)
	}
}
