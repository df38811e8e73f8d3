package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// Relation is how a source control relates to a target control, in the OSCAL
// 1.2 mapping vocabulary (NIST IR 8477 set-theory relationships): read
// "source <relation> target". "source superset-of target" means meeting the
// source meets the target.
type Relation string

// The relations of the OSCAL 1.2 mapping model.
const (
	EquivalentTo   Relation = "equivalent-to"
	EqualTo        Relation = "equal-to"
	SubsetOf       Relation = "subset-of"
	SupersetOf     Relation = "superset-of"
	IntersectsWith Relation = "intersects-with"
	NoRelationship Relation = "no-relationship"
)

// Relations lists the valid relations.
var Relations = []Relation{EquivalentTo, EqualTo, SubsetOf, SupersetOf, IntersectsWith, NoRelationship}

// ParseRelation accepts a relation name in any case, with spaces or
// underscores for dashes ("Subset Of", "superset_of").
func ParseRelation(s string) (Relation, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer(" ", "-", "_", "-").Replace(n)
	for _, r := range Relations {
		if string(r) == n {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown relation %q (want one of equivalent-to, equal-to, subset-of, superset-of, intersects-with, no-relationship)", s)
}

// Inverse returns the relation read from target to source.
func (r Relation) Inverse() Relation {
	switch r {
	case SubsetOf:
		return SupersetOf
	case SupersetOf:
		return SubsetOf
	}
	return r
}

// GapLevel is CSA's gap level for a mapping: how much of the source control
// the mapped target controls leave uncovered.
type GapLevel string

// Gap levels as CloudTrust stores them.
const (
	NoGap      GapLevel = "no-gap"
	PartialGap GapLevel = "partial-gap"
	FullGap    GapLevel = "full-gap"
)

// ParseGapLevel normalises the spellings found in real CCM workbooks: case,
// stray and doubled whitespace, dashes, and look-alike Greek or Cyrillic
// letters (one published "No Gap" is written "Νο Gap" with a Greek Nu and
// omicron). "" and "N/A" give "".
func ParseGapLevel(s string) (GapLevel, error) {
	n := foldConfusables(strings.ToLower(strings.Join(strings.Fields(s), " ")))
	n = strings.ReplaceAll(n, "-", " ")
	switch n {
	case "", "n/a", "na":
		return "", nil
	case "no gap", "none", "nogap":
		return NoGap, nil
	case "partial gap", "partial":
		return PartialGap, nil
	case "full gap", "full":
		return FullGap, nil
	}
	return "", fmt.Errorf("unknown gap level %q (want No Gap, Partial Gap or Full Gap)", s)
}

// foldConfusables maps Greek and Cyrillic letters that look like Latin ones
// to the Latin letter (lower case input).
func foldConfusables(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'ν', 'Ν':
			return 'n'
		case 'ο', 'Ο', 'о', 'О':
			return 'o'
		case 'α', 'Α', 'а', 'А':
			return 'a'
		case 'ρ', 'Ρ', 'р', 'Р':
			return 'p'
		case 'τ', 'Τ', 'т', 'Т':
			return 't'
		case 'ι', 'Ι', 'і', 'І':
			return 'i'
		case 'ε', 'Ε', 'е', 'Е':
			return 'e'
		case 'υ', 'у':
			return 'y'
		case 'κ', 'Κ', 'к', 'К':
			return 'k'
		case 'μ', 'Μ', 'м', 'М':
			return 'm'
		case 'ϲ', 'с', 'С':
			return 'c'
		case 'ℓ', 'ӏ':
			return 'l'
		case 'ɡ':
			return 'g'
		}
		return r
	}, s)
}

// Strength is how far meeting one control meets another.
type Strength int

// Strengths, ordered.
const (
	None Strength = iota
	Partial
	Full
)

// String returns "full", "partial" or "none".
func (s Strength) String() string {
	switch s {
	case Full:
		return "full"
	case Partial:
		return "partial"
	}
	return "none"
}

