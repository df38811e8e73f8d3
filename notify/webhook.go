package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// WebhookConfig configures a WebhookSender. Zero values take the defaults.
type WebhookConfig struct {
	Timeout          time.Duration // whole request including the response body; default 10s
	MaxResponseBytes int64         // response body read at most; default 64 KiB
	UserAgent        string        // default "CloudTrust-Webhook/1"
	Clock            cloudtrust.Clock
	// DenyPrivateAddresses refuses to connect to loopback, private,
	// link-local, multicast and unspecified addresses, so that customers
	// cannot aim webhooks at the provider's internal network.
	DenyPrivateAddresses bool
	// Transport replaces the default transport (tests, proxies).
	Transport http.RoundTripper
}

// WebhookSender POSTs signed payloads to http(s) notification URIs.
type WebhookSender struct {
	client *http.Client
	cfg    WebhookConfig
}

// NewWebhookSender returns a sender. Redirects are followed only to the same
// host and only when they keep the POST (307, 308), at most 3 times;
// anything else is a failed attempt.
func NewWebhookSender(cfg WebhookConfig) *WebhookSender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = 64 << 10
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "CloudTrust-Webhook/1"
	}
	if cfg.Clock == nil {
		cfg.Clock = cloudtrust.SystemClock{}
	}
	tr := cfg.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		d := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
		if cfg.DenyPrivateAddresses {
			d.Control = denyPrivate
		}
		t.DialContext = d.DialContext
		t.ResponseHeaderTimeout = cfg.Timeout
		t.MaxIdleConnsPerHost = 4
		tr = t
	}
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 || req.URL.Host != via[0].URL.Host || req.Method != http.MethodPost {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &WebhookSender{client: client, cfg: cfg}
}

func denyPrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: cannot check address %q", address)
	}
	ip := ap.Addr().Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("webhook: destination address %s is not public", ip)
	}
	return nil
}

// Send makes one signed POST of d.Body to d.Target.
func (w *WebhookSender) Send(ctx context.Context, d *Delivery) error {
	if len(d.Secret) == 0 {
		return &AttemptError{Permanent: true, Msg: "no webhook signing secret is configured for this trigger or account"}
	}
	u, err := url.Parse(d.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &AttemptError{Permanent: true, Msg: "notification URI is not an absolute http(s) URL"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Target, bytes.NewReader(d.Body))
	if err != nil {
		return &AttemptError{Permanent: true, Msg: "notification URI is not a valid request URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	req.Header.Set(HeaderEventID, d.EventID)
	req.Header.Set(HeaderEventType, d.EventType)
	req.Header.Set(HeaderAttempt, strconv.Itoa(d.Attempt))
	req.Header.Set(HeaderSignature, SignatureHeader(d.Secret, w.cfg.Clock.Now(), d.Body))
	resp, err := w.client.Do(req)
	if err != nil {
		// *url.Error repeats the URL, whose path or query may hold a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &AttemptError{Msg: fmt.Sprintf("POST to %s failed: %v", u.Host, err)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, w.cfg.MaxResponseBytes))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := fmt.Sprintf("POST to %s: HTTP %d", u.Host, resp.StatusCode)
	if s := strings.TrimSpace(string(snippet)); s != "" {
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		msg += ": " + strings.ToValidUTF8(s, "?")
	}
	ae := &AttemptError{Status: resp.StatusCode, Msg: msg}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		ae.Permanent = true
		ae.Msg = fmt.Sprintf("POST to %s: HTTP %d redirect not followed (only same-host 307/308 are)", u.Host, resp.StatusCode)
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly,
		resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		ae.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), w.cfg.Clock.Now())
	default:
		ae.Permanent = true
	}
	return ae
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
