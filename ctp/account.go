package ctp

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"time"
)

// Token length bounds for bearer tokens chosen by an administrator (a
// generated token, NewToken, is 43 characters).
const (
	MinTokenLength = 16
	MaxTokenLength = 512
)

// AccountInput is what an administrator gives to create a back-office
// account (back-office API §2.1; the admin web page sends the same).
type AccountInput struct {
	Name        string
	Annotation  string
	AccountTags []string
	// AccessTags nil means ["access:admin"]: only administrators see the
	// account.
	AccessTags []string
	// Token nil means a fresh random token (NewToken); a chosen one must be
	// MinTokenLength…MaxTokenLength printable ASCII characters without
	// spaces.
	Token *string
}

// NewAccount validates in and returns the account to store (with a new id,
// the "id:{accountId}" account tag added as in the back-office example, the
// token's SHA-256 and createdAt now) and the bearer token, which the caller
// shows once: only its hash is kept. The back-office API and the admin web
// page both call it, so that they refuse the same things with the same
// words.
func NewAccount(in AccountInput, now time.Time) (*Account, string, error) {
	if err := ValidateText("name", in.Name, MaxNameLength); err != nil {
		return nil, "", err
	}
	if err := ValidateText("annotation", in.Annotation, MaxAnnotationLength); err != nil {
		return nil, "", err
	}
	if err := ValidateTags("accountTags", in.AccountTags); err != nil {
		return nil, "", err
	}
	access := []string{TagAdmin}
	if in.AccessTags != nil {
		if err := ValidateTags("accessTags", in.AccessTags); err != nil {
			return nil, "", err
		}
		access = append([]string{}, in.AccessTags...)
	}
	token := ""
	if in.Token != nil {
		token = *in.Token
		if err := ValidateToken(token); err != nil {
			return nil, "", invalidf("token: %s (omit it to have one generated)", err)
		}
	} else {
		token = NewToken()
	}
	id := NewID()
	tags := append([]string{}, in.AccountTags...)
	if idTag := "id:" + id; !slices.Contains(tags, idTag) {
		tags = append(tags, idTag)
	}
	sum := sha256.Sum256([]byte(token))
	return &Account{ID: id, Name: in.Name, Annotation: in.Annotation, AccountTags: tags, AccessTags: access,
		TokenHash: sum[:], CreatedAt: now}, token, nil
}

// ValidateToken checks a bearer token chosen by an administrator:
// MinTokenLength to MaxTokenLength printable ASCII characters without
// spaces.
func ValidateToken(t string) error {
	if len(t) < MinTokenLength || len(t) > MaxTokenLength {
		return fmt.Errorf("must be %d to %d characters (got %d)", MinTokenLength, MaxTokenLength, len(t))
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] > '~' {
			return fmt.Errorf("must be printable ASCII without spaces (character %d is not)", i+1)
		}
	}
	return nil
}
