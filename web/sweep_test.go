package web_test

// The page sweep (issue 7 item 7): every GET route of routes.go is opened
// as the role that may see it, on a fixture with data, and its answer is
// checked for security headers, well-formed HTML, landmarks, one <h1>,
// labelled form controls, text alternatives of images and charts, no
// inline script, CSRF fields in POST forms and the 150 KB transfer budget.
// The route list comes from the route table (web.SweepRoutes), so a new
// GET route without a row in sweepRows fails the test.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/web"
)

// maxTransferBytes is issue 7's budget for a page and the static files it
// links (uncompressed, user uploads excluded).
const maxTransferBytes = 150 << 10

// Kinds of answers the sweep checks.
const (
	kindPage     = "page"      // an HTML page: every check
	kindData     = "data"      // JSON, CSV, xlsx, a download: status and headers
	kindStream   = "stream"    // server-sent events: status and headers, then hang up
	fixtureBase  = "base"      // newEnv with the registry, trust page and documents
	fixtureCTP   = "ctp"       // newCTPEnv: the provider and customer consoles
	fixtureAssur = "assurance" // newAssuranceEnv: auditor, compare, requests, status
	fixtureAsses = "assess"    // assessEnv with a draft: questionnaires and evidence
	fixtureSuggs = "suggest"   // suggestEnv: the editor's answer-library suggestions
)

// sweepRow is one page opened by the sweep: the route pattern (exactly as
// in routes.go), the fixture, the user (a fixture short name; "" for a
// visitor) and the path with its parameters filled from the fixture.
type sweepRow struct {
	pattern string
	fixture string
	role    string
	kind    string
	path    func(f *sweepFixtures) string
}

func fixed(p string) func(*sweepFixtures) string { return func(*sweepFixtures) string { return p } }

