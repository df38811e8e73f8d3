// Package mapping reads and writes mapping sets (catalog.MappingSet) as CSV,
// one mapping per row. The header names the columns, in any order and case:
//
//	source_control, target_control, relation   required
//	gap, note                                  optional
//	source_catalog, target_catalog             optional; when present every
//	                                           row must give the same value
//
// relation is an OSCAL 1.2 relationship (equivalent-to, equal-to,
// subset-of, superset-of, intersects-with, no-relationship); gap is No Gap,
// Partial Gap or Full Gap in any of CSA's spellings. Errors name the row and
// column. Cells may list several target ids separated by newlines (with
// NIST ranges such as SA-8(29)-(33)); each becomes one mapping.
package mapping

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// MaxCSVSize bounds what ParseCSV reads.
const MaxCSVSize = 64 << 20

// Options supply what the file does not say.
type Options struct {
	ID         string // default: source->target
	Source     string // catalog id, if the file has no source_catalog column
	Target     string
	Title      string
	Provenance catalog.Provenance
}

var columns = []string{"source_catalog", "source_control", "target_catalog", "target_control", "relation", "gap", "note"}

func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "mapping csv: "+format, args...)
}

// ParseCSV reads a mapping set from CSV.
func ParseCSV(r io.Reader, opt Options) (*catalog.MappingSet, error) {
	lr := &io.LimitedReader{R: r, N: MaxCSVSize + 1}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, invalidf("empty file")
	} else if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		k := strings.ToLower(strings.Join(strings.Fields(strings.TrimPrefix(h, "\ufeff")), "_"))
		k = strings.ReplaceAll(k, "-", "_")
		switch k {
		case "gap_level":
			k = "gap"
		case "relationship":
			k = "relation"
		}
		col[k] = i
	}
	for _, req := range []string{"source_control", "target_control", "relation"} {
		if _, ok := col[req]; !ok {
			return nil, invalidf("row 1: missing column %q (have %s)", req, strings.Join(header, ", "))
		}
	}
	set := &catalog.MappingSet{ID: opt.ID, Source: opt.Source, Target: opt.Target, Title: opt.Title, Provenance: opt.Provenance}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if lr.N <= 0 {
			return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "mapping csv: file larger than %d MiB", MaxCSVSize>>20)
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		for _, side := range []struct {
			name string
			dst  *string
		}{{"source_catalog", &set.Source}, {"target_catalog", &set.Target}} {
			v := get(rec, side.name)
			if v == "" {
				continue
			}
			if *side.dst == "" {
				*side.dst = v
			} else if *side.dst != v {
				return nil, invalidf("row %d, column %s: %q differs from %q; one file holds one mapping set", row, side.name, v, *side.dst)
			}
		}
		src := get(rec, "source_control")
		if src == "" {
			return nil, invalidf("row %d, column source_control: empty", row)
		}
		targets, err := catalog.ExpandIDList(get(rec, "target_control"))
		if err != nil {
			return nil, invalidf("row %d, column target_control: %v", row, err)
		}
		if len(targets) == 0 {
			return nil, invalidf("row %d, column target_control: empty", row)
		}
		rel, err := catalog.ParseRelation(get(rec, "relation"))
		if err != nil {
			return nil, invalidf("row %d, column relation: %v", row, err)
		}
		gap, err := catalog.ParseGapLevel(get(rec, "gap"))
		if err != nil {
			return nil, invalidf("row %d, column gap: %v", row, err)
		}
		for _, t := range targets {
			set.Mappings = append(set.Mappings, catalog.Mapping{Source: src, Target: t, Relation: rel, Gap: gap, Note: get(rec, "note")})
		}
	}
	if set.Source == "" || set.Target == "" {
		return nil, invalidf("the source and target catalogs are unknown: add source_catalog/target_catalog columns or pass them (e.g. --source ccm@4.0.13 --target nist-800-53@5.1.1)")
	}
	if set.ID == "" {
		set.ID = catalog.DefaultSetID(set.Source, set.Target)
	}
	if len(set.Mappings) == 0 {
		return nil, invalidf("no mappings")
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	return set, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return invalidf("row %d, column %d: %v", pe.StartLine, pe.Column, pe.Err)
	}
	return invalidf("%v", err)
}

// WriteCSV writes a mapping set as CSV with every column.
func WriteCSV(w io.Writer, s *catalog.MappingSet) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	for _, m := range s.Mappings {
		if err := cw.Write([]string{s.Source, m.Source, s.Target, m.Target, string(m.Relation), gapText(m.Gap), m.Note}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func gapText(g catalog.GapLevel) string {
	switch g {
	case catalog.NoGap:
		return "No Gap"
	case catalog.PartialGap:
		return "Partial Gap"
	case catalog.FullGap:
		return "Full Gap"
	}
	return ""
}

// Describe returns a one-line summary, for CLI output.
func Describe(s *catalog.MappingSet) string {
	return fmt.Sprintf("%s: %d mappings from %s to %s", s.ID, len(s.Mappings), s.Source, s.Target)
}
