package sqldb_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestWebSessions(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		ws := db.WebSessions()
		a := sqldb.WebSession{IDHash: []byte("hash-a-0123456789012345678901234"), UserID: "u1", CSRF: "tok-a",
			Created: t0, LastSeen: t0, Expires: t0.Add(time.Hour)}
		b := sqldb.WebSession{IDHash: []byte("hash-b-0123456789012345678901234"), UserID: "u1", CSRF: "tok-b",
			Created: t0, LastSeen: t0, Expires: t0.Add(2 * time.Hour)}
		c := sqldb.WebSession{IDHash: []byte("hash-c-0123456789012345678901234"), UserID: "u2", CSRF: "tok-c",
			Created: t0, LastSeen: t0, Expires: t0.Add(3 * time.Hour)}
		for _, s := range []sqldb.WebSession{a, b, c} {
			must(t, ws.CreateWebSession(ctx, s))
		}
		t.Run("a stored session reads back with its fields", func(t *testing.T) {
			got, err := ws.WebSession(ctx, a.IDHash)
			must(t, err)
			if !bytes.Equal(got.IDHash, a.IDHash) || got.UserID != "u1" || got.CSRF != "tok-a" ||
				!got.Created.Equal(t0) || !got.Expires.Equal(t0.Add(time.Hour)) {
				t.Fatalf("session = %+v", got)
			}
		})
		t.Run("a second session with the same hash is a conflict", func(t *testing.T) {
			wantCode(t, ws.CreateWebSession(ctx, a), cloudtrust.ECONFLICT)
		})
		t.Run("a session without user is invalid", func(t *testing.T) {
			wantCode(t, ws.CreateWebSession(ctx, sqldb.WebSession{IDHash: []byte("x"), CSRF: "c"}), cloudtrust.EINVALID)
		})
		t.Run("an unknown hash is not found", func(t *testing.T) {
			_, err := ws.WebSession(ctx, []byte("nope"))
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("touching moves last seen", func(t *testing.T) {
			must(t, ws.TouchWebSession(ctx, a.IDHash, t0.Add(time.Minute)))
			got, err := ws.WebSession(ctx, a.IDHash)
			must(t, err)
			if !got.LastSeen.Equal(t0.Add(time.Minute)) {
				t.Fatalf("last seen = %v", got.LastSeen)
			}
		})
		t.Run("deleting one session leaves the others", func(t *testing.T) {
			must(t, ws.DeleteWebSession(ctx, a.IDHash))
			must(t, ws.DeleteWebSession(ctx, a.IDHash))
			_, err := ws.WebSession(ctx, a.IDHash)
			wantCode(t, err, cloudtrust.ENOTFOUND)
			if n, err := ws.CountUserWebSessions(ctx, "u1"); err != nil || n != 1 {
				t.Fatalf("count = %d, %v", n, err)
			}
		})
		t.Run("signing out everywhere ends only that user's sessions", func(t *testing.T) {
			n, err := ws.DeleteUserWebSessions(ctx, "u1")
			if err != nil || n != 1 {
				t.Fatalf("deleted %d, %v", n, err)
			}
			if _, err := ws.WebSession(ctx, c.IDHash); err != nil {
				t.Fatalf("other user's session: %v", err)
			}
		})
		t.Run("pruning deletes expired sessions only", func(t *testing.T) {
			must(t, ws.CreateWebSession(ctx, a))
			n, err := ws.PruneWebSessions(ctx, t0.Add(90*time.Minute))
			if err != nil || n != 1 {
				t.Fatalf("pruned %d, %v", n, err)
			}
			if _, err := ws.WebSession(ctx, c.IDHash); err != nil {
				t.Fatalf("unexpired session: %v", err)
			}
		})
	})
}
