package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/notify"
)

func TestVerifySignatureFollowsTheServersScheme(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"x","type":"ctp.alert"}`)
	secret := []byte("s3cret")
	good := notify.SignatureHeader(secret, now, body)
	other := notify.SignatureHeader([]byte("other"), now, body)
	_, goodV1, _ := strings.Cut(good, "v1=")
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   bool
	}{
		{"a header signed by the server is accepted", secret, good, body, now, true},
		{"a rotated header with a second v1 is accepted", secret, other + ",v1=" + goodV1, body, now, true},
		{"another secret is rejected", []byte("other"), good, body, now, false},
		{"a changed body is rejected", secret, good, []byte(`{"id":"y"}`), now, false},
		{"a timestamp over 5 minutes old is rejected", secret, good, body, now.Add(6 * time.Minute), false},
		{"an empty header is rejected", secret, "", body, now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verifySignature(tt.secret, tt.body, tt.header, tt.now); got != tt.want {
				t.Fatalf("verifySignature(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestRunIngestRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no agents is rejected", []string{"--agents", "0"}, "--agents at least 1"},
		{"fewer measurements than agents is rejected", []string{"--measurements", "1", "--agents", "2"}, "--measurements must be at least --agents"},
		{"empty batches are rejected", []string{"--batch", "0"}, "--batch must be positive"},
		{"a flip fraction over 1 is rejected", []string{"--flip", "1.5"}, "--flip in [0,1]"},
		{"a negative rate is rejected", []string{"--rate", "-1"}, "--rate must be 0"},
		{"no setup concurrency is rejected", []string{"--setup-concurrency", "0"}, "--setup-concurrency at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runIngest(context.Background(), tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
