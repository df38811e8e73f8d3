package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestVerifySignature(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"id":"log1"}`)
	signedAt := time.Unix(1_800_000_000, 0)
	good := SignatureHeader(secret, signedAt, body)
	rotated := good + ",v1=" + Sign([]byte("new"), signedAt.Unix(), body)
	tests := []struct {
		name     string
		secret   []byte
		header   string
		body     []byte
		now      time.Time
		wantCode string
		wantMsg  string
	}{
		{"valid signature is accepted", secret, good, body, signedAt.Add(time.Minute), "", ""},
		{"second v1 for a rotated secret is accepted", []byte("new"), rotated, body, signedAt, "", ""},
		{"tampered body is rejected", secret, good, []byte(`{"id":"log2"}`), signedAt, cloudtrust.EUNAUTHORIZED, "no v1 signature matches"},
		{"wrong secret is rejected", []byte("other"), good, body, signedAt, cloudtrust.EUNAUTHORIZED, "no v1 signature matches"},
		{"expired timestamp is rejected", secret, good, body, signedAt.Add(6 * time.Minute), cloudtrust.EUNAUTHORIZED, "tolerance"},
		{"timestamp from the future is rejected", secret, good, body, signedAt.Add(-6 * time.Minute), cloudtrust.EUNAUTHORIZED, "tolerance"},
		{"missing header is rejected", secret, "", body, signedAt, cloudtrust.EUNAUTHORIZED, "missing"},
		{"header without timestamp is invalid", secret, "v1=00", body, signedAt, cloudtrust.EINVALID, "no t="},
		{"header without signature is invalid", secret, "t=1800000000", body, signedAt, cloudtrust.EINVALID, "no v1="},
		{"non-numeric timestamp is invalid", secret, "t=abc,v1=00", body, signedAt, cloudtrust.EINVALID, "unix seconds"},
		{"element without = is invalid", secret, "t=1800000000,junk", body, signedAt, cloudtrust.EINVALID, "element 2"},
		{"non-hex signature is rejected", secret, "t=1800000000,v1=zz", body, signedAt, cloudtrust.EUNAUTHORIZED, "no v1 signature matches"},
		{"empty secret is invalid", nil, good, body, signedAt, cloudtrust.EINVALID, "empty secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.secret, tt.header, tt.body, tt.now, DefaultTolerance)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("VerifySignature: %v", err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != tt.wantCode || !strings.Contains(cloudtrust.ErrorMessage(err), tt.wantMsg) {
				t.Fatalf("VerifySignature = %v, want code %s and message containing %q", err, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestSignMatchesDocumentedVector(t *testing.T) {
	// The same vector appears in docs/notify.md for the openssl snippet.
	got := Sign([]byte("whsec_test"), 1800000000, []byte(`{"hello":"world"}`))
	// printf '%s' '1800000000.{"hello":"world"}' | openssl dgst -sha256 -hmac whsec_test
	const want = "2cd068f37feeaf74f00c9f7a4d83905a673e537c140a834f359a77f021adc713"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}
