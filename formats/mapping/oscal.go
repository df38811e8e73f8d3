package mapping

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

// OSCALMappingVersion is the OSCAL version written for mapping collections
// (the mapping model appeared in OSCAL 1.2).
const OSCALMappingVersion = "1.2.2"

// gapNS qualifies the gap-level property CloudTrust adds to OSCAL maps.
const gapNS = "urn:cloudtrust:oscal"

// wire structs mirroring OSCAL 1.2 mapping-collection JSON.
type wireCollection struct {
	UUID       string          `json:"uuid"`
	Metadata   json.RawMessage `json:"metadata"`
	Provenance wireProvenance  `json:"provenance"`
	Mappings   []wireMapping   `json:"mappings"`
	BackMatter json.RawMessage `json:"back-matter,omitempty"`
}

type wireProvenance struct {
	Method             string `json:"method"`
	MatchingRationale  string `json:"matching-rationale"`
	Status             string `json:"status"`
	MappingDescription string `json:"mapping-description"`
}

type wireMapping struct {
	UUID           string    `json:"uuid"`
	SourceResource wireRes   `json:"source-resource"`
	TargetResource wireRes   `json:"target-resource"`
	Maps           []wireMap `json:"maps"`
	Remarks        string    `json:"remarks,omitempty"`
}

type wireRes struct {
	Type string `json:"type"`
	Href string `json:"href"`
}

type wireMap struct {
	UUID         string         `json:"uuid"`
	Relationship string         `json:"relationship"`
	Props        []catalog.Prop `json:"props,omitempty"`
	Sources      []wireItem     `json:"sources"`
	Targets      []wireItem     `json:"targets"`
	Remarks      string         `json:"remarks,omitempty"`
}

type wireItem struct {
	Type  string `json:"type"`
	IDRef string `json:"id-ref"`
}

// ParseOSCAL reads an OSCAL 1.2 mapping-collection; each of its mappings
// becomes a mapping set. A resource href that is a catalog id
// ("nist-800-53@5.1.1") names the catalog; otherwise opt.Source/opt.Target
// must. Errors name the JSON path.
func ParseOSCAL(r io.Reader, opt Options) ([]*catalog.MappingSet, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVSize+1))
	if err != nil {
		return nil, invalidOSCAL("read: %v", err)
	}
	if len(data) > MaxCSVSize {
		return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "mapping-collection: larger than %d MiB", MaxCSVSize>>20)
	}
	var root struct {
		MC *wireCollection `json:"mapping-collection"`
	}
	if err := json.Unmarshal(data, &root); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return nil, invalidOSCAL("%s: expected %s, found JSON %s", te.Field, te.Type, te.Value)
		case errors.As(err, &se):
			return nil, invalidOSCAL("JSON syntax error at byte %d: %v", se.Offset, se)
		}
		return nil, invalidOSCAL("%v", err)
	}
	mc := root.MC
	if mc == nil {
		return nil, invalidOSCAL("$: no mapping-collection root")
	}
	var md struct {
		Title        string `json:"title"`
		OSCALVersion string `json:"oscal-version"`
	}
	if err := json.Unmarshal(mc.Metadata, &md); err != nil || md.OSCALVersion == "" {
		return nil, invalidOSCAL("mapping-collection.metadata.oscal-version: required")
	}
	if err := oscal.CheckVersion(md.OSCALVersion); err != nil {
		return nil, invalidOSCAL("mapping-collection.metadata.oscal-version: %v", err)
	}
	if len(mc.Mappings) == 0 {
		return nil, invalidOSCAL("mapping-collection.mappings: at least one mapping is required")
	}
	var out []*catalog.MappingSet
	for i, m := range mc.Mappings {
		p := fmt.Sprintf("mapping-collection.mappings[%d]", i)
		src, dst := opt.Source, opt.Target
		if catalog.ValidateID(m.SourceResource.Href) == nil {
			src = m.SourceResource.Href
		}
		if catalog.ValidateID(m.TargetResource.Href) == nil {
			dst = m.TargetResource.Href
		}
		if src == "" || dst == "" {
			return nil, invalidOSCAL("%s: source-resource/target-resource href %q/%q are not catalog ids (framework@version); pass the source and target catalogs", p, m.SourceResource.Href, m.TargetResource.Href)
		}
		set := &catalog.MappingSet{ID: opt.ID, Source: src, Target: dst, Title: md.Title,
			Provenance: opt.Provenance}
		if set.Provenance.Method == "" {
			set.Provenance.Method = mc.Provenance.Method
		}
		if set.Provenance.Description == "" {
			set.Provenance.Description = mc.Provenance.MappingDescription
		}
		if set.ID == "" || len(mc.Mappings) > 1 {
			set.ID = catalog.DefaultSetID(src, dst)
		}
		for j, mp := range m.Maps {
			mpath := fmt.Sprintf("%s.maps[%d]", p, j)
			rel, err := catalog.ParseRelation(mp.Relationship)
			if err != nil {
				return nil, invalidOSCAL("%s.relationship: %v", mpath, err)
			}
			var gap catalog.GapLevel
			for _, pr := range mp.Props {
				if pr.Name == "gap-level" {
					if gap, err = catalog.ParseGapLevel(pr.Value); err != nil {
						return nil, invalidOSCAL("%s.props: %v", mpath, err)
					}
				}
			}
			if len(mp.Sources) == 0 || len(mp.Targets) == 0 {
				return nil, invalidOSCAL("%s: sources and targets are required", mpath)
			}
			for k, s := range mp.Sources {
				if s.IDRef == "" {
					return nil, invalidOSCAL("%s.sources[%d].id-ref: required", mpath, k)
				}
				for l, t := range mp.Targets {
					if t.IDRef == "" {
						return nil, invalidOSCAL("%s.targets[%d].id-ref: required", mpath, l)
					}
					set.Mappings = append(set.Mappings, catalog.Mapping{Source: s.IDRef, Target: t.IDRef, Relation: rel, Gap: gap, Note: mp.Remarks})
				}
			}
		}
		if err := set.Validate(); err != nil {
			return nil, err
		}
		out = append(out, set)
	}
	return out, nil
}