// sweepRows lists every GET route at least once. Add a row for each new
// page (the test fails while one is missing).
var sweepRows = []sweepRow{
	{"GET /{$}", fixtureBase, "", kindPage, fixed("/")},
	{"GET /{$}", fixtureBase, "alice", kindPage, fixed("/")},
	{"GET /registry", fixtureBase, "", kindPage, fixed("/registry?q=acme")},
	{"GET /registry", fixtureBase, "admin", kindPage, fixed("/registry")},
	{"GET /providers/{id}", fixtureBase, "", kindPage, fixed("/providers/acme")},
	{"GET /providers/{id}", fixtureBase, "admin", kindPage, fixed("/providers/acme")},
	{"GET /signin", fixtureBase, "", kindPage, fixed("/signin")},
	{"GET /account", fixtureBase, "alice", kindPage, fixed("/account")},
	{"GET /admin", fixtureBase, "admin", kindPage, fixed("/admin")},

	{"GET /console/provider", fixtureCTP, "alice", kindPage, fixed("/console/provider")},
	{"GET /console/provider/views/{id}", fixtureCTP, "alice", kindPage, func(f *sweepFixtures) string { return "/console/provider/views/" + f.ctp.ops }},
	{"GET /console/measurements/{id}", fixtureCTP, "carol", kindPage, func(f *sweepFixtures) string { return "/console/measurements/" + f.ctp.bankM }},
	{"GET /console/measurements/{id}", fixtureCTP, "carol", kindPage, func(f *sweepFixtures) string { return "/console/measurements/" + f.ctp.bankM + "?range=7d" }},
	{"GET /console/customer", fixtureCTP, "carol", kindPage, fixed("/console/customer")},
	{"GET /console/customer/views/{id}", fixtureCTP, "carol", kindPage, func(f *sweepFixtures) string { return "/console/customer/views/" + f.ctp.bank }},
	{"GET /console/views/{id}/events", fixtureCTP, "carol", kindStream, func(f *sweepFixtures) string { return "/console/views/" + f.ctp.bank + "/events" }},
	{"GET /console/views/{id}/status", fixtureCTP, "carol", kindData, func(f *sweepFixtures) string { return "/console/views/" + f.ctp.bank + "/status" }},
	{"GET /console/customer/events", fixtureCTP, "carol", kindStream, fixed("/console/customer/events")},

	{"GET /console/auditor", fixtureAssur, "carol", kindPage, fixed("/console/auditor")},
	{"GET /console/auditor/submissions/{id}", fixtureAssur, "carol", kindPage, fixed("/console/auditor/submissions/sub-acme")},
	{"GET /console/auditor/entries/{id}", fixtureAssur, "carol", kindPage, func(f *sweepFixtures) string { return "/console/auditor/entries/" + f.entry }},
	{"GET /console/compare", fixtureAssur, "dave", kindPage, fixed("/console/compare")},
	{"GET /console/compare", fixtureAssur, "dave", kindPage, fixed("/console/compare?providers=acme&providers=zeta&catalog=base@1")},
	{"GET /console/compare/export.csv", fixtureAssur, "dave", kindData, fixed("/console/compare/export.csv?providers=acme&providers=zeta&catalog=base@1")},
	{"GET /console/compare/export.xlsx", fixtureAssur, "dave", kindData, fixed("/console/compare/export.xlsx?providers=acme&catalog=base@1")},
	{"GET /console/requests", fixtureAssur, "alice", kindPage, fixed("/console/requests")},
	{"GET /console/evidence/{ev}/content", fixtureAssur, "alice", kindData, func(f *sweepFixtures) string { return "/console/evidence/" + f.assur.priv + "/content" }},
	{"GET /admin/status", fixtureAssur, "admin", kindPage, fixed("/admin/status")},
	{"GET /admin/accounts", fixtureCTP, "admin", kindPage, fixed("/admin/accounts")},
	{"GET /admin/accounts", fixtureBase, "admin", kindPage, fixed("/admin/accounts?done=deleted")},
	{"GET /console/auditor/keys", fixtureAssur, "carol", kindPage, fixed("/console/auditor/keys")},
	{"GET /console/auditor/keys", fixtureAssur, "owen", kindPage, fixed("/console/auditor/keys")},

	{"GET /console/assess", fixtureAsses, "alice", kindPage, fixed("/console/assess")},
	{"GET /console/assess/submissions/{id}", fixtureAsses, "alice", kindPage, fixed("/console/assess/submissions/sweep-draft")},
	{"GET /console/assess/submissions/{id}", fixtureAsses, "vera", kindPage, fixed("/console/assess/submissions/sweep-draft?check=1")},
	{"GET /console/assess/submissions/{id}/problems", fixtureAsses, "alice", kindData, fixed("/console/assess/submissions/sweep-draft/problems")},
	{"GET /console/assess/submissions/{id}/export", fixtureAsses, "alice", kindData, fixed("/console/assess/submissions/sweep-draft/export?format=csv")},
	{"GET /console/evidence", fixtureAsses, "alice", kindPage, fixed("/console/evidence")},
	{"GET /console/evidence/{ev}/edit", fixtureAsses, "alice", kindPage, fixed("/console/evidence/" + sweepEvidence + "/edit")},
	{"GET /console/assess/submissions/{id}", fixtureSuggs, "alice", kindPage, fixed("/console/assess/submissions/sub-draft?domain=0&suggest=1")},
}

// sweepEvidence is an evidence item of acme in the assess fixture.
const sweepEvidence = "ev-5eeb000000000001"

// sweepFixtures builds each fixture once, on its own SQLite database, and
// keeps one signed-in client per fixture and user.
type sweepFixtures struct {
	t       *testing.T
	envs    map[string]*env
	ctp     *ctpEnv
	assur   *assuranceEnv
	entry   string // sub-acme's Level 1 entry
	clients map[string]*browser
}

