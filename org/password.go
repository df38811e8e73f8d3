package org

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new hashes: OWASP's recommended minimum (19 MiB,
// 2 passes, 1 lane). Stored hashes carry their own parameters, so these may
// be raised later without invalidating existing passwords.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on the parameters CheckPassword accepts from a stored hash, so that
// a corrupted or hostile hash cannot make a sign-in allocate gigabytes.
const (
	maxArgonMemory  = 256 * 1024
	maxArgonTime    = 16
	maxArgonThreads = 16
)

// ValidatePassword checks the password rules: at least MinPasswordLength
// characters and at most MaxPasswordBytes bytes of UTF-8. The message never
// echoes the password.
func ValidatePassword(pw string) error {
	if len(pw) > MaxPasswordBytes {
		return invalidf("password: at most %d bytes", MaxPasswordBytes)
	}
	if !utf8.ValidString(pw) {
		return invalidf("password: must be UTF-8")
	}
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return invalidf("password: at least %d characters", MinPasswordLength)
	}
	return nil
}

// HashPassword validates pw (ValidatePassword) and returns its argon2id
// hash as a PHC string:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with the salt and hash in unpadded standard base64.
func HashPassword(pw string) (string, error) {
	if err := ValidatePassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("org: reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash (a HashPassword string),
// comparing in constant time. A malformed hash, an empty hash (a user
// without a password) or an over-long password never match; the first two
// still cost one hash computation, so that a sign-in form answers as slowly
// for an unknown email (pass "") as for a wrong password.
func CheckPassword(hash, pw string) bool {
	if len(pw) > MaxPasswordBytes {
		return false
	}
	p, ok := parsePHC(hash)
	if !ok {
		argon2.IDKey([]byte(pw), dummySalt[:], argonTime, argonMemory, argonThreads, argonKeyLen)
		return false
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

// dummySalt salts the wasted computation of CheckPassword.
var dummySalt = [argonSaltLen]byte{'c', 'l', 'o', 'u', 'd', 't', 'r', 'u', 's', 't'}

type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parsePHC reads "$argon2id$v=19$m=…,t=…,p=…$salt$hash".
func parsePHC(s string) (phc, bool) {
	var p phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, false
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, false
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, false
		}
		switch k {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			if n > maxArgonThreads {
				return p, false
			}
			p.threads = uint8(n)
		default:
			return p, false
		}
	}
	if p.memory < 8 || p.memory > maxArgonMemory || p.time < 1 || p.time > maxArgonTime || p.threads < 1 || p.threads > maxArgonThreads ||
		p.memory < 8*uint32(p.threads) {
		return p, false
	}
	var err error
	enc := base64.RawStdEncoding
	if p.salt, err = enc.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, false
	}
	if p.key, err = enc.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, false
	}
	return p, true
}
