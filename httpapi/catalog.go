package httpapi

// Control catalogs and mappings (issue 5) under /api/v1. Reading needs any
// valid bearer token; imports and deletions need an administrator (an
// account whose tags include "*"). The routes are public in the CTP sense
// (no CTP API query signature): these handlers authenticate themselves.

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/importer"
	"github.com/cloudtrust/cloudtrust/formats/mapping"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
)

// catalogRoutes lists the catalog endpoints; none when Config.Catalogs is
// nil.
func (s *Server) catalogRoutes() []route {
	if s.cfg.Catalogs == nil {
		return nil
	}
	const v = "/api/v1"
	read, admin := s.readAuth, s.adminOnly("importing and deleting catalogs")
	return []route{
		{method: "GET", path: v + "/catalogs", h: read(s.handleCatalogList), public: true},
		{method: "POST", path: v + "/catalogs", h: admin(s.handleCatalogImport), public: true},
		{method: "GET", path: v + "/catalogs/{cat}", h: read(s.handleCatalogGet), public: true},
		{method: "DELETE", path: v + "/catalogs/{cat}", h: admin(s.handleCatalogDelete), public: true},
		{method: "GET", path: v + "/catalogs/{cat}/controls", h: read(s.handleCatalogControlSearch), public: true},
		{method: "GET", path: v + "/catalogs/{cat}/controls/{control}", h: read(s.handleCatalogControlGet), public: true},
		{method: "GET", path: v + "/catalogs/{cat}/controls/{control}/mappings", h: read(s.handleCatalogControlMappings), public: true},
		{method: "GET", path: v + "/catalogs/{cat}/diff/{other}", h: read(s.handleCatalogDiff), public: true},
		{method: "POST", path: v + "/catalogs/{cat}/coverage", h: read(s.handleCatalogCoverage), public: true},
		{method: "GET", path: v + "/controls", h: read(s.handleCatalogControlSearch), public: true},
		{method: "GET", path: v + "/mappings", h: read(s.handleMappingSetList), public: true},
		{method: "POST", path: v + "/mappings", h: admin(s.handleCatalogImport), public: true},
		{method: "GET", path: v + "/mappings/{set}", h: read(s.handleMappingSetGet), public: true},
		{method: "DELETE", path: v + "/mappings/{set}", h: admin(s.handleMappingSetDelete), public: true},
	}
}

func (s *Server) catalogService() *catalog.Service { return &catalog.Service{Store: s.cfg.Catalogs} }

func (s *Server) handleCatalogList(w http.ResponseWriter, r *http.Request, _ *call) {
	list, err := s.cfg.Catalogs.Catalogs(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"catalogs": list})
}

// handleCatalogGet returns the catalog; ?format=oscal returns it as an
// OSCAL 1.1.3 JSON catalog.
func (s *Server) handleCatalogGet(w http.ResponseWriter, r *http.Request, _ *call) {
	c, err := s.cfg.Catalogs.Catalog(r.Context(), r.PathValue("cat"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, c)
	case "oscal":
		out, err := oscal.ExportCatalog(c, s.clock.Now())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/oscal.catalog+json")
		w.Write(out)
	default:
		s.Error(w, r, invalidf("format: want json or oscal"))
	}
}

func (s *Server) handleCatalogDelete(w http.ResponseWriter, r *http.Request, _ *call) {
	if err := s.cfg.Catalogs.DeleteCatalog(r.Context(), r.PathValue("cat")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}

// handleCatalogImport stores the uploaded file (OSCAL catalog or profile,
// CCM workbook/CSV/JSON, mapping CSV) in one transaction. Query parameters:
// format, framework, version, against, source, target, id, author, date,
// replace=true, filename.
func (s *Server) handleCatalogImport(w http.ResponseWriter, r *http.Request, _ *call) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, importer.MaxSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.Error(w, r, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "upload larger than %d MiB", importer.MaxSize>>20))
			return
		}
		s.Error(w, r, invalidf("reading request body: %v", err))
		return
	}
	q := r.URL.Query()
	opt := importer.Options{
		Format: q.Get("format"), Framework: q.Get("framework"), Version: q.Get("version"), Against: q.Get("against"),
		Source: q.Get("filename"), MappingSource: q.Get("source"), MappingTarget: q.Get("target"), SetID: q.Get("id"),
		Author: q.Get("author"), Date: q.Get("date"), Replace: q.Get("replace") == "true",
	}
	if strings.HasSuffix(r.URL.Path, "/mappings") && opt.Format == "" {
		opt.Format = importer.FormatMappingCSV
		if importer.Detect(data) == importer.FormatOSCALMapping {
			opt.Format = importer.FormatOSCALMapping
		}
	}
	res, err := importer.Import(r.Context(), s.cfg.Catalogs, data, opt)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusCreated, res)
}

