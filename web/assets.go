package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// staticHandler serves the embedded static files. Pages link them with a
// content hash in the query (see the "asset" template function), so they
// can be cached for a year: a changed file gets a new URL.
func staticHandler(fsys fs.FS) (http.Handler, map[string]string, error) {
	assets := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		assets[p] = "/static/" + p + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("web: static files: %w", err)
	}
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w, r)
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(w, r)
	}), assets, nil
}

// funcs are the template functions every page may use.
func (s *Server) funcs() template.FuncMap {
	fm := template.FuncMap{
		// asset returns the versioned URL of a static file: {{asset "style.css"}}.
		"asset": func(name string) (string, error) {
			u, ok := s.assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return u, nil
		},
		// date and datetime format times in UTC; the zero time is "—".
		"date":     func(t time.Time) string { return fmtTime(t, "2006-01-02") },
		"datetime": func(t time.Time) string { return fmtTime(t, "2006-01-02 15:04 UTC") },
		"join":     strings.Join,
	}
	for k, f := range s.consoleFuncs() {
		fm[k] = f
	}
	return fm
}

func fmtTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(layout)
}