func (f *sweepFixtures) env(name string) *env {
	t := f.t
	if e, ok := f.envs[name]; ok {
		return e
	}
	ctx := context.Background()
	db := testkit.MustOpenDB(t, "sqlite")
	var e *env
	switch name {
	case fixtureBase:
		reg, ev := db.RegistryStore(), db.EvidenceStore()
		e = newEnv(t, db, func(c *web.Config) {
			c.Registry = web.RegistryFromStore(reg)
			c.Trust = web.TrustFromStores(reg, ev)
			c.Evidence, c.Access = ev, ev
		})
		now := time.Now().UTC()
		must(t, reg.CreateEntry(ctx, &registry.Entry{ID: "sa-acme", Provider: "acme", ProviderName: "Acme Cloud", Service: "storage", ServiceName: "Acme Storage",
			Level: registry.LevelSelfAssessment, Submission: "sub-acme", Questionnaire: "caiq@4.1.0", Catalogs: []string{"ccm@4.1.0"}, PostedAt: now.AddDate(0, -1, 0)}))
		cont := registry.NewContinuous([]registry.Link{{ServiceView: "sv1", Controls: []string{"IAM-02", "BCR-01"}}}, 0, now.Add(-time.Hour))
		cont.Objectives = []registry.ObjectiveState{{Measurement: "m1", ServiceView: "sv1", Status: registry.ObjectiveFalse, At: now.Add(-time.Minute)}}
		must(t, reg.CreateEntry(ctx, &registry.Entry{ID: "cont-acme", Provider: "acme", ProviderName: "Acme Cloud", Service: "storage",
			ServiceName: "Acme Storage", Level: registry.LevelContinuous, PostedAt: now.Add(-time.Hour), Continuous: cont}))
		for _, vis := range []evidence.Visibility{evidence.Public, evidence.Private} {
			must(t, ev.CreateItem(ctx, &evidence.Item{ID: evidence.NewID(), Provider: "acme", Kind: evidence.KindLink, Title: "Report " + string(vis),
				Collector: "Acme", URL: "https://acme.example/" + string(vis), Visibility: vis, Controls: []string{"IAM-02"}}))
		}
	case fixtureCTP:
		f.ctp = newCTPEnv(t, db)
		e = f.ctp.env
	case fixtureAssur:
		f.assur = newAssuranceEnv(t, db, nil)
		e = f.assur.env
		l1, err := f.assur.reg.EntryBySubmission(ctx, registry.LevelSelfAssessment, "sub-acme")
		must(t, err)
		f.entry = l1.ID
		// owen owns the auditor organisation: the keys page with its forms.
		owen := &org.User{Email: "owen@example.com", Name: "owen", PasswordHash: e.users["alice"].PasswordHash}
		must(t, e.orgs.CreateUser(ctx, owen))
		e.users["owen"] = owen
		must(t, e.orgs.SetMembership(ctx, org.Membership{User: owen.ID, Org: "audit", Role: org.RoleOwner}))
	case fixtureAsses:
		e = assessEnv(t, db)
		as := db.AssessStore()
		must(t, as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "sweepq", Version: "1", Catalog: "ccm@4.1.0", Questions: []assess.Question{
			{ID: "IAM-01.1", ControlID: "IAM-01", Text: "Are access rights reviewed?", Domain: "Identity & Access Management"},
			{ID: "IAM-02.1", ControlID: "IAM-02", Text: "Is MFA enforced?", Domain: "Identity & Access Management"},
			{ID: "DSP-01.1", ControlID: "DSP-01", Text: "Is data classified?", Domain: "Data Security & Privacy"},
		}}, false))
		must(t, as.PutSubmission(ctx, &assess.Submission{ID: "sweep-draft", Questionnaire: "sweepq@1", Provider: "acme", Service: "storage", Responses: []assess.Response{
			{QuestionID: "IAM-01.1", Answer: assess.AnswerYes, Ownership: assess.OwnerCSP, Description: "Quarterly reviews"},
			{QuestionID: "IAM-02.1", Answer: assess.AnswerNo, Ownership: assess.OwnerCSP},
		}}))
		must(t, db.EvidenceStore().CreateItem(ctx, &evidence.Item{ID: sweepEvidence, Provider: "acme", Kind: evidence.KindLink, Title: "Access review",
			Collector: "Acme", URL: "https://acme.example/review", Visibility: evidence.Private, Controls: []string{"IAM-01"}, Expires: t0.AddDate(1, 0, 0)}))
	case fixtureSuggs:
		e = suggestEnv(t, db)
	default:
		t.Fatalf("unknown fixture %q", name)
	}
	f.envs[name] = e
	return e
}

