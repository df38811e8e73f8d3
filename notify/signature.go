package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Webhook request headers.
const (
	HeaderSignature = "CloudTrust-Signature" // t=<unix seconds>,v1=<hex HMAC-SHA256>
	HeaderEventID   = "CloudTrust-Event-Id"  // the log entry id: receivers deduplicate on it
	HeaderEventType = "CloudTrust-Event-Type"
	HeaderAttempt   = "CloudTrust-Delivery-Attempt"
)

// DefaultTolerance is the clock skew and replay window receivers should use.
const DefaultTolerance = 5 * time.Minute

// Sign returns the HMAC-SHA256 of timestamp + "." + body, in hex.
func Sign(secret []byte, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// SignatureHeader returns the CloudTrust-Signature header value for body
// signed at time t.
func SignatureHeader(secret []byte, t time.Time, body []byte) string {
	ts := t.Unix()
	return "t=" + strconv.FormatInt(ts, 10) + ",v1=" + Sign(secret, ts, body)
}

// VerifySignature checks a CloudTrust-Signature header against body: one of
// its v1 values must be the HMAC of "t.body" under secret (several v1 values
// allow secret rotation), and t must be within tolerance of now, which
// bounds replays. Errors are *cloudtrust.Error with code EUNAUTHORIZED (or
// EINVALID for a malformed header) and say what is wrong.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "webhook signature: empty secret")
	}
	if strings.TrimSpace(header) == "" {
		return cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "webhook signature: missing %s header", HeaderSignature)
	}
	var ts int64
	haveTS := false
	var sigs []string
	for i, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return cloudtrust.Errorf(cloudtrust.EINVALID, "webhook signature: element %d %q is not key=value", i+1, part)
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return cloudtrust.Errorf(cloudtrust.EINVALID, "webhook signature: timestamp %q is not unix seconds", v)
			}
			ts, haveTS = n, true
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if !haveTS {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "webhook signature: no t= timestamp")
	}
	if len(sigs) == 0 {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "webhook signature: no v1= signature")
	}
	if tolerance > 0 {
		skew := now.Sub(time.Unix(ts, 0))
		if skew > tolerance || -skew > tolerance {
			return cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "webhook signature: timestamp %d is %s away from now, more than the %s tolerance", ts, skew.Round(time.Second), tolerance)
		}
	}
	want, _ := hex.DecodeString(Sign(secret, ts, body))
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return cloudtrust.Errorf(cloudtrust.EUNAUTHORIZED, "webhook signature: no v1 signature matches the body (wrong secret or modified body)")
}
