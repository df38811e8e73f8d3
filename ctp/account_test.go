package ctp

import (
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestNewAccount(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	tests := []struct {
		name    string
		in      AccountInput
		wantErr string
		check   func(t *testing.T, a *Account, token string)
	}{
		{name: "a generated token is hashed and access defaults to administrators", in: AccountInput{Name: "agent", AccountTags: []string{"access:user"}},
			check: func(t *testing.T, a *Account, token string) {
				sum := sha256.Sum256([]byte(token))
				if len(token) != 43 || string(a.TokenHash) != string(sum[:]) || !slices.Equal(a.AccessTags, []string{TagAdmin}) ||
					!slices.Equal(a.AccountTags, []string{"access:user", "id:" + a.ID}) || !a.CreatedAt.Equal(now) || !ValidID(a.ID) {
					t.Fatalf("account %+v token %q", a, token)
				}
			}},
		{name: "a chosen token and empty access tags are kept", in: AccountInput{Name: "ci", AccessTags: []string{}, Token: str("0123456789abcdef")},
			check: func(t *testing.T, a *Account, token string) {
				if token != "0123456789abcdef" || a.AccessTags == nil || len(a.AccessTags) != 0 {
					t.Fatalf("account %+v token %q", a, token)
				}
			}},
		{name: "an id tag given by the caller is not repeated", in: AccountInput{AccountTags: []string{"x"}},
			check: func(t *testing.T, a *Account, _ string) {
				if strings.Count(strings.Join(a.AccountTags, " "), "id:") != 1 {
					t.Fatalf("tags %v", a.AccountTags)
				}
			}},
		{name: "a short token is refused", in: AccountInput{Token: str("short")}, wantErr: "token: must be 16 to 512 characters"},
		{name: "an empty chosen token is refused", in: AccountInput{Token: str("")}, wantErr: "token: must be 16 to 512 characters"},
		{name: "a token with a space is refused", in: AccountInput{Token: str("0123456789 abcdef")}, wantErr: "token: must be printable ASCII"},
		{name: "a long name is refused", in: AccountInput{Name: strings.Repeat("n", MaxNameLength+1)}, wantErr: "name: longer than"},
		{name: "a long annotation is refused", in: AccountInput{Annotation: strings.Repeat("a", MaxAnnotationLength+1)}, wantErr: "annotation: longer than"},
		{name: "an empty account tag is refused", in: AccountInput{AccountTags: []string{"ok", ""}}, wantErr: "accountTags[1]: empty tag"},
		{name: "an empty access tag is refused", in: AccountInput{AccessTags: []string{""}}, wantErr: "accessTags[0]: empty tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, token, err := NewAccount(tt.in, now)
			if tt.wantErr != "" {
				if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), tt.wantErr) || a != nil || token != "" {
					t.Fatalf("err = %v, want EINVALID %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, a, token)
		})
	}
}