func (f *sweepFixtures) client(fixture, role string) *browser {
	key := fixture + "/" + role
	if b, ok := f.clients[key]; ok {
		return b
	}
	b := f.env(fixture).browser()
	if role != "" {
		b.signIn(role)
	}
	f.clients[key] = b
	return b
}

func TestPageSweep(t *testing.T) {
	f := &sweepFixtures{t: t, envs: map[string]*env{}, clients: map[string]*browser{}}
	base := f.env(fixtureBase)
	srv, err := web.New(web.Config{Orgs: base.orgs, Sessions: base.db.WebSessions()})
	must(t, err)
	routes := web.SweepRoutes(srv)

	t.Run("every GET route has a row and every row a route", func(t *testing.T) {
		have := map[string]bool{}
		for _, r := range sweepRows {
			have[r.pattern] = true
		}
		known := map[string]bool{}
		for _, r := range routes {
			known[r.Pattern] = true
			if strings.HasPrefix(r.Pattern, "GET ") && !have[r.Pattern] {
				t.Errorf("route %q has no row in sweepRows (web/sweep_test.go): add one with a role and a path", r.Pattern)
			}
		}
		for p := range have {
			if !known[p] {
				t.Errorf("sweepRows names %q, which is not in routes.go", p)
			}
		}
	})

	t.Run("signed-out visitors are sent to sign in", func(t *testing.T) {
		visitor := base.browser()
		for _, r := range routes {
			if !strings.HasPrefix(r.Pattern, "GET ") || r.Access == "anyone" {
				continue
			}
			path := samplePath(r.Pattern)
			res := visitor.get(path)
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?next=") {
				t.Errorf("visitor GET %s (%s) = %d Location %q, want 303 to /signin?next=…", path, r.Pattern, res.StatusCode, loc)
			}
			checkHeaders(t, res.Response)
		}
	})

	t.Run("every non-GET route refuses a form without its CSRF token", func(t *testing.T) {
		alice := f.client(fixtureBase, "alice")
		for _, r := range routes {
			method, _, _ := strings.Cut(r.Pattern, " ")
			if method == "GET" || method == "HEAD" {
				continue
			}
			path := samplePath(r.Pattern)
			for _, token := range []string{"", "forged-token"} {
				req, err := http.NewRequest(method, base.srv.URL+path, strings.NewReader(url.Values{"csrf": {token}}.Encode()))
				must(t, err)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res := alice.do(req)
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s with csrf=%q = %d, want 403", method, path, token, res.StatusCode)
				}
			}
		}
	})

	rendered := map[string]bool{} // page templates seen (<body data-page>)
	t.Run("error pages and a refused sign-in pass the page checks", func(t *testing.T) {
		visitor, alice := base.browser(), f.client(fixtureBase, "alice")
		visitor.get("/signin")
		for _, res := range []response{
			visitor.get("/no/such/page"),
			alice.get("/admin"),
			visitor.get("/providers/nope"),
			visitor.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"wrong"}}),
		} {
			if res.StatusCode < 400 {
				t.Errorf("%s %s = %d, want an error", res.Request.Method, res.Request.URL.Path, res.StatusCode)
			}
			checkHeaders(t, res.Response)
			rendered[pageName(checkHTML(func(f string, a ...any) {
				t.Errorf("%s %s (%d): %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, fmt.Sprintf(f, a...))
			}, res.body))] = true
		}
	})

	// Pages rendered only in answer to a form: the attestation to sign and
	// the workbook import report.
	t.Run("pages answering forms pass the page checks", func(t *testing.T) {
		carol := f.client(fixtureAssur, "carol")
		alice := f.client(fixtureAsses, "alice")
		for _, res := range []response{
			carol.post("/console/auditor/submissions/sub-acme/prepare", url.Values{"auditor": {"audit"}, "type": {"certification"},
				"scope": {"Acme Storage production"}, "catalogs": {"base@1"}, "validFrom": {"2026-11-28"}, "validUntil": {"2027-11-28"}}),
			alice.postFile("/console/assess/import", map[string]string{"target": "acme/storage"}, "workbook", "answers.xlsx", "", badWorkbook(t, 12)),
		} {
			if res.StatusCode != http.StatusOK {
				t.Errorf("POST %s = %d\n%.1000s", res.Request.URL.Path, res.StatusCode, res.body)
			}
			checkHeaders(t, res.Response)
			rendered[pageName(checkHTML(func(f string, a ...any) {
				t.Errorf("POST %s: %s", res.Request.URL.Path, fmt.Sprintf(f, a...))
			}, res.body))] = true
		}
	})

	assets := map[string]int{} // static URL → size
	for _, row := range sweepRows {
		who := row.role
		if who == "" {
			who = "visitor"
		}
		b := f.client(row.fixture, row.role)
		path := row.path(f)
		t.Run(fmt.Sprintf("%s as %s passes the checks", path, who), func(t *testing.T) {
			switch row.kind {
			case kindStream:
				checkStream(t, b, path)
				return
			case kindData:
				res := b.get(path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d\n%.500s", path, res.StatusCode, res.body)
				}
				checkHeaders(t, res.Response)
				return
			}
			res := b.get(path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d\n%.2000s", path, res.StatusCode, res.body)
			}
			checkHeaders(t, res.Response)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("Content-Type = %q", ct)
			}
			doc := checkHTML(t.Errorf, res.body)
			rendered[pageName(doc)] = true
			total := len(res.body)
			for _, u := range staticURLs(doc) {
				n, ok := assets[u]
				if !ok {
					a := b.get(u)
					if a.StatusCode != http.StatusOK {
						t.Errorf("static file %s = %d", u, a.StatusCode)
					}
					checkHeaders(t, a.Response)
					n = len(a.body)
					assets[u] = n
				}
				total += n
			}
			t.Logf("transfer %s: %d bytes (page %d)", path, total, len(res.body))
			if total > maxTransferBytes {
				t.Errorf("page and static files = %d bytes, over %d", total, maxTransferBytes)
			}
		})
	}

	t.Run("every page template is rendered by the sweep", func(t *testing.T) {
		files, err := os.ReadDir("templates")
		must(t, err)
		for _, fi := range files {
			name, ok := strings.CutSuffix(fi.Name(), ".html")
			if !ok || strings.HasPrefix(name, "_") || name == "layout" {
				continue
			}
			if !rendered[name] {
				t.Errorf("templates/%s.html is not rendered by any row of the sweep: add a row to sweepRows (or to the form pages)", name)
			}
		}
	})
}

