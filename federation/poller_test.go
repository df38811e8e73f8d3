package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/federation"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// fakeRemote plays a sub-provider's CTP server: resources by path, each a
// service view (or dependency) with a changeId and child paths.
type fakeRemote struct {
	mu       sync.Mutex
	base     string
	res      map[string]*fakeRes // path -> resource
	requests []string
	override func(w http.ResponseWriter) bool // non-nil: answers instead
}

type fakeRes struct {
	change   int
	name     string
	children []string
}

func newFakeRemote(t *testing.T) *fakeRemote {
	f := &fakeRemote{res: map[string]*fakeRes{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.base = srv.URL + "/api/1.0"
	return f
}

func (f *fakeRemote) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.Path)
	if f.override != nil && f.override(w) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer sekret" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/api/1.0")
	if strings.HasSuffix(p, "/dependencies") {
		res, ok := f.res[strings.TrimSuffix(p, "/dependencies")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		var items []map[string]string
		for _, c := range res.children {
			items = append(items, map[string]string{"link": f.base + c})
		}
		json.NewEncoder(w).Encode(map[string]any{"collectionType": "serviceViews", "collection": items})
		return
	}
	res, ok := f.res[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"self": f.base + p, "changeId": fmt.Sprint(res.change), "name": res.name,
		"annotation": "a " + res.name, "provider": "Sub", "dependencies": f.base + p + "/dependencies",
	})
}

// bump changes the changeId of path and every resource above it, as a CTP
// server does.
func (f *fakeRemote) bump(paths ...string) {
	for _, p := range paths {
		f.res[p].change++
	}
}

func (f *fakeRemote) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.requests
	f.requests = nil
	return r
}

