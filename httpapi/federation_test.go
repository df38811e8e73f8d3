package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/sqldb"
)

// testRemotes adapts sqldb.FederationStore to Remotes (cmd/cloudtrust has
// the production adapter).
type testRemotes struct{ fs *sqldb.FederationStore }

func testRemoteInfo(r *sqldb.Remote) *RemoteInfo {
	return &RemoteInfo{ID: r.ID, URL: r.URL, ServiceView: r.RemoteView, LastError: r.LastError, LastSuccess: r.LastSuccess, Created: r.Created}
}

func (a testRemotes) AddRemote(ctx context.Context, viewID, url, token, remoteView string) (*RemoteInfo, error) {
	r := &sqldb.Remote{ServiceViewID: viewID, URL: url, Token: token, RemoteView: remoteView}
	if err := a.fs.AddRemote(ctx, r); err != nil {
		return nil, err
	}
	return testRemoteInfo(r), nil
}

func (a testRemotes) ListRemotes(ctx context.Context, viewID string) ([]*RemoteInfo, error) {
	rs, err := a.fs.Remotes(ctx, viewID)
	var out []*RemoteInfo
	for _, r := range rs {
		out = append(out, testRemoteInfo(r))
	}
	return out, err
}

func (a testRemotes) DeleteRemote(ctx context.Context, viewID, rid string) error {
	return a.fs.DeleteRemote(ctx, viewID, rid)
}

func TestRemoteAPI(t *testing.T) {
	forEachDBWithDB(t, func(t *testing.T, e *env, db *sqldb.DB) {
		withDelivery(e, db, func(c *Config) { c.Remotes = testRemotes{fs: db.Federation()} })
		_, userToken := e.account("customer", "access:user", "id:1")
		view := idOf(e.must(201, "POST", "/api/1.0/serviceViews", adminToken, map[string]any{"name": "main", "provider": "net.example"}).str(t, "self"))
		path := "/api/v1/serviceViews/" + view + "/remotes"
		good := map[string]any{"url": "https://sub.example/api/1.0", "token": "tok-secret", "serviceView": "v1"}
		tests := []struct {
			name, path, token string
			body              any
			want              int
			wantErr           string
		}{
			{"administrator declares a remote", path, adminToken, good, 201, `"serviceView":"v1"`},
			{"non-administrator is forbidden", path, userToken, good, 403, "administrator"},
			{"missing token is unauthorized", path, "", good, 401, "bearer token"},
			{"non-http url is refused", path, adminToken, map[string]any{"url": "file:///etc", "serviceView": "v1"}, 400, "url"},
			{"missing serviceView is refused", path, adminToken, map[string]any{"url": "https://sub.example"}, 400, "serviceView"},
			{"unknown service view is not found", "/api/v1/serviceViews/nope/remotes", adminToken, good, 404, "nope"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do("POST", tt.path, tt.token, tt.body)
				if r.status != tt.want || !strings.Contains(string(r.body), tt.wantErr) {
					t.Fatalf("status %d, want %d with %q\n%s", r.status, tt.want, tt.wantErr, r.body)
				}
			})
		}
		t.Run("list shows the remote without its token", func(t *testing.T) {
			r := e.must(200, "GET", path, adminToken, nil)
			if strings.Contains(string(r.body), "tok-secret") || !strings.Contains(string(r.body), `"lastError":""`) {
				t.Fatalf("listing = %s", r.body)
			}
			rs := r.json(t)["remotes"].([]any)
			if len(rs) != 1 {
				t.Fatalf("remotes = %s", r.body)
			}
			id := rs[0].(map[string]any)["id"].(string)
			e.must(204, "DELETE", path+"/"+id, adminToken, nil)
			e.must(404, "DELETE", path+"/"+id, adminToken, nil)
		})
		t.Run("without a store the routes answer 501", func(t *testing.T) {
			withDelivery(e, db, nil)
			e.must(501, "GET", path, adminToken, nil)
		})
	})
}
