package httpapi

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// handler is the shape of every route handler. It ends in exactly one of
// writeJSON (or writeJSONStatus/writeNoContent) and Error.
type handler func(w http.ResponseWriter, r *http.Request, c *call)

// route is one row of the route table: a ServeMux pattern, the value of the
// query variable x it answers (§5.1.1: query strings select a part of a
// resource), and whether the caller must be a CTP account.
type route struct {
	method string
	path   string
	x      string
	h      handler
	public bool // no authentication: health, metrics, platform documents
}

// routes is the whole HTTP surface. The CTP rows read like the index of CTP
// 2.14 §5.2 followed by the back-office API 0.2 §4; each one is authorised
// with ctp.SignatureTags[ctp.Signature(method, path-without-prefix, x)].
func (s *Server) routes() []route {
	const b = CTPPrefix
	return []route{
		// CTP client API, §5.2.
		{method: "GET", path: b + "/{$}", h: s.handleEntryPointGet},
		{method: "GET", path: b + "/serviceViews", h: s.handleServiceViewList},
		{method: "GET", path: b + "/serviceViews/{id}", h: s.handleServiceViewGet},
		{method: "GET", path: b + "/serviceViews/{id}/dependencies", h: s.handleDependencyListOfView},
		{method: "GET", path: b + "/serviceViews/{id}/assets", h: s.handleAssetList},
		{method: "GET", path: b + "/assets/{id}", h: s.handleAssetGet},
		{method: "GET", path: b + "/assets/{id}/attributes", h: s.handleAttributeList},
		{method: "GET", path: b + "/attributes/{id}", h: s.handleAttributeGet},
		{method: "GET", path: b + "/attributes/{id}/measurements", h: s.handleMeasurementList},
		{method: "GET", path: b + "/measurements/{id}", h: s.handleMeasurementGet},
		{method: "PUT", path: b + "/measurements/{id}", x: "state", h: s.handleMeasurementStatePut},
		{method: "GET", path: b + "/metrics", h: s.handleMetricList},
		{method: "GET", path: b + "/metrics/{id}", h: s.handleMetricGet},
		{method: "GET", path: b + "/serviceViews/{id}/triggers", h: s.handleTriggerList},
		{method: "GET", path: b + "/triggers/{id}", h: s.handleTriggerGet},
		{method: "POST", path: b + "/serviceViews/{id}/triggers", h: s.handleTriggerCreate},
		{method: "DELETE", path: b + "/triggers/{id}", h: s.handleTriggerDelete},
		{method: "GET", path: b + "/serviceViews/{id}/logs", h: s.handleLogList},
		{method: "GET", path: b + "/logs/{id}", h: s.handleLogGet},
		{method: "GET", path: b + "/dependencies/{id}", h: s.handleDependencyGet},
		{method: "GET", path: b + "/dependencies/{id}/dependencies", h: s.handleDependencyListOfDependency},

		// Back-office API 0.2, §4: access tags.
		{method: "GET", path: b + "/serviceViews/{id}", x: "tags", h: s.handleTagsGet(ctp.KindServiceView)},
		{method: "PUT", path: b + "/serviceViews/{id}", x: "tags", h: s.handleTagsPut(ctp.KindServiceView)},
		{method: "GET", path: b + "/assets/{id}", x: "tags", h: s.handleTagsGet(ctp.KindAsset)},
		{method: "PUT", path: b + "/assets/{id}", x: "tags", h: s.handleTagsPut(ctp.KindAsset)},
		{method: "GET", path: b + "/attributes/{id}", x: "tags", h: s.handleTagsGet(ctp.KindAttribute)},
		{method: "PUT", path: b + "/attributes/{id}", x: "tags", h: s.handleTagsPut(ctp.KindAttribute)},
		{method: "GET", path: b + "/measurements/{id}", x: "tags", h: s.handleTagsGet(ctp.KindMeasurement)},
		{method: "PUT", path: b + "/measurements/{id}", x: "tags", h: s.handleTagsPut(ctp.KindMeasurement)},
		{method: "GET", path: b + "/metrics/{id}", x: "tags", h: s.handleTagsGet(ctp.KindMetric)},
		{method: "PUT", path: b + "/metrics/{id}", x: "tags", h: s.handleTagsPut(ctp.KindMetric)},
		{method: "GET", path: b + "/triggers/{id}", x: "tags", h: s.handleTagsGet(ctp.KindTrigger)},
		{method: "PUT", path: b + "/triggers/{id}", x: "tags", h: s.handleTagsPut(ctp.KindTrigger)},
		{method: "GET", path: b + "/dependencies/{id}", x: "tags", h: s.handleTagsGet(ctp.KindDependency)},
		{method: "PUT", path: b + "/dependencies/{id}", x: "tags", h: s.handleTagsPut(ctp.KindDependency)},
		{method: "GET", path: b + "/logs/{id}", x: "tags", h: s.handleTagsGet(ctp.KindLog)},
		{method: "PUT", path: b + "/logs/{id}", x: "tags", h: s.handleTagsPut(ctp.KindLog)},
		{method: "GET", path: b + "/accounts/{id}", x: "tags", h: s.handleTagsGet(ctp.KindAccount)},
		{method: "PUT", path: b + "/accounts/{id}", x: "tags", h: s.handleTagsPut(ctp.KindAccount)},

		// Back-office API 0.2, §4: logs, results, objectives.
		{method: "GET", path: b + "/logs", h: s.handleLogListAll},
		{method: "PUT", path: b + "/measurements/{id}", x: "result", h: s.handleMeasurementResultPut},
		{method: "PUT", path: b + "/measurements/{id}", x: "objective", h: s.handleMeasurementObjectivePut},

		// Back-office API 0.2, §4: creations.
		{method: "POST", path: b + "/serviceViews", h: s.handleServiceViewCreate},
		{method: "POST", path: b + "/serviceViews/{id}/assets", h: s.handleAssetCreate},
		{method: "POST", path: b + "/serviceViews/{id}/dependencies", h: s.handleDependencyCreateInView},
		{method: "POST", path: b + "/dependencies/{id}/dependencies", h: s.handleDependencyCreateInDependency},
		{method: "POST", path: b + "/assets/{id}/attributes", h: s.handleAttributeCreate},
		{method: "POST", path: b + "/attributes/{id}/measurements", h: s.handleMeasurementCreate},
		{method: "POST", path: b + "/metrics", h: s.handleMetricCreate},

		// Back-office API 0.2, §4: deletions (cascading, done by the store).
		{method: "DELETE", path: b + "/serviceViews/{id}", h: s.handleDelete(ctp.KindServiceView)},
		{method: "DELETE", path: b + "/assets/{id}", h: s.handleDelete(ctp.KindAsset)},
		{method: "DELETE", path: b + "/attributes/{id}", h: s.handleDelete(ctp.KindAttribute)},
		{method: "DELETE", path: b + "/measurements/{id}", h: s.handleDelete(ctp.KindMeasurement)},
		{method: "DELETE", path: b + "/metrics/{id}", h: s.handleDelete(ctp.KindMetric)},
		{method: "DELETE", path: b + "/dependencies/{id}", h: s.handleDelete(ctp.KindDependency)},
		{method: "DELETE", path: b + "/logs/{id}", h: s.handleDelete(ctp.KindLog)},

		// Back-office API 0.2, §2.1 and §4.36–4.40: accounts.
		{method: "GET", path: b + "/accounts", h: s.handleAccountList},
		{method: "GET", path: b + "/accounts/{id}", h: s.handleAccountGet},
		{method: "POST", path: b + "/accounts", h: s.handleAccountCreate},
		{method: "DELETE", path: b + "/accounts/{id}", h: s.handleAccountDelete},

		// Platform API, issue 4: batch ingest and result history
		// (results.go). Their signatures are the full paths.
		{method: "POST", path: "/api/v1/results", h: s.handleResultBatchPost},
		{method: "GET", path: "/api/v1/measurements/{id}/results", h: s.handleResultHistoryGet},

		// Platform.
		{method: "GET", path: "/{$}", h: s.handleRootGet, public: true},
		{method: "GET", path: "/healthz", h: s.handleHealthGet, public: true},
		{method: "GET", path: "/readyz", h: s.handleReadyGet, public: true},
		{method: "GET", path: "/metrics", h: s.handleMetricsGet, public: true},
		{method: "GET", path: "/api/v1/openapi.json", h: s.handleOpenAPIGet, public: true},
		{method: "", path: "/api/v1/", h: s.handleV1NotFound, public: true},

		// Platform: signed results and alert delivery (keys.go, events.go).
		{method: "GET", path: "/api/v1/authorities/{id}/keys", h: s.adminAuth("listing keys", s.handleKeyList), public: true},
		{method: "POST", path: "/api/v1/authorities/{id}/keys", h: s.adminAuth("registering keys", s.handleKeyCreate), public: true},
		{method: "DELETE", path: "/api/v1/authorities/{id}/keys/{key}", h: s.adminAuth("deleting keys", s.handleKeyDelete), public: true},
		{method: "GET", path: "/api/v1/serviceViews/{id}/events", h: s.viewAuth(s.handleEventStream), public: true},
		{method: "GET", path: "/api/v1/serviceViews/{id}/deadLetters", h: s.viewAuth(s.handleDeadLetterList), public: true},

		// Platform: opt-in Prometheus export of current values (prom.go).
		{method: "GET", path: "/api/v1/serviceViews/{id}/prometheus", h: s.adminAuth("reading the Prometheus export setting", s.handlePrometheusGet), public: true},
		{method: "PUT", path: "/api/v1/serviceViews/{id}/prometheus", h: s.adminAuth("changing the Prometheus export setting", s.handlePrometheusPut), public: true},

		// Platform: federation, spec Appendix B (federation.go).
		{method: "GET", path: "/api/v1/serviceViews/{id}/remotes", h: s.adminAuth("listing remotes", s.handleRemoteList), public: true},
		{method: "POST", path: "/api/v1/serviceViews/{id}/remotes", h: s.adminAuth("declaring remotes", s.handleRemoteCreate), public: true},
		{method: "DELETE", path: "/api/v1/serviceViews/{id}/remotes/{rid}", h: s.adminAuth("deleting remotes", s.handleRemoteDelete), public: true},
	}
}

