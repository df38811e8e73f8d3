package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// pageTemplate is one page's template set: the layout, the shared
// partials and the page's own blocks.
type pageTemplate struct {
	t *template.Template
}

// view is the root value every template receives.
type view struct {
	// Page is the page's template name, e.g. "registry" (navigation uses it).
	Page string
	// V is the visitor: .V.User, .V.Memberships, .V.Admin, .V.CSRF,
	// .V.SignedIn, .V.Member "orgID".
	V *visit
	// Path is the request path.
	Path string
	// Data is what the handler passed to render.
	Data any
}

// parseTemplates parses templates/layout.html with the partials
// templates/_*.html once, then each other templates/<name>.html on a clone
// of it: every page is the layout with its own "title", "head" and "main"
// blocks.
func parseTemplates(fsys fs.FS, funcs template.FuncMap) (map[string]*pageTemplate, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("web: page %s: %w", name, err)
		}
		pages[name] = &pageTemplate{t: t}
	}
	return pages, nil
}

// render writes page name with data and the given status. The page is
// rendered into a buffer first, so a template error is a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name string, data any) {
	pt, ok := s.pages[name]
	if !ok {
		s.logger.Error("web: no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout.html", view{Page: name, V: v, Path: r.URL.Path, Data: data}); err != nil {
		s.logger.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", fmt.Sprint(buf.Len()))
	if v != nil && v.SignedIn() {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Add("Vary", "Cookie")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// errorStatus maps error codes to HTTP statuses, as httpapi/error.go does.
var errorStatus = map[string]int{
	cloudtrust.EINVALID:        http.StatusBadRequest,
	cloudtrust.EUNAUTHORIZED:   http.StatusUnauthorized,
	cloudtrust.EFORBIDDEN:      http.StatusForbidden,
	cloudtrust.ENOTFOUND:       http.StatusNotFound,
	cloudtrust.ECONFLICT:       http.StatusConflict,
	cloudtrust.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	cloudtrust.ENOTIMPLEMENTED: http.StatusNotImplemented,
	cloudtrust.EUNAVAILABLE:    http.StatusServiceUnavailable,
	cloudtrust.EINTERNAL:       http.StatusInternalServerError,
}

// errorData is the data of the "error" page.
type errorData struct {
	Status  int
	Title   string
	Message string
}

// fail renders the error page for err. Errors that are not
// *cloudtrust.Error (or are EINTERNAL) are logged and shown as "internal
// error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	status, ok := errorStatus[cloudtrust.ErrorCode(err)]
	msg := cloudtrust.ErrorMessage(err)
	if !ok || status == http.StatusInternalServerError {
		s.logger.Error("web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		status, msg = http.StatusInternalServerError, "internal error"
	}
	s.render(w, r, v, status, "error", errorData{Status: status, Title: http.StatusText(status), Message: msg})
}

// redirect answers 303 See Other (the POST-redirect-GET pattern).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// safeNext returns target when it is a local path ("/…", not "//…"),
// else "/": the sign-in form's "next" must not send users elsewhere.
func safeNext(target string) string {
	if target == "" || target[0] != '/' || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return "/"
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return target
}

// handleNotFound is the page of paths the UI does not know.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request, v *visit) {
	s.fail(w, r, v, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "there is no page at %s", r.URL.Path))
}

// clientError returns the status and message of err when it is the
// client's fault (EINVALID, ECONFLICT, ENOTFOUND, EFORBIDDEN), to show next
// to a form; status 0 for other errors.
func clientError(err error) (int, string) {
	switch c := cloudtrust.ErrorCode(err); c {
	case cloudtrust.EINVALID, cloudtrust.ECONFLICT, cloudtrust.ENOTFOUND, cloudtrust.EFORBIDDEN:
		return errorStatus[c], cloudtrust.ErrorMessage(err)
	}
	return 0, ""
}