// pageName is the page template named by <body data-page>.
func pageName(doc *html.Node) string {
	name := ""
	walk(doc, func(n *html.Node) {
		if n.DataAtom == atom.Body {
			name = attr(n, "data-page")
		}
	})
	return name
}

// samplePath fills a pattern's wildcards with a placeholder.
func samplePath(pattern string) string {
	_, p, ok := strings.Cut(pattern, " ")
	if !ok {
		p = pattern
	}
	p = strings.TrimSuffix(p, "{$}")
	return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p, "x")
}

// checkHeaders checks the security headers of issue 7 item 7.
func checkHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	script, ok := directives["script-src"]
	if !ok {
		script = directives["default-src"]
	}
	// 'self' for pages; 'none' (downloads) is stricter still.
	if script != "'self'" && script != "'none'" {
		t.Errorf("%s: CSP script-src %q, want 'self' without 'unsafe-inline' (CSP %q)", res.Request.URL.Path, script, csp)
	}
	if directives["frame-ancestors"] != "'none'" {
		t.Errorf("%s: CSP frame-ancestors = %q, want 'none'", res.Request.URL.Path, directives["frame-ancestors"])
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", res.Request.URL.Path, got)
	}
	if got := res.Header.Get("Referrer-Policy"); got == "" {
		t.Errorf("%s: no Referrer-Policy", res.Request.URL.Path)
	}
}

