package signing

import (
	"strings"
	"testing"
	"time"
)

func TestCanonicalPayload(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"white space is removed and signature dropped",
			"{ \"value\" : [ {\"a\": 1, \"b\": \"x y\"} ],\n\t\"updateTime\": \"2026-11-28T12:00:00Z\", \"authorityId\": \"ag\", \"signature\": \"e.y.z\" }",
			`{"value":[{"a":1,"b":"x y"}],"updateTime":"2026-11-28T12:00:00Z","authorityId":"ag"}`, ""},
		{"member order and number encoding are kept",
			`{"authorityId":"ag","value":[{"n":1.50e2}],"signature":null}`, `{"authorityId":"ag","value":[{"n":1.50e2}]}`, ""},
		{"string escapes are kept", `{"value":[{"s":"\u00e9\n"}]}`, `{"value":[{"s":"\u00e9\n"}]}`, ""},
		{"an array is not a result", `[1]`, "", "must be a JSON object"},
		{"trailing data is refused", `{"value":[]} {}`, "", "trailing data"},
		{"broken JSON is refused", `{"value":[}`, "", "result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalPayload([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("CanonicalPayload = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestVerifyRejectsMalformedSignatures(t *testing.T) {
	keys := []*Key{{ID: "k", AuthorityID: "ag", Algorithm: RS256, JWK: []byte(`{}`)}}
	tests := []struct{ name, sig, wantErr string }{
		{"two segments", "a.b", "not a JWS compact serialisation"},
		{"JSON serialisation", `{"payload":"x"}`, "not a JWS compact serialisation"},
		{"undecodable header", "!!!.e30.sig", "result.signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.sig, []byte(`{}`), keys, testNow)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Verify = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

var testNow = mustTime("2026-11-28T12:00:00Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