func invalidOSCAL(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, "mapping-collection: "+format, args...)
}

// WriteOSCAL writes a mapping set as an OSCAL 1.2.2 mapping-collection whose
// resource hrefs are the catalog ids; gap levels travel as a "gap-level"
// property. Validate it with oscal.ValidateJSONVersion(b, "1.2.2").
func WriteOSCAL(w io.Writer, s *catalog.MappingSet, now time.Time) error {
	title := s.Title
	if title == "" {
		title = s.Source + " → " + s.Target
	}
	desc := s.Provenance.Description
	if desc == "" {
		desc = "Mappings from " + s.Source + " to " + s.Target + "."
	}
	method := s.Provenance.Method
	switch method {
	case "human", "automation", "hybrid":
	default:
		method = "human"
	}
	md, _ := json.Marshal(map[string]string{"title": title, "last-modified": now.UTC().Format(time.RFC3339), "version": "1", "oscal-version": OSCALMappingVersion})
	wm := wireMapping{UUID: oscal.NewUUID(), SourceResource: wireRes{Type: "catalog", Href: s.Source}, TargetResource: wireRes{Type: "catalog", Href: s.Target}}
	for _, m := range s.Mappings {
		mp := wireMap{UUID: oscal.NewUUID(), Relationship: string(m.Relation),
			Sources: []wireItem{{Type: "control", IDRef: m.Source}}, Targets: []wireItem{{Type: "control", IDRef: m.Target}}}
		if m.Gap != "" {
			mp.Props = []catalog.Prop{{Name: "gap-level", NS: gapNS, Value: string(m.Gap)}}
		}
		if strings.TrimSpace(m.Note) != "" {
			mp.Remarks = m.Note
		}
		wm.Maps = append(wm.Maps, mp)
	}
	mc := wireCollection{UUID: oscal.NewUUID(), Metadata: md,
		Provenance: wireProvenance{Method: method, MatchingRationale: "semantic", Status: "complete", MappingDescription: desc},
		Mappings:   []wireMapping{wm}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"mapping-collection": mc}); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