// checkStream opens an event stream, checks its status and headers and
// hangs up.
func checkStream(t *testing.T, b *browser, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", b.e.srv.URL+path, nil)
	must(t, err)
	req.Header.Set("Accept", "text/event-stream")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		t.Fatalf("GET %s = %d %s\n%s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	checkHeaders(t, res)
}

// staticURLs are the site's own stylesheets, scripts and images a page
// links to.
func staticURLs(doc *html.Node) []string {
	var out []string
	walk(doc, func(n *html.Node) {
		var u string
		switch n.DataAtom {
		case atom.Link:
			if attr(n, "rel") == "stylesheet" || attr(n, "rel") == "icon" {
				u = attr(n, "href")
			}
		case atom.Script, atom.Img:
			u = attr(n, "src")
		}
		if strings.HasPrefix(u, "/static/") && !slices.Contains(out, u) {
			out = append(out, u)
		}
	})
	return out
}

// optionalEnd are elements whose end tag HTML allows to leave out, and
// void elements, which have none.
var optionalEnd = map[atom.Atom]bool{
	atom.P: true, atom.Li: true, atom.Dt: true, atom.Dd: true, atom.Option: true, atom.Optgroup: true,
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Colgroup: true, atom.Html: true, atom.Head: true, atom.Body: true, atom.Rt: true, atom.Rp: true,
}

var voidElements = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true, atom.Hr: true, atom.Img: true,
	atom.Input: true, atom.Link: true, atom.Meta: true, atom.Source: true, atom.Track: true, atom.Wbr: true,
}

// checkWellFormed reads the page as tokens: every element that needs an
// end tag has one, in the right order.
func checkWellFormed(errorf func(string, ...any), body string) {
	z := html.NewTokenizer(strings.NewReader(body))
	var stack []string
	foreign := 0 // inside <svg>/<math>: self-closing tags are allowed
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				errorf("HTML does not tokenize: %v", z.Err())
			}
			for _, open := range stack {
				if a := atom.Lookup([]byte(open)); !optionalEnd[a] {
					errorf("HTML: <%s> is never closed", open)
				}
			}
			return
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if voidElements[a] {
				continue
			}
			if a == atom.Svg || a == atom.Math {
				foreign++
			}
			stack = append(stack, string(name))
		case html.SelfClosingTagToken:
			name, _ := z.TagName()
			if a := atom.Lookup(name); foreign == 0 && !voidElements[a] {
				errorf("HTML: <%s/> is not a void element", name)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			i := len(stack) - 1
			for i >= 0 && stack[i] != string(name) {
				if !optionalEnd[atom.Lookup([]byte(stack[i]))] {
					errorf("HTML: </%s> closes <%s> (open: %s)", name, stack[i], strings.Join(stack, " > "))
					return
				}
				i--
			}
			if i < 0 {
				errorf("HTML: </%s> without a start tag", name)
				return
			}
			stack = stack[:i]
			if a == atom.Svg || a == atom.Math {
				foreign--
			}
		}
	}
}