// endpoint is everything one ServeMux pattern answers: the routes sharing a
// method and path, told apart by x.
type endpoint struct {
	pattern string // the ServeMux pattern, also the metrics label
	hasID   bool
	byX     map[string]*boundRoute
}

// boundRoute is a route with its precomputed signature and tags.
type boundRoute struct {
	route
	signature string
	tags      []string
}

// allRoutes is the whole table: the CTP and platform rows, then each
// area's /api/v1 rows (add an area's routes here).
func (s *Server) allRoutes() []route {
	return slices.Concat(s.routes(), s.catalogRoutes(), s.assessRoutes(), s.orgRoutes(), s.evidenceRoutes(), s.compareRoutes(), s.registryRoutes())
}

// register installs the route table in the ServeMux.
func (s *Server) register() {
	eps := map[string]*endpoint{}
	var order []string
	for _, rt := range s.allRoutes() {
		if rt.path == "/metrics" && s.metrics == nil {
			continue
		}
		pattern := strings.TrimSpace(rt.method + " " + rt.path)
		ep := eps[pattern]
		if ep == nil {
			ep = &endpoint{pattern: pattern, hasID: strings.Contains(rt.path, "{id}"), byX: map[string]*boundRoute{}}
			eps[pattern] = ep
			order = append(order, pattern)
		}
		br := &boundRoute{route: rt}
		if !rt.public {
			rel := strings.TrimPrefix(rt.path, CTPPrefix)
			if rel == "/{$}" {
				rel = "/"
			}
			br.signature = ctp.Signature(rt.method, rel, rt.x)
			tags, ok := ctp.SignatureTags[br.signature]
			if !ok {
				panic("httpapi: no ctp.SignatureTags entry for " + br.signature)
			}
			br.tags = tags
		}
		ep.byX[rt.x] = br
	}
	for _, p := range order {
		ep := eps[p]
		s.mux.Handle(p, s.serveEndpoint(ep))
	}
}

