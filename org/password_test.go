package org

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the hash is a PHC argon2id string without the password", func(t *testing.T) {
		if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, pw) {
			t.Fatalf("hash = %q", h)
		}
	})
	t.Run("the right password matches", func(t *testing.T) {
		if !CheckPassword(h, pw) {
			t.Fatal("no match")
		}
	})
	t.Run("a wrong password does not match", func(t *testing.T) {
		if CheckPassword(h, pw+"!") {
			t.Fatal("match")
		}
	})
	t.Run("two hashes of one password differ by salt", func(t *testing.T) {
		h2, _ := HashPassword(pw)
		if h2 == h || !CheckPassword(h2, pw) {
			t.Fatalf("h2 = %q", h2)
		}
	})
	t.Run("an over-long password never matches", func(t *testing.T) {
		if CheckPassword(h, strings.Repeat("a", MaxPasswordBytes+1)) {
			t.Fatal("match")
		}
	})
}

func TestCheckPasswordRefusesBadHashes(t *testing.T) {
	good, _ := HashPassword("correct horse battery")
	parts := strings.Split(good, "$")
	for _, tt := range []struct{ name, hash string }{
		{"an empty hash", ""},
		{"another algorithm", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"another version", strings.Replace(good, "v=19", "v=16", 1)},
		{"a huge memory cost", "$argon2id$v=19$m=4194304,t=2,p=1$" + parts[4] + "$" + parts[5]},
		{"a huge time cost", "$argon2id$v=19$m=19456,t=1000,p=1$" + parts[4] + "$" + parts[5]},
		{"zero threads", "$argon2id$v=19$m=19456,t=2,p=0$" + parts[4] + "$" + parts[5]},
		{"an unknown parameter", "$argon2id$v=19$m=19456,t=2,p=1,x=1$" + parts[4] + "$" + parts[5]},
		{"bad base64", "$argon2id$v=19$m=19456,t=2,p=1$!!!$" + parts[5]},
		{"a short key", "$argon2id$v=19$m=19456,t=2,p=1$" + parts[4] + "$AAAA"},
		{"missing fields", "$argon2id$v=19$m=19456,t=2,p=1"},
	} {
		t.Run(tt.name+" never matches", func(t *testing.T) {
			if CheckPassword(tt.hash, "correct horse battery") {
				t.Fatal("match")
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tt := range []struct {
		name, pw string
		ok       bool
	}{
		{"twelve characters are enough", "abcdefghijkl", true},
		{"eleven characters are too few", "abcdefghijk", false},
		{"twelve multi-byte characters are enough", strings.Repeat("é", 12), true},
		{"eleven multi-byte characters are too few although 22 bytes", strings.Repeat("é", 11), false},
		{"1024 bytes are allowed", strings.Repeat("a", 1024), true},
		{"1025 bytes are too many", strings.Repeat("a", 1025), false},
		{"invalid UTF-8 is refused", strings.Repeat("\xff", 12), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePassword(tt.pw)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if err != nil && (cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || strings.Contains(cloudtrust.ErrorMessage(err), tt.pw)) {
				t.Fatalf("err = %v: want EINVALID not echoing the password", err)
			}
			if _, herr := HashPassword(tt.pw); (herr == nil) != tt.ok {
				t.Fatalf("HashPassword err = %v", herr)
			}
		})
	}
}

// phcFor builds a PHC string whose key really is the argon2id hash of pw
// under the given parameters, so that only CheckPassword's bounds can make
// it fail.
func phcFor(pw string, m, t uint32, p uint8, saltLen, keyLen int) string {
	salt := []byte(strings.Repeat("s", saltLen))
	key := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(keyLen))
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p, enc.EncodeToString(salt), enc.EncodeToString(key))
}

func TestCheckPasswordEnforcesParameterBounds(t *testing.T) {
	const pw = "correct horse battery"
	for _, tt := range []struct {
		name string
		hash string
		ok   bool
	}{
		{"a hash with other in-bounds parameters matches", phcFor(pw, 64, 3, 2, 16, 32), true},
		{"a time cost over the bound never matches", phcFor(pw, 8, maxArgonTime+1, 1, 16, 32), false},
		{"more threads than the bound never match", phcFor(pw, 8*(maxArgonThreads+1), 1, maxArgonThreads+1, 16, 32), false},
		{"a thread count that wraps around uint8 never matches", strings.Replace(phcFor(pw, 8, 1, 1, 16, 32), ",p=1$", ",p=257$", 1), false},
		{"less memory than 8 KiB per thread never matches", phcFor(pw, 8, 1, 2, 16, 32), false},
		{"a salt under 8 bytes never matches", phcFor(pw, 8, 1, 1, 7, 32), false},
		{"a key under 16 bytes never matches", phcFor(pw, 8, 1, 1, 16, 15), false},
		{"a key over 64 bytes never matches", phcFor(pw, 8, 1, 1, 16, 65), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(tt.hash, pw); got != tt.ok {
				t.Fatalf("CheckPassword(%q) = %v", tt.hash, got)
			}
		})
	}
	t.Run("a password over MaxPasswordBytes never matches even its own hash", func(t *testing.T) {
		long := strings.Repeat("a", MaxPasswordBytes+1)
		if CheckPassword(phcFor(long, 8, 1, 1, 16, 32), long) {
			t.Fatal("match")
		}
	})
}