// checkHTML parses a page and checks its structure and accessibility.
func checkHTML(errorf func(string, ...any), body string) *html.Node {
	checkWellFormed(errorf, body)
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		errorf("HTML does not parse: %v", err)
		return &html.Node{Type: html.DocumentNode}
	}
	var (
		h1, mains, navs int
		lang, title     bool
		labelFor        = map[string]bool{}
		ids             = map[string]int{}
		controls        []*html.Node
	)
	walk(doc, func(n *html.Node) {
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				errorf("inline event handler %s= on %s", a.Key, describe(n))
			}
			if a.Key == "style" {
				errorf("inline style attribute on %s (the CSP blocks it)", describe(n))
			}
			if a.Key == "id" {
				ids[a.Val]++
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				errorf("javascript: URL on %s", describe(n))
			}
		}
		switch n.DataAtom {
		case atom.Html:
			lang = attr(n, "lang") != ""
		case atom.Title:
			title = title || (n.Parent != nil && n.Parent.DataAtom == atom.Head && strings.TrimSpace(text(n)) != "")
		case atom.A, atom.Button:
			if (n.DataAtom == atom.Button || attr(n, "href") != "") && attr(n, "aria-label") == "" && attr(n, "aria-labelledby") == "" && strings.TrimSpace(allText(n)) == "" {
				errorf("%s without an accessible name (text or aria-label)", describe(n))
			}
		case atom.H1:
			h1++
			// A heading that is empty or starts or ends with a separator
			// shows a value missing from the data.
			if h := strings.TrimSpace(allText(n)); h == "" || strings.IndexAny(h, "—·,:-") == 0 || strings.HasSuffix(h, "—") || strings.HasSuffix(h, "·") {
				errorf("<h1> %q is empty or lacks a value", h)
			}
		case atom.Main:
			mains++
		case atom.Nav, atom.Header:
			navs++
		case atom.Label:
			if f := attr(n, "for"); f != "" {
				labelFor[f] = true
			}
		case atom.Input, atom.Select, atom.Textarea:
			switch attr(n, "type") {
			case "hidden", "submit", "button", "reset", "image":
			default:
				controls = append(controls, n)
			}
		case atom.Script:
			if attr(n, "src") == "" || strings.TrimSpace(text(n)) != "" {
				errorf("inline script: %s", describe(n))
			}
		case atom.Img:
			if _, ok := attrOK(n, "alt"); !ok && attr(n, "aria-label") == "" && attr(n, "aria-labelledby") == "" {
				errorf("image without a text alternative: %s", describe(n))
			}
		case atom.Svg:
			if attr(n, "aria-hidden") == "true" || (n.Parent != nil && hasAncestorSVG(n.Parent)) {
				break
			}
			if attr(n, "aria-label") == "" && attr(n, "aria-labelledby") == "" && !hasChild(n, "title") {
				errorf("SVG without a text alternative (<title>, aria-label or aria-hidden): %s", describe(n))
			}
		case atom.Form:
			if strings.EqualFold(attr(n, "method"), "post") && !hasCSRF(n) {
				errorf("POST form without the csrf field: %s", describe(n))
			}
		}
	})
	if !lang {
		errorf("<html> has no lang attribute")
	}
	if !title {
		errorf("no <title> in <head>")
	}
	if mains != 1 {
		errorf("%d <main> landmarks, want 1", mains)
	}
	if navs == 0 {
		errorf("no <nav> or <header> landmark")
	}
	if h1 != 1 {
		errorf("%d <h1> elements, want exactly 1", h1)
	}
	for id, n := range ids {
		if n > 1 {
			errorf("id %q is used %d times", id, n)
		}
	}
	for _, c := range controls {
		if attr(c, "aria-label") != "" || attr(c, "aria-labelledby") != "" || hasAncestor(c, atom.Label) {
			continue
		}
		if id := attr(c, "id"); id == "" || !labelFor[id] {
			errorf("form control without a label (<label for>, aria-label or aria-labelledby): %s", describe(c))
		}
	}
	return doc
}

