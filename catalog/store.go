package catalog

import "context"

// Info summarises a stored catalog.
type Info struct {
	ID        string `json:"id"`
	Framework string `json:"framework"`
	Version   string `json:"version"`
	Title     string `json:"title"`
	Kind      string `json:"kind"`
	Source    string `json:"source,omitempty"`
	Controls  int    `json:"controls"`
	// ImportedAt is RFC 3339.
	ImportedAt string `json:"importedAt"`
}

// ControlQuery searches controls. Empty fields do not filter.
type ControlQuery struct {
	// Catalogs restricts the search to these catalog ids.
	Catalogs []string
	// Text matches, case-insensitively, every word in the id, title or prose.
	Text string
	// ID matches the control id or label, normalised ("AC-2(1)" = "ac-2.1").
	ID string
	// PropName and PropValue match a property (value optional).
	PropName  string
	PropValue string
	Limit     int
}

// ControlHit is one control found by a search.
type ControlHit struct {
	Catalog string `json:"catalog"`
	ID      string `json:"id"`
	Label   string `json:"label"`
	Title   string `json:"title"`
	Group   string `json:"group,omitempty"`
	Parent  string `json:"parent,omitempty"`
	// Snippet is the start of the statement.
	Snippet string `json:"snippet,omitempty"`
}

// SetInfo summarises a stored mapping set.
type SetInfo struct {
	ID         string     `json:"id"`
	Title      string     `json:"title,omitempty"`
	Source     string     `json:"source"`
	Target     string     `json:"target"`
	Provenance Provenance `json:"provenance"`
	Mappings   int        `json:"mappings"`
}

// Store persists catalogs and mapping sets. Every import is one
// transaction: it is stored whole or not at all.
type Store interface {
	// PutCatalog stores a validated catalog. An existing catalog with the
	// same id is an ECONFLICT unless replace is set.
	PutCatalog(ctx context.Context, c *Catalog, replace bool) error
	// PutAll stores catalogs and mapping sets in one transaction (a CCM
	// workbook is a catalog plus a mapping set per framework).
	PutAll(ctx context.Context, cats []*Catalog, sets []*MappingSet, replace bool) error
	// Catalog returns a stored catalog, or ENOTFOUND.
	Catalog(ctx context.Context, id string) (*Catalog, error)
	// Catalogs lists stored catalogs sorted by id.
	Catalogs(ctx context.Context) ([]Info, error)
	// DeleteCatalog removes a catalog; ENOTFOUND if absent.
	DeleteCatalog(ctx context.Context, id string) error
	// SearchControls finds controls across catalogs.
	SearchControls(ctx context.Context, q ControlQuery) ([]ControlHit, error)

	// PutMappingSet stores a validated mapping set (replace as above).
	PutMappingSet(ctx context.Context, s *MappingSet, replace bool) error
	// MappingSet returns a stored set, or ENOTFOUND.
	MappingSet(ctx context.Context, id string) (*MappingSet, error)
	// MappingSets lists sets; catalog, if not empty, keeps those touching it.
	MappingSets(ctx context.Context, catalog string) ([]SetInfo, error)
	// MappingSetsFor loads every set touching the catalog, whole.
	MappingSetsFor(ctx context.Context, catalog string) ([]*MappingSet, error)
	// AllMappingSets loads every set, for graph queries.
	AllMappingSets(ctx context.Context) ([]*MappingSet, error)
	// DeleteMappingSet removes a set; ENOTFOUND if absent.
	DeleteMappingSet(ctx context.Context, id string) error
}
