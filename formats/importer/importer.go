// Package importer recognises a catalog or mapping file (OSCAL catalog or
// profile, CCM workbook/CSV/JSON, mapping CSV), parses it with the right
// format package and stores the result in one transaction. The HTTP API and
// the CLI share it so that both accept exactly the same files.
package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/ccm"
	"github.com/cloudtrust/cloudtrust/formats/mapping"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

// Formats accepted by Options.Format ("" detects it).
const (
	FormatOSCAL      = "oscal"
	FormatCCM        = "ccm"
	FormatMappingCSV = "mapping-csv"
	// FormatOSCALMapping is an OSCAL 1.2 mapping-collection (JSON).
	FormatOSCALMapping = "oscal-mapping"
)

// MaxSize bounds an import.
const MaxSize = oscal.MaxDocumentSize

// Options tune an import. Empty fields are derived from the file.
type Options struct {
	Format    string
	Framework string // catalog framework (OSCAL)
	Version   string // catalog version (OSCAL, CCM)
	Source    string // file name, for provenance
	// Against is the stored catalog an OSCAL profile is resolved against.
	Against string
	// For mapping CSV files without catalog columns.
	MappingSource, MappingTarget, SetID, Author, Date string
	Replace                                           bool
}

// Result is what an import stored.
type Result struct {
	Format   string             `json:"format"`
	Catalogs []catalog.Info     `json:"catalogs"`
	Sets     []catalog.SetInfo  `json:"mappingSets"`
	cats     []*catalog.Catalog // parsed, for callers that want them
	sets     []*catalog.MappingSet
}

// Detect guesses the format of data.
func Detect(data []byte) string {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return FormatCCM
	case bytes.HasPrefix(t, []byte("<")):
		return FormatOSCAL
	case bytes.HasPrefix(t, []byte("{")):
		var probe map[string]json.RawMessage
		if json.Unmarshal(t, &probe) == nil {
			if _, ok := probe["controls"]; ok {
				return FormatCCM
			}
			if _, ok := probe["mapping-collection"]; ok {
				return FormatOSCALMapping
			}
		}
		return FormatOSCAL
	}
	line, _, _ := bytes.Cut(t, []byte("\n"))
	if bytes.Contains(bytes.ToLower(line), []byte("relation")) {
		return FormatMappingCSV
	}
	return FormatCCM
}

// Parse parses data without storing it. Profiles are resolved against a
// catalog read from store.
func Parse(ctx context.Context, store catalog.Store, data []byte, opt Options) (*Result, error) {
	if len(data) > MaxSize {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "import: file larger than %d MiB", MaxSize>>20)
	}
	f := opt.Format
	if f == "" {
		f = Detect(data)
	}
	res := &Result{Format: f}
	switch f {
	case FormatOSCAL:
		doc, err := oscal.Parse(bytes.NewReader(data), oscal.Options{Framework: opt.Framework, Version: opt.Version, Source: opt.Source})
		if err != nil {
			return nil, err
		}
		switch {
		case doc.Catalog != nil:
			res.cats = append(res.cats, doc.Catalog)
		case doc.Profile != nil:
			c, err := resolve(ctx, store, doc.Profile, opt)
			if err != nil {
				return nil, err
			}
			res.cats = append(res.cats, c)
		default:
			return nil, cloudtrust.Errorf(cloudtrust.ENOTIMPLEMENTED, "import: OSCAL %s documents are parsed but not stored as catalogs; import a catalog or a profile", doc.Model)
		}
	case FormatCCM:
		r, err := ccm.Parse(bytes.NewReader(data), ccm.Options{Version: opt.Version, Source: opt.Source, Framework: opt.Framework})
		if err != nil {
			return nil, err
		}
		res.cats = append(res.cats, r.Catalog)
		res.sets = r.MappingSets
	case FormatMappingCSV:
		s, err := mapping.ParseCSV(bytes.NewReader(data), mapping.Options{ID: opt.SetID, Source: opt.MappingSource, Target: opt.MappingTarget,
			Provenance: catalog.Provenance{SourceFile: opt.Source, Author: opt.Author, Date: opt.Date}})
		if err != nil {
			return nil, err
		}
		res.sets = append(res.sets, s)
	case FormatOSCALMapping:
		sets, err := mapping.ParseOSCAL(bytes.NewReader(data), mapping.Options{ID: opt.SetID, Source: opt.MappingSource, Target: opt.MappingTarget,
			Provenance: catalog.Provenance{SourceFile: opt.Source, Author: opt.Author, Date: opt.Date}})
		if err != nil {
			return nil, err
		}
		res.sets = append(res.sets, sets...)
	default:
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "import: unknown format %q (want oscal, oscal-mapping, ccm or mapping-csv)", f)
	}
	return res, nil
}

// resolve resolves a profile against opt.Against, or, for NIST's baselines
// (which import the SP 800-53 rev5 catalog), against nist-800-53@5.1.1.
func resolve(ctx context.Context, store catalog.Store, p *oscal.Profile, opt Options) (*catalog.Catalog, error) {
	against := opt.Against
	if against == "" {
		for _, im := range p.Imports {
			res, _ := p.Resource(im.Href)
			hrefs := []string{im.Href}
			if res != nil {
				for _, l := range res.RLinks {
					hrefs = append(hrefs, l.Href)
				}
			}
			for _, h := range hrefs {
				if strings.Contains(h, "SP-800-53_rev5") || strings.Contains(h, "SP800-53/rev5") {
					against = "nist-800-53@5.1.1"
				}
			}
		}
	}
	if against == "" {
		return nil, cloudtrust.Errorf(cloudtrust.EINVALID, "import: the profile imports %q; say which stored catalog to resolve it against (against=<catalog id>)", p.Imports[0].Href)
	}
	base, err := store.Catalog(ctx, against)
	if err != nil {
		return nil, err
	}
	load := func(href string, _ *oscal.Resource) (*oscal.Document, error) {
		return &oscal.Document{Model: oscal.ModelCatalog, Catalog: base}, nil
	}
	return oscal.Resolve(p, load, oscal.Options{Framework: opt.Framework, Version: opt.Version, Source: opt.Source})
}

// Import parses data and stores everything in one transaction.
func Import(ctx context.Context, store catalog.Store, data []byte, opt Options) (*Result, error) {
	res, err := Parse(ctx, store, data, opt)
	if err != nil {
		return nil, err
	}
	if err := store.PutAll(ctx, res.cats, res.sets, opt.Replace); err != nil {
		return nil, err
	}
	res.Catalogs = []catalog.Info{}
	res.Sets = []catalog.SetInfo{}
	for _, c := range res.cats {
		res.Catalogs = append(res.Catalogs, catalog.Info{ID: c.ID(), Framework: c.Framework, Version: c.Version, Title: c.Title, Kind: c.Kind, Source: c.Source, Controls: c.Len()})
	}
	for _, s := range res.sets {
		res.Sets = append(res.Sets, catalog.SetInfo{ID: s.ID, Title: s.Title, Source: s.Source, Target: s.Target, Provenance: s.Provenance, Mappings: len(s.Mappings)})
	}
	return res, nil
}