// MarshalText makes Strength a JSON string.
func (s Strength) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Strength returns how far meeting the source meets the target under r.
func (r Relation) Strength() Strength {
	switch r {
	case EquivalentTo, EqualTo, SupersetOf:
		return Full
	case SubsetOf, IntersectsWith:
		return Partial
	}
	return None
}

// Mapping links one control of the source catalog to one of the target.
type Mapping struct {
	Source   string   `json:"source"`
	Target   string   `json:"target"`
	Relation Relation `json:"relation"`
	Gap      GapLevel `json:"gap,omitempty"`
	// Note is free text; for CCM it is the gap's addendum.
	Note string `json:"note,omitempty"`
}

// Strength is the mapping's strength from source to target: the gap level
// when one is recorded, else the relation's.
func (m Mapping) Strength() Strength {
	switch m.Gap {
	case NoGap:
		return Full
	case PartialGap:
		return Partial
	case FullGap:
		return None
	}
	return m.Relation.Strength()
}

// Provenance says where a mapping set comes from.
type Provenance struct {
	// SourceFile is the imported file's name, or "builtin".
	SourceFile string `json:"sourceFile,omitempty"`
	Author     string `json:"author,omitempty"`
	// Date is when the mapping was published (YYYY-MM-DD), if known.
	Date string `json:"date,omitempty"`
	// Method is human, automation or hybrid (OSCAL 1.2).
	Method      string    `json:"method,omitempty"`
	Description string    `json:"description,omitempty"`
	ImportedAt  time.Time `json:"importedAt,omitzero"`
}

// MappingSet is a set of mappings from controls of one catalog version to
// controls of another.
type MappingSet struct {
	// ID names the set; by default "source->target".
	ID         string     `json:"id"`
	Title      string     `json:"title,omitempty"`
	Source     string     `json:"source"` // catalog id, e.g. "csf@2.0"
	Target     string     `json:"target"` // catalog id, e.g. "nist-800-53@5.1.1"
	Provenance Provenance `json:"provenance"`
	Mappings   []Mapping  `json:"mappings"`
}

// DefaultSetID returns the default id of a set from source to target.
func DefaultSetID(source, target string) string { return source + "->" + target }

// MaxMappings bounds one mapping set.
const MaxMappings = 500_000

// Validate checks the set: valid catalog ids, and mappings with both ends,
// a known relation and a known gap level. Errors name the mapping's index.
func (s *MappingSet) Validate() error {
	if s.ID == "" {
		return invalidf("mapping set: id is required")
	}
	if len(s.ID) > 200 {
		return invalidf("mapping set: id longer than 200 bytes")
	}
	if err := ValidateID(s.Source); err != nil {
		return invalidf("mapping set %s: source: %s", s.ID, cloudtrust.ErrorMessage(err))
	}
	if err := ValidateID(s.Target); err != nil {
		return invalidf("mapping set %s: target: %s", s.ID, cloudtrust.ErrorMessage(err))
	}
	if len(s.Mappings) > MaxMappings {
		return invalidf("mapping set %s: more than %d mappings", s.ID, MaxMappings)
	}
	for i, m := range s.Mappings {
		switch {
		case strings.TrimSpace(m.Source) == "":
			return invalidf("mappings[%d].source: required", i)
		case strings.TrimSpace(m.Target) == "":
			return invalidf("mappings[%d].target: required", i)
		case len(m.Source) > MaxIDLength || len(m.Target) > MaxIDLength:
			return invalidf("mappings[%d]: control id longer than %d bytes", i, MaxIDLength)
		}
		if _, err := ParseRelation(string(m.Relation)); err != nil {
			return invalidf("mappings[%d].relation: %v", i, err)
		}
		switch m.Gap {
		case "", NoGap, PartialGap, FullGap:
		default:
			return invalidf("mappings[%d].gap: %q is not no-gap, partial-gap or full-gap", i, m.Gap)
		}
	}
	return nil
}
