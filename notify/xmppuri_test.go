package notify

import (
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestParseXMPPURI(t *testing.T) {
	tests := []struct {
		name    string
		uri     string
		want    string // the JID, when valid
		wantErr string
	}{
		{"node at server is a bare JID", "xmpp:alice@example.com", "alice@example.com", ""},
		{"path is the resource", "xmpp:alice@example.com/phone", "alice@example.com/phone", ""},
		{"message action is accepted", "xmpp:alice@example.com?message", "alice@example.com", ""},
		{"message action with parameters is accepted", "xmpp:alice@example.com?message;subject=hi", "alice@example.com", ""},
		{"scheme is case-insensitive", "XMPP:alice@example.com", "alice@example.com", ""},
		{"percent-encoded node is decoded", "xmpp:n%C3%A9e@example.com", "née@example.com", ""},
		{"domain is lower-cased", "xmpp:alice@Example.COM", "alice@example.com", ""},
		{"other scheme is rejected", "mailto:alice@example.com", "", "scheme must be xmpp:"},
		{"missing node is rejected", "xmpp:example.com", "", "missing node"},
		{"empty node is rejected", "xmpp:@example.com", "", "missing node"},
		{"missing server is rejected", "xmpp:alice@", "", "missing server"},
		{"empty URI body is rejected", "xmpp:", "", "missing <node>@<server>"},
		{"authority form is rejected", "xmpp://me@example.com/alice@example.com", "", "authority"},
		{"fragment is rejected", "xmpp:alice@example.com#x", "", "fragment"},
		{"other query action is rejected", "xmpp:alice@example.com?subscribe", "", `query action "subscribe"`},
		{"empty resource is rejected", "xmpp:alice@example.com/", "", "empty resource"},
		{"bad percent-encoding is rejected", "xmpp:al%zzice@example.com", "", "percent-encoding in the node"},
		{"forbidden node character is rejected", "xmpp:al%22ice@example.com", "", "not a valid JID"},
		{"space in server is rejected", "xmpp:alice@exa%20mple.com", "", "not a valid JID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := ParseXMPPURI(tt.uri)
			if tt.wantErr != "" {
				if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(cloudtrust.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("ParseXMPPURI(%q) = %v, want EINVALID containing %q", tt.uri, err, tt.wantErr)
				}
				return
			}
			if err != nil || j.String() != tt.want {
				t.Fatalf("ParseXMPPURI(%q) = %v, %v; want %s", tt.uri, j, err, tt.want)
			}
		})
	}
}

func TestValidateNotificationURI(t *testing.T) {
	tests := []struct {
		name    string
		uri     string
		wantErr string
	}{
		{"empty means no notification", "", ""},
		{"https URL is accepted", "https://hooks.example/ctp?k=1", ""},
		{"http URL is accepted", "http://127.0.0.1:9/x", ""},
		{"xmpp URI is accepted", "xmpp:ops@example.com", ""},
		{"relative URL is rejected", "https:/no-host", "absolute"},
		{"fragment is rejected", "https://h.example/#f", "fragment"},
		{"unknown scheme is rejected", "ftp://h.example/", `unsupported scheme "ftp"`},
		{"bad xmpp URI is rejected", "xmpp:example.com", "missing node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateNotificationURI(tt.uri)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("ValidateNotificationURI(%q) = %v", tt.uri, err)
			}
			if tt.wantErr != "" && !strings.Contains(cloudtrust.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("ValidateNotificationURI(%q) = %v, want %q", tt.uri, err, tt.wantErr)
			}
		})
	}
}
