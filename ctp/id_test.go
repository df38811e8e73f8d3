package ctp

import "testing"

func TestNewIDIsValidAndNeverLooksLikeAFlag(t *testing.T) {
	// A leading "-" would come up once in 64 identifiers; 5,000 draws make a
	// regression all but certain to show.
	for i := 0; i < 5000; i++ {
		id := NewID()
		if !ValidID(id) || len(id) != 16 {
			t.Fatalf("NewID() = %q: not a 16-character CTP identifier", id)
		}
		if id[0] == '-' {
			t.Fatalf("NewID() = %q starts with '-', which a command line reads as a flag", id)
		}
	}
}

func TestValidID(t *testing.T) {
	long := make([]byte, MaxIDLength+1)
	for i := range long {
		long[i] = 'a'
	}
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc-_XYZ09", true},
		{string(long[:MaxIDLength]), true},
		{string(long), false},
		{"", false},
		{"a/b", false},
		{"a b", false},
		{"a+b", false},
		{"é", false},
	} {
		if got := ValidID(tc.id); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}