// call is what the dispatcher hands to a CTP handler.
type call struct {
	account *principal
	id      string // the {id} path value, already validated
	base    string // {CtpBase} without its final slash
}

// serveEndpoint authenticates, selects the route by x, checks the API query
// signature's tags and the identifier, then runs the handler.
func (s *Server) serveEndpoint(ep *endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rw, ok := w.(*responseWriter); ok {
			rw.route = ep.pattern
		}
		s.dispatch(ep, w, r)
	})
}

func (s *Server) dispatch(ep *endpoint, w http.ResponseWriter, r *http.Request) {
	if pub := ep.byX[""]; pub != nil && pub.public {
		pub.h(w, r, nil)
		return
	}
	c := &call{base: s.ctpBase(r)}
	acct, err := s.authenticate(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c.account = acct
	x := ""
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		if xs, ok := q["x"]; ok {
			if len(xs) != 1 || xs[0] == "" {
				s.Error(w, r, invalidf("query parameter x must be given once, with a value"))
				return
			}
			x = xs[0]
		}
	}
	br := ep.byX[x]
	if br == nil {
		s.Error(w, r, unknownX(ep, x))
		return
	}
	if !acct.wildcard && !ctp.AnyMatch(acct.AccountTags, br.tags) {
		s.Error(w, r, forbiddenf("this account may not call %s", br.signature))
		return
	}
	if ep.hasID {
		c.id = r.PathValue("id")
		if c.id == "" {
			s.Error(w, r, notFoundf("no such resource: %s", r.URL.Path))
			return
		}
		if err := ctp.CheckID(c.id); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	br.h(w, r, c)
}

func unknownX(ep *endpoint, x string) error {
	var known []string
	for k := range ep.byX {
		if k != "" {
			known = append(known, "x="+k)
		}
	}
	sort.Strings(known)
	if x == "" {
		return invalidf("%s needs the query parameter x: one of %s", ep.pattern, strings.Join(known, ", "))
	}
	if len(known) == 0 {
		return invalidf("unknown query parameter value x=%q: %s takes no x", x, ep.pattern)
	}
	return invalidf("unknown query parameter value x=%q: %s accepts %s", x, ep.pattern, strings.Join(known, ", "))
}