// localTree renders the dependency tree under view as sorted "depth:name" lines.
func localTree(t *testing.T, st ctp.Store, parent ctp.Ref, depth int) []string {
	t.Helper()
	page, err := st.List(context.Background(), ctp.KindDependency, parent, ctp.ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var out []string
	for _, it := range page.Items {
		out = append(out, fmt.Sprintf("%d:%s", depth, it.Name))
		out = append(out, localTree(t, st, ctp.Ref{Kind: ctp.KindDependency, ID: it.ID}, depth+1)...)
	}
	sort.Strings(out)
	return out
}

func TestPoller(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		store := db.CTP()
		view := &ctp.ServiceView{Name: "local", Provider: "Me"}
		if err := store.CreateServiceView(ctx, view); err != nil {
			t.Fatal(err)
		}
		fed, err := db.Federation().WithSecretKey(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		f := newFakeRemote(t)
		f.res["/serviceViews/v1"] = &fakeRes{change: 1, name: "remote", children: []string{"/dependencies/a", "/dependencies/b"}}
		f.res["/dependencies/a"] = &fakeRes{change: 1, name: "A", children: []string{"/dependencies/a1"}}
		f.res["/dependencies/a1"] = &fakeRes{change: 1, name: "A1"}
		f.res["/dependencies/b"] = &fakeRes{change: 1, name: "B"}
		rem := &sqldb.Remote{ServiceViewID: view.ID, URL: f.base, RemoteView: "v1", Token: "sekret"}
		if err := fed.AddRemote(ctx, rem); err != nil {
			t.Fatal(err)
		}
		p := &federation.Poller{Remotes: fed, CTP: store.(federation.Store), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		root := ctp.Ref{Kind: ctp.KindServiceView, ID: view.ID}
		poll := func(t *testing.T) string {
			t.Helper()
			rs, err := fed.Remotes(ctx, view.ID)
			if err != nil || len(rs) != 1 {
				t.Fatalf("Remotes: %v %d", err, len(rs))
			}
			p.PollAll(ctx)
			rs, _ = fed.Remotes(ctx, view.ID)
			return rs[0].LastError
		}
		want := func(t *testing.T, lines ...string) {
			t.Helper()
			sort.Strings(lines)
			got := localTree(t, store, root, 0)
			if strings.Join(got, ",") != strings.Join(lines, ",") {
				t.Fatalf("local tree = %v, want %v", got, lines)
			}
		}
		t.Run("first poll mirrors the remote tree", func(t *testing.T) {
			if e := poll(t); e != "" {
				t.Fatalf("error: %s", e)
			}
			want(t, "0:A", "1:A1", "0:B")
			f.take()
		})
		t.Run("unchanged changeId makes a single request", func(t *testing.T) {
			if e := poll(t); e != "" {
				t.Fatalf("error: %s", e)
			}
			if got := f.take(); len(got) != 1 {
				t.Fatalf("requests = %v, want one", got)
			}
		})
		t.Run("nested change re-reads only that subtree", func(t *testing.T) {
			f.res["/dependencies/a1"].name = "A1-new"
			f.bump("/dependencies/a1", "/dependencies/a", "/serviceViews/v1")
			if e := poll(t); e != "" {
				t.Fatalf("error: %s", e)
			}
			want(t, "0:A", "1:A1-new", "0:B")
			for _, r := range f.take() {
				// b itself is read (collections carry no changeId); below it nothing.
				if r == "/api/1.0/dependencies/b/dependencies" {
					t.Fatalf("unchanged subtree b was re-read: %s", r)
				}
			}
		})
		t.Run("remote deletion removes the local mirror", func(t *testing.T) {
			f.res["/serviceViews/v1"].children = []string{"/dependencies/a"}
			f.bump("/serviceViews/v1")
			if e := poll(t); e != "" {
				t.Fatalf("error: %s", e)
			}
			want(t, "0:A", "1:A1-new")
		})
		for _, tc := range []struct {
			name string
			h    func(w http.ResponseWriter) bool
		}{
			{"401 is recorded and the tree kept", func(w http.ResponseWriter) bool { http.Error(w, "no", 401); return true }},
			{"500 is recorded and the tree kept", func(w http.ResponseWriter) bool { http.Error(w, "boom", 500); return true }},
			{"garbage is recorded and the tree kept", func(w http.ResponseWriter) bool { w.Write([]byte("{not json")); return true }},
			{"oversize is recorded and the tree kept", func(w http.ResponseWriter) bool {
				w.Write([]byte(`{"changeId":"` + strings.Repeat("x", federation.MaxResponseSize) + `"}`))
				return true
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f.override = tc.h
				defer func() { f.override = nil }()
				f.bump("/serviceViews/v1")
				if e := poll(t); e == "" {
					t.Fatal("no error recorded")
				}
				want(t, "0:A", "1:A1-new")
			})
		}
		t.Run("error clears after a good poll", func(t *testing.T) {
			if e := poll(t); e != "" {
				t.Fatalf("error: %s", e)
			}
		})
		t.Run("cycle in remote dependencies stops", func(t *testing.T) {
			f.res["/dependencies/a1"].children = []string{"/dependencies/a"}
			f.bump("/dependencies/a1", "/dependencies/a", "/serviceViews/v1")
			if e := poll(t); e != "" {
				t.Fatalf("error: %s", e)
			}
			want(t, "0:A", "1:A1-new")
		})
		t.Run("a mirror deleted by hand is recreated", func(t *testing.T) {
			page, err := store.List(ctx, ctp.KindDependency, root, ctp.ListOptions{})
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("List: %v %v", err, page)
			}
			if err := store.Delete(ctx, ctp.Ref{Kind: ctp.KindDependency, ID: page.Items[0].ID}); err != nil {
				t.Fatal(err)
			}
			f.bump("/serviceViews/v1")
			for i := 0; i < 2; i++ { // the first poll recreates A, the second its subtree
				if e := poll(t); e != "" {
					t.Fatalf("error: %s", e)
				}
			}
			want(t, "0:A", "1:A1-new")
		})
		t.Run("a failing remote does not stop the others", func(t *testing.T) {
			bad := &sqldb.Remote{ServiceViewID: view.ID, URL: "http://127.0.0.1:1/api/1.0", RemoteView: "x", Token: "t"}
			if err := fed.AddRemote(ctx, bad); err != nil {
				t.Fatal(err)
			}
			defer fed.DeleteRemote(ctx, view.ID, bad.ID)
			f.res["/dependencies/b"] = &fakeRes{change: 1, name: "B"}
			f.res["/serviceViews/v1"].children = []string{"/dependencies/a", "/dependencies/b"}
			f.bump("/serviceViews/v1")
			if failed := p.PollAll(ctx); failed != 1 {
				t.Fatalf("failed = %d, want 1", failed)
			}
			want(t, "0:A", "1:A1-new", "0:B")
			rs, _ := fed.Remotes(ctx, view.ID)
			for _, r := range rs {
				if (r.ID == bad.ID) == (r.LastError == "") {
					t.Fatalf("remote %s: lastError %q", r.URL, r.LastError)
				}
			}
		})
		t.Run("token is never listed and decrypts", func(t *testing.T) {
			rs, _ := fed.Remotes(ctx, view.ID)
			if rs[0].Token != "" {
				t.Fatal("listing returned the token")
			}
			tok, err := fed.RemoteToken(ctx, rem.ID)
			if err != nil || tok != "sekret" {
				t.Fatalf("RemoteToken = %q, %v", tok, err)
			}
			var stored string
			db.SQL().QueryRow("SELECT token FROM federation_remotes").Scan(&stored)
			if strings.Contains(stored, "sekret") {
				t.Fatal("token stored in clear")
			}
		})
	})
}
