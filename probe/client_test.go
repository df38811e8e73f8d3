package probe

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

const testToken = "agent-token-0123456789"

// fakeCTP records PUT ?x=result requests and answers with the statuses of
// script in turn (200 once the script is used up).
type fakeCTP struct {
	mu       sync.Mutex
	script   []fakeAnswer
	requests []recorded
}

type fakeAnswer struct {
	status     int
	retryAfter string
	body       string
}

type recorded struct {
	method, path, query, auth, contentType string
	body                                   map[string]json.RawMessage
}

func (f *fakeCTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]json.RawMessage
	json.Unmarshal(b, &body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
	a := fakeAnswer{status: 200, body: `{"self":"x"}`}
	if len(f.script) > 0 {
		a, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (f *fakeCTP) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func newTestClient(server string) (*Client, *[]time.Duration) {
	var sleeps []time.Duration
	c := &Client{Server: server, Token: testToken, MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Second}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		sleeps = append(sleeps, d)
		return ctx.Err()
	}
	return c, &sleeps
}

var okResult = json.RawMessage(`{"value":[{"percentage":99.9}]}`)

func TestPushClient(t *testing.T) {
	for _, c := range []struct {
		name        string
		script      []fakeAnswer
		item        func(base string) Item
		server      func(base string) string
		api         string
		wantCode    string // "" for success
		wantMsg     string
		wantReqs    int
		wantSleeps  int
		checkSleeps func(t *testing.T, s []time.Duration)
	}{
		{
			name:     "result is PUT to the measurement with the token and a wrapped body",
			item:     func(string) Item { return Item{Measurement: "Hn_AUvZ3b2aKTPm0", Result: okResult} },
			wantReqs: 1,
		},
		{
			name: "measurement URL on the server is accepted",
			item: func(b string) Item {
				return Item{Measurement: b + "/api/1.0/measurements/Hn_AUvZ3b2aKTPm0", Result: okResult}
			},
			wantReqs: 1,
		},
		{
			name:     "server URL ending in /api/1.0/ is normalised",
			server:   func(b string) string { return b + "/api/1.0/" },
			item:     func(string) Item { return Item{Measurement: "Hn_AUvZ3b2aKTPm0", Result: okResult} },
			wantReqs: 1,
		},
		{
			name: "measurement URL on another host is refused before sending",
			item: func(string) Item {
				return Item{Measurement: "https://evil.test/api/1.0/measurements/abc", Result: okResult}
			},
			wantCode: cloudtrust.EINVALID, wantMsg: "is not a measurement of the server",
		},
		{
			name:     "invalid measurement id is refused before sending",
			item:     func(string) Item { return Item{Measurement: "a/b", Result: okResult} },
			wantCode: cloudtrust.EINVALID, wantMsg: `invalid identifier "a/b"`,
		},
		{
			name:     "result without value is refused before sending",
			item:     func(string) Item { return Item{Measurement: "abc", Result: json.RawMessage(`{"updateTime":"x"}`)} },
			wantCode: cloudtrust.EINVALID, wantMsg: "result.value: required",
		},
		{
			name:     "result rows that are not objects are refused before sending",
			item:     func(string) Item { return Item{Measurement: "abc", Result: json.RawMessage(`{"value":[1]}`)} },
			wantCode: cloudtrust.EINVALID, wantMsg: "result.value: must be an array of objects",
		},
		{
			name:     "400 is not retried and carries the server's message",
			script:   []fakeAnswer{{status: 400, body: `{"error":"result.value[0].percentage: must be a number"}`}},
			item:     func(string) Item { return Item{Measurement: "abc", Result: okResult} },
			wantCode: cloudtrust.EINVALID, wantMsg: "measurement abc: 400 result.value[0].percentage: must be a number",
			wantReqs: 1,
		},
		{
			name:     "404 is ENOTFOUND",
			script:   []fakeAnswer{{status: 404, body: `{"error":"no measurement abc"}`}},
			item:     func(string) Item { return Item{Measurement: "abc", Result: okResult} },
			wantCode: cloudtrust.ENOTFOUND, wantMsg: "no measurement abc", wantReqs: 1,
		},
		{
			name:     "401 is EUNAUTHORIZED and never shows the token",
			script:   []fakeAnswer{{status: 401, body: `{"error":"invalid token"}`}},
			item:     func(string) Item { return Item{Measurement: "abc", Result: okResult} },
			wantCode: cloudtrust.EUNAUTHORIZED, wantMsg: "invalid token", wantReqs: 1,
		},
		{
			name:       "503 then 429 then 200 succeeds after backing off",
			script:     []fakeAnswer{{status: 503, body: `{"error":"busy"}`}, {status: 429, retryAfter: "2"}},
			item:       func(string) Item { return Item{Measurement: "abc", Result: okResult} },
			wantReqs:   3,
			wantSleeps: 2,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if s[1] < 2*time.Second {
					t.Errorf("second wait %v, want at least the Retry-After of 2s", s[1])
				}
			},
		},
		{
			name:       "Retry-After beyond MaxBackoff is capped",
			script:     []fakeAnswer{{status: 429, retryAfter: "3600"}},
			item:       func(string) Item { return Item{Measurement: "abc", Result: okResult} },
			wantReqs:   2,
			wantSleeps: 1,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if s[0] > 10*time.Second {
					t.Errorf("wait %v, want at most MaxBackoff 10s", s[0])
				}
			},
		},
		{
			name:     "persistent 500 gives up after MaxAttempts",
			script:   []fakeAnswer{{status: 500, body: `{"error":"internal error"}`}, {status: 500}, {status: 500}},
			item:     func(string) Item { return Item{Measurement: "abc", Result: okResult} },
			wantCode: cloudtrust.EINTERNAL, wantMsg: "(after 3 attempts)", wantReqs: 3, wantSleeps: 2,
		},
		{
			name:     "batch API is not implemented yet",
			api:      APIBatch,
			item:     func(string) Item { return Item{Measurement: "abc", Result: okResult} },
			wantCode: cloudtrust.ENOTIMPLEMENTED, wantMsg: "POST /api/v1/results",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeCTP{script: c.script}
			s := httptest.NewServer(f)
			defer s.Close()
			server := s.URL
			if c.server != nil {
				server = c.server(s.URL)
			}
			cl, sleeps := newTestClient(server)
			cl.API = c.api
			err := cl.PushOne(context.Background(), c.item(s.URL))
			if got := cloudtrust.ErrorCode(err); got != c.wantCode {
				t.Fatalf("error %v: code %q, want %q", err, got, c.wantCode)
			}
			if err != nil && !strings.Contains(cloudtrust.ErrorMessage(err), c.wantMsg) {
				t.Errorf("message %q does not contain %q", cloudtrust.ErrorMessage(err), c.wantMsg)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q shows the token", err)
			}
			if f.count() != c.wantReqs {
				t.Errorf("%d requests, want %d", f.count(), c.wantReqs)
			}
			if len(*sleeps) != c.wantSleeps {
				t.Errorf("%d waits, want %d", len(*sleeps), c.wantSleeps)
			}
			if c.checkSleeps != nil && len(*sleeps) == c.wantSleeps {
				c.checkSleeps(t, *sleeps)
			}
			if c.wantCode == "" {
				r := f.requests[len(f.requests)-1]
				want(t, "method", r.method, http.MethodPut)
				want(t, "path", r.path, "/api/1.0/measurements/"+strings.TrimPrefix(c.item(s.URL).Measurement, s.URL+"/api/1.0/measurements/"))
				want(t, "query", r.query, "x=result")
				want(t, "Authorization", r.auth, "Bearer "+testToken)
				want(t, "Content-Type", r.contentType, "application/json")
				want(t, "body.result", string(r.body["result"]), string(okResult))
			}
		})
	}

	t.Run("network errors are retried and reported as EUNAVAILABLE", func(t *testing.T) {
		s := httptest.NewServer(http.NotFoundHandler())
		s.Close()
		cl, sleeps := newTestClient(s.URL)
		err := cl.PushOne(context.Background(), Item{Measurement: "abc", Result: okResult})
		if cloudtrust.ErrorCode(err) != cloudtrust.EUNAVAILABLE || !strings.Contains(err.Error(), "after 3 attempts") {
			t.Fatalf("err = %v, want EUNAVAILABLE after 3 attempts", err)
		}
		want(t, "waits", len(*sleeps), 2)
	})
	t.Run("Push answers one error per item in order", func(t *testing.T) {
		f := &fakeCTP{script: []fakeAnswer{{status: 200}, {status: 400, body: `{"error":"bad"}`}, {status: 200}}}
		s := httptest.NewServer(f)
		defer s.Close()
		cl, _ := newTestClient(s.URL)
		errs := cl.Push(context.Background(), []Item{
			{Measurement: "a", Result: okResult}, {Measurement: "b", Result: okResult}, {Measurement: "c", Result: okResult},
		})
		if errs[0] != nil || errs[1] == nil || errs[2] != nil {
			t.Fatalf("errs = %v, want only the second to fail", errs)
		}
		want(t, "order", f.requests[2].path, "/api/1.0/measurements/c")
	})
	t.Run("missing server is an invalid-input error", func(t *testing.T) {
		err := (&Client{Token: testToken}).PushOne(context.Background(), Item{Measurement: "a", Result: okResult})
		if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "server: required") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPushRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"7", 7 * time.Second}, {"-1", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := retryAfter(c.in, now); got != c.want {
			t.Errorf("retryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestPushReadLines(t *testing.T) {
	input := strings.Join([]string{
		`{"measurement":"m1","result":{"value":[{"percentage":99.9}]}}`,
		``,
		`{"result":{"value":[{"percentage":98}]}}`,
		`{"measurement":"m2","result":{"value":[{"percentage":97}]}} {}`,
		`{"measurement":"m3"}`,
		`{"measurement":"m4","result":{"value":{"percentage":1}}}`,
		`{"measurement":"m5","result":{"value":[]},"extra":1}`,
		`{"measurement":`,
	}, "\n")
	lines, err := ReadLines(strings.NewReader(input), "default-m")
	if err != nil {
		t.Fatal(err)
	}
	wantLines := []struct {
		n           int
		measurement string
		err         string
	}{
		{1, "m1", ""},
		{3, "default-m", ""},
		{4, "", "trailing data"},
		{5, "m3", "result: required"},
		{6, "m4", "result.value: must be an array of objects"},
		{7, "", `unknown field "extra"`},
		{8, "", "unexpected EOF"},
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("%d lines, want %d: %+v", len(lines), len(wantLines), lines)
	}
	for i, w := range wantLines {
		l := lines[i]
		t.Run("line "+w.measurement+" "+w.err, func(t *testing.T) {
			want(t, "line number", l.N, w.n)
			if w.err == "" {
				if l.Err != nil {
					t.Fatalf("line %d: %v", l.N, l.Err)
				}
				want(t, "measurement", l.Item.Measurement, w.measurement)
			} else if l.Err == nil || !strings.Contains(l.Err.Error(), w.err) {
				t.Fatalf("line %d: err %v, want %q", l.N, l.Err, w.err)
			}
		})
	}
	t.Run("a line without measurement and no default is an error naming the flag", func(t *testing.T) {
		lines, _ := ReadLines(strings.NewReader(`{"result":{"value":[]}}`), "")
		if len(lines) != 1 || lines[0].Err == nil || !strings.Contains(lines[0].Err.Error(), "--measurement") {
			t.Fatalf("lines = %+v", lines)
		}
	})
	t.Run("an over-long line stops reading with its line number", func(t *testing.T) {
		_, err := ReadLines(strings.NewReader("{}\n"+strings.Repeat("x", MaxLineBytes+1)), "")
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("err = %v, want it to name line 2", err)
		}
	})
}
