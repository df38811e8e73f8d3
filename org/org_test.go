package org

import (
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestValidate(t *testing.T) {
	long := strings.Repeat("x", MaxNameLength+1)
	tests := []struct {
		name  string
		check func() error
		field string // "" means valid
	}{
		{"an organisation with a name and kind is valid", (&Organization{ID: "acme", Name: "Acme", Kind: KindProvider}).Validate, ""},
		{"an organisation without a name is invalid", (&Organization{Kind: KindProvider}).Validate, "name"},
		{"an organisation with an unknown kind is invalid", (&Organization{Name: "x", Kind: "bank"}).Validate, "kind"},
		{"an organisation with a bad id is invalid", (&Organization{ID: "a b", Name: "x", Kind: KindAuditor}).Validate, "id"},
		{"an organisation with a long name is invalid", (&Organization{Name: long, Kind: KindAuditor}).Validate, "name"},
		{"a service of an organisation is valid", (&Service{Org: "acme", Name: "Storage"}).Validate, ""},
		{"a service without an organisation is invalid", (&Service{Name: "Storage"}).Validate, "org"},
		{"a service with a huge description is invalid", (&Service{Org: "a", Name: "S", Description: strings.Repeat("d", MaxDescriptionLength+1)}).Validate, "description"},
		{"a user with a bare email is valid", (&User{Email: "a@example.com"}).Validate, ""},
		{"a user without an email is invalid", (&User{}).Validate, "email"},
		{"a user with a display name in the email is invalid", (&User{Email: "A <a@example.com>"}).Validate, "email"},
		{"a user with a non-address email is invalid", (&User{Email: "not-an-email"}).Validate, "email"},
		{"a user with an over-long email is invalid", (&User{Email: strings.Repeat("a", MaxEmailLength) + "@example.com"}).Validate, "email"},
		{"a user with an over-long name is invalid", (&User{Email: "a@example.com", Name: long}).Validate, "name"},
		{"an organisation whose name is not UTF-8 is invalid", (&Organization{Name: "\xff\xfe", Kind: KindProvider}).Validate, "name"},
		{"a membership without an organisation is invalid", (&Membership{User: "u", Role: RoleOwner}).Validate, "org"},
		{"a token with an over-long name is invalid", (&Token{User: "u", Name: long}).Validate, "name"},
		{"a membership with a known role is valid", (&Membership{User: "u", Org: "o", Role: RoleAuditor}).Validate, ""},
		{"a membership with an unknown role is invalid", (&Membership{User: "u", Org: "o", Role: "admin"}).Validate, "role"},
		{"a membership without a user is invalid", (&Membership{Org: "o", Role: RoleOwner}).Validate, "user"},
		{"a token of a user is valid", (&Token{User: "u"}).Validate, ""},
		{"a token without a user is invalid", (&Token{}).Validate, "user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.HasPrefix(cloudtrust.ErrorMessage(err), tt.field+":") {
				t.Fatalf("err = %v, want EINVALID naming %s", err, tt.field)
			}
		})
	}
}

func TestEmailKeyIgnoresCase(t *testing.T) {
	if EmailKey("Alice@Example.COM") != EmailKey("alice@example.com") {
		t.Fatal("keys differ")
	}
}

func TestOrgTagNamesTheOrganisation(t *testing.T) {
	if got := OrgTag("acme"); got != "org:acme" {
		t.Fatalf("OrgTag = %q", got)
	}
}
