package sqldb

import "testing"

func TestRebind(t *testing.T) {
	cases := []struct {
		name, in, sqlite, postgres string
	}{
		{"no placeholders stay as they are", "SELECT 1", "SELECT 1", "SELECT 1"},
		{"placeholders are numbered in order for postgres", "a = ? AND b IN (?, ?)", "a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{"ten and more placeholders get two digits", placeholders(11), placeholders(11), "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sqliteDialect.rebind(c.in); got != c.sqlite {
				t.Errorf("sqlite: %q", got)
			}
			if got := postgresDialect.rebind(c.in); got != c.postgres {
				t.Errorf("postgres: %q", got)
			}
		})
	}
}

func TestMigrationsPickTheDialectVariant(t *testing.T) {
	for _, d := range []*dialect{sqliteDialect, postgresDialect} {
		t.Run(d.name+" gets its own change counter and no markers", func(t *testing.T) {
			steps, err := migrations(d)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for i, m := range steps {
				if i > 0 && steps[i-1].version >= m.version {
					t.Fatalf("migrations out of order: %s then %s", steps[i-1].version, m.version)
				}
				if seen[m.version] {
					t.Fatalf("version %s twice", m.version)
				}
				seen[m.version] = true
				if containsMarker(m.sql) {
					t.Fatalf("%s: unreplaced {{…}} marker", m.version)
				}
			}
			if !seen["0001_ctp"] || !seen["0002_change_counter"] {
				t.Fatalf("versions = %v", seen)
			}
		})
	}
}

func containsMarker(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && s[i+1] == '{' {
			return true
		}
	}
	return false
}