func walk(n *html.Node, f func(*html.Node)) {
	if n.Type == html.ElementNode {
		f(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// allText is the text of n and its descendants (img alt included).
func allText(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && n.DataAtom == atom.Img:
			b.WriteString(attr(n, "alt"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

func hasChild(n *html.Node, name string) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == name {
			return true
		}
	}
	return false
}

func hasAncestor(n *html.Node, a atom.Atom) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == a {
			return true
		}
	}
	return false
}

func hasAncestorSVG(n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "svg" {
			return true
		}
	}
	return false
}

func hasCSRF(form *html.Node) bool {
	found := false
	walk(form, func(n *html.Node) {
		if n.DataAtom == atom.Input && attr(n, "name") == "csrf" && attr(n, "type") == "hidden" && attr(n, "value") != "" {
			found = true
		}
	})
	return found
}

// describe renders an element's start tag, shortened, for messages.
func describe(n *html.Node) string {
	var b bytes.Buffer
	c := *n
	c.FirstChild, c.LastChild, c.Parent, c.PrevSibling, c.NextSibling = nil, nil, nil, nil, nil
	html.Render(&b, &c)
	s := b.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// TestPageSweepChecksFindProblems feeds the sweep's HTML checks pages
// with one problem each: every one must be reported.
func TestPageSweepChecksFindProblems(t *testing.T) {
	page := func(main string) string {
		return `<!doctype html><html lang="en"><head><title>x</title></head><body><header><nav><a href="/">Home</a></nav></header>` +
			`<main><h1>Title</h1>` + main + `</main></body></html>`
	}
	tests := []struct {
		name, body, want string
	}{
		{"an unlabelled input is reported", page(`<input id="q" name="q">`), "without a label"},
		{"a label for another id does not count", page(`<label for="x">X</label><input id="q">`), "without a label"},
		{"an inline script is reported", page(`<script>alert(1)</script>`), "inline script"},
		{"an event handler attribute is reported", page(`<button onclick="go()">Go</button>`), "inline event handler"},
		{"a style attribute is reported", page(`<p style="color:red">x</p>`), "inline style"},
		{"a second h1 is reported", page(`<h1>Again</h1>`), "2 <h1>"},
		{"a page without main is reported", `<!doctype html><html><body><nav></nav><h1>x</h1></body></html>`, "0 <main>"},
		{"a chart without a text alternative is reported", page(`<svg viewBox="0 0 10 10"><rect width="1" height="1"/></svg>`), "SVG without"},
		{"an image without alt is reported", page(`<img src="/static/x.png">`), "image without"},
		{"a POST form without csrf is reported", page(`<form method="post" action="/x"><button>Go</button></form>`), "without the csrf"},
		{"an unclosed element is reported", page(`<div><span>x</div>`), "closes <span>"},
		{"a duplicate id is reported", page(`<p id="a">x</p><p id="a">y</p>`), `id "a" is used 2 times`},
		{"an empty button is reported", page(`<button type="button"></button>`), "without an accessible name"},
		{"a heading missing its first value is reported", strings.Replace(page(""), "<h1>Title</h1>", "<h1> — Acme</h1>", 1), "lacks a value"},
		{"a page without lang is reported", strings.Replace(page(""), ` lang="en"`, "", 1), "no lang"},
		{"a javascript: link is reported", page(`<a href="javascript:go()">x</a>`), "javascript: URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			checkHTML(func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) }, tc.body)
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, tc.want) }) {
				t.Fatalf("want a report containing %q, got %q", tc.want, got)
			}
		})
	}
	t.Run("a clean page is not reported", func(t *testing.T) {
		var got []string
		checkHTML(func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) },
			page(`<form method="post" action="/x"><input type="hidden" name="csrf" value="t"><label for="q">Q</label><input id="q" name="q">`+
				`<label>Inline <select name="s"><option>a</option></select></label><textarea aria-label="Notes"></textarea></form>`+
				`<svg role="img" aria-labelledby="c1"><title id="c1">Chart</title><rect width="1" height="1"/></svg><img src="/static/x.png" alt="">`))
		if len(got) > 0 {
			t.Fatalf("clean page reported: %q", got)
		}
	})
}