// handleCatalogControlSearch searches controls: within one catalog
// (/catalogs/{cat}/controls) or across catalogs (/controls?catalog=a,b).
// Parameters: q (words), id, prop (name or name=value), limit.
func (s *Server) handleCatalogControlSearch(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	cq := catalog.ControlQuery{Text: q.Get("q"), ID: q.Get("id")}
	if c := r.PathValue("cat"); c != "" {
		cq.Catalogs = []string{c}
	} else if cs := q.Get("catalog"); cs != "" {
		cq.Catalogs = strings.Split(cs, ",")
	}
	if p := q.Get("prop"); p != "" {
		cq.PropName, cq.PropValue, _ = strings.Cut(p, "=")
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			s.Error(w, r, invalidf("limit: want an integer from 1 to 1000"))
			return
		}
		cq.Limit = n
	}
	hits, err := s.cfg.Catalogs.SearchControls(r.Context(), cq)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"controls": hits})
}

func (s *Server) handleCatalogControlGet(w http.ResponseWriter, r *http.Request, _ *call) {
	c, err := s.cfg.Catalogs.Catalog(r.Context(), r.PathValue("cat"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ctl, ok := c.Control(r.PathValue("control"))
	if !ok {
		s.Error(w, r, notFoundf("catalog %s has no control %s", c.ID(), r.PathValue("control")))
		return
	}
	writeJSON(w, map[string]any{"catalog": c.ID(), "control": ctl})
}

// handleCatalogControlMappings answers "what in catalog ?to= does this
// control relate to", with ?hops= (default 2) for inference.
func (s *Server) handleCatalogControlMappings(w http.ResponseWriter, r *http.Request, _ *call) {
	q := r.URL.Query()
	hops := 0
	if h := q.Get("hops"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			s.Error(w, r, invalidf("hops: want an integer"))
			return
		}
		hops = n
	}
	if q.Get("to") == "" {
		s.Error(w, r, invalidf("to: required (the catalog id to map into, e.g. csf@2.0)"))
		return
	}
	res, err := s.catalogService().Mappings(r.Context(), r.PathValue("cat"), r.PathValue("control"), q.Get("to"), hops)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, res)
}

func (s *Server) handleCatalogDiff(w http.ResponseWriter, r *http.Request, _ *call) {
	d, err := s.catalogService().Diff(r.Context(), r.PathValue("cat"), r.PathValue("other"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, d)
}

// handleCatalogCoverage computes the coverage of {cat} by the implemented
// controls in the body (catalog.CoverageRequest without target).
func (s *Server) handleCatalogCoverage(w http.ResponseWriter, r *http.Request, _ *call) {
	var req catalog.CoverageRequest
	if err := decodeJSON(w, r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	if req.Target != "" && req.Target != r.PathValue("cat") {
		s.Error(w, r, invalidf("target: %q differs from the catalog in the path", req.Target))
		return
	}
	req.Target = r.PathValue("cat")
	rep, err := s.catalogService().Coverage(r.Context(), req)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, rep)
}

func (s *Server) handleMappingSetList(w http.ResponseWriter, r *http.Request, _ *call) {
	list, err := s.cfg.Catalogs.MappingSets(r.Context(), r.URL.Query().Get("catalog"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"mappingSets": list})
}

// handleMappingSetGet returns a set as JSON, ?format=csv as CSV, or
// ?format=oscal as an OSCAL 1.2 mapping-collection.
func (s *Server) handleMappingSetGet(w http.ResponseWriter, r *http.Request, _ *call) {
	set, err := s.cfg.Catalogs.MappingSet(r.Context(), r.PathValue("set"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, set)
	case "oscal":
		w.Header().Set("Content-Type", "application/json")
		if err := mapping.WriteOSCAL(w, set, s.clock.Now()); err != nil {
			s.logger.Warn("write mapping-collection", "err", err)
		}
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Last-Modified", set.Provenance.ImportedAt.UTC().Format(http.TimeFormat))
		if err := mapping.WriteCSV(w, set); err != nil {
			s.logger.Warn("write mapping csv", "err", err)
		}
	default:
		s.Error(w, r, invalidf("format: want json, csv or oscal"))
	}
}

func (s *Server) handleMappingSetDelete(w http.ResponseWriter, r *http.Request, _ *call) {
	if err := s.cfg.Catalogs.DeleteMappingSet(r.Context(), r.PathValue("set")); err != nil {
		s.Error(w, r, err)
		return
	}
	writeNoContent(w)
}
