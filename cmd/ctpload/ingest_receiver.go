package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// receiver is the webhook endpoint of the ingest harness: one path per
// trigger (/hook/{i}), so that the trigger's secret is known before the
// body is parsed, as a real receiver would do it.
type receiver struct {
	secrets []string // per trigger index, set before the load starts
	ln      net.Listener
	srv     *http.Server

	mu       sync.Mutex
	received map[int64]time.Time // result updateTime (ns) → first receipt
	events   map[string]bool     // CloudTrust-Event-Id seen
	dups     int64               // deliveries of an event id already seen
	badSig   int64
	bad      int64 // malformed deliveries
	firstBad string
	arrived  chan struct{} // poked on every new alert
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{ln: ln, received: map[int64]time.Time{}, events: map[string]bool{}, arrived: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook/{i}", r.handle)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

// url is the notification URI of trigger i.
func (r *receiver) url(i int) string { return fmt.Sprintf("http://%s/hook/%d", r.ln.Addr(), i) }

func (r *receiver) close() { r.srv.Close() }

func (r *receiver) fail(w http.ResponseWriter, status int, counter *int64, msg string) {
	r.mu.Lock()
	*counter++
	if r.firstBad == "" {
		r.firstBad = msg
	}
	r.mu.Unlock()
	http.Error(w, msg, status)
}

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		r.fail(w, 400, &r.bad, "reading body: "+err.Error())
		return
	}
	i, err := strconv.Atoi(req.PathValue("i"))
	if err != nil || i < 0 || i >= len(r.secrets) || r.secrets[i] == "" {
		r.fail(w, 404, &r.bad, "unknown hook "+req.URL.Path)
		return
	}
	if !verifySignature([]byte(r.secrets[i]), body, req.Header.Get("CloudTrust-Signature"), now) {
		r.fail(w, 401, &r.badSig, "bad signature on "+req.URL.Path)
		return
	}
	var ev struct {
		Type string `json:"type"`
		Log  struct {
			Result struct {
				UpdateTime string `json:"updateTime"`
			} `json:"result"`
		} `json:"log"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		r.fail(w, 400, &r.bad, "body: "+err.Error())
		return
	}
	ut, err := time.Parse(time.RFC3339Nano, ev.Log.Result.UpdateTime)
	if err != nil || ev.Type != "ctp.alert" {
		r.fail(w, 400, &r.bad, fmt.Sprintf("unexpected event type %q or updateTime %q", ev.Type, ev.Log.Result.UpdateTime))
		return
	}
	id := req.Header.Get("CloudTrust-Event-Id")
	r.mu.Lock()
	if r.events[id] {
		r.dups++
	} else {
		r.events[id] = true
		if _, ok := r.received[ut.UnixNano()]; ok {
			r.dups++ // a second event for the same result
		} else {
			r.received[ut.UnixNano()] = now
		}
	}
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifySignature is the check of docs/notify.md written out (not
// notify.VerifySignature), so that the harness also checks the documented
// scheme: v1 = hex HMAC-SHA256(secret, t + "." + body), t within 5 minutes.
func verifySignature(secret, body []byte, header string, now time.Time) bool {
	var ts int64
	var sigs [][]byte
	for _, kv := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "t":
			ts, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%d.", ts)
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return true
		}
	}
	return false
}
