package ctp

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// MaxIDLength is the longest identifier CTP allows (§4.1.3).
const MaxIDLength = 96

// ValidID reports whether s is a CTP identifier: 1 to 96 characters of the
// base64url alphabet of RFC 4648 §5.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// CheckID returns an EINVALID error naming the identifier when it is not valid.
func CheckID(s string) error {
	if !ValidID(s) {
		return cloudtrust.Errorf(cloudtrust.EINVALID, "invalid identifier %q: identifiers are 1 to %d characters of A-Z a-z 0-9 - _", truncate(s, 120), MaxIDLength)
	}
	return nil
}

// NewID returns a fresh random identifier (16 base64url characters, 96 bits).
// It never starts with "-", so that command lines (`cloudtrust account
// delete ID`) cannot mistake an identifier for a flag.
func NewID() string {
	var b [12]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic("ctp: crypto/rand failed: " + err.Error())
		}
		if id := base64.RawURLEncoding.EncodeToString(b[:]); id[0] != '-' {
			return id
		}
	}
}

// NewToken returns a fresh bearer token (43 base64url characters, 256 bits).
func NewToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("ctp: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
