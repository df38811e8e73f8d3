package web_test

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// openStream opens an event stream as b and reads its first line.
func openStream(t *testing.T, ctx context.Context, b *browser, path string) *bufio.Reader {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.e.srv.URL+path, nil)
	res, err := b.c.Do(req)
	must(t, err)
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	rd := bufio.NewReader(res.Body)
	if line, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("first line %q, %v", line, err)
	}
	return rd
}

// readUntilEnd reads the stream until the server ends it; it fails the
// test when ctx ends first (the stream stayed open).
func readUntilEnd(t *testing.T, ctx context.Context, rd *bufio.Reader) {
	t.Helper()
	for {
		if _, err := rd.ReadString('\n'); err != nil {
			if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("the stream stayed open when it should have ended")
			}
			return
		}
	}
}

// TestLiveStreamsEndWhenAccessEnds: the consoles' event streams re-check
// the session and the views' visibility (ConsoleConfig.Recheck) and end
// when either is gone, like the API's streams; while access holds they
// keep delivering.
func TestLiveStreamsEndWhenAccessEnds(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		t.Run("a stream outlives several re-checks while access holds", func(t *testing.T) {
			carol := ce.browser()
			carol.signIn("carol")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rd := openStream(t, ctx, carol, "/console/views/"+ce.bank+"/events")
			time.Sleep(300 * time.Millisecond) // six re-check periods
			ce.hub.Publish(ce.bank, notify.Event{Type: notify.EventAlert, Data: []byte(`{"still":true}`)})
			for {
				line, err := rd.ReadString('\n')
				must(t, err)
				if strings.Contains(line, `"still":true`) {
					return
				}
			}
		})
		t.Run("signing out everywhere ends the customer's merged stream", func(t *testing.T) {
			carol := ce.browser()
			carol.signIn("carol")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rd := openStream(t, ctx, carol, "/console/customer/events")
			other := ce.browser()
			other.signIn("carol")
			wantStatus(t, other.post("/signout/everywhere", nil), http.StatusSeeOther)
			readUntilEnd(t, ctx, rd)
		})
		t.Run("losing the membership ends a view's stream", func(t *testing.T) {
			carol := ce.browser()
			carol.signIn("carol")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rd := openStream(t, ctx, carol, "/console/views/"+ce.bank+"/events")
			must(t, ce.orgs.RemoveMembership(context.Background(), ce.users["carol"].ID, "cust"))
			readUntilEnd(t, ctx, rd)
		})
	})
}

// TestMergedStreamEndsWhenTheHubCloses: closing the hub (server shutdown)
// ends the customer's merged stream once every subscription has closed, as
// it ends the per-view stream.
func TestMergedStreamEndsWhenTheHubCloses(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		carol := ce.browser()
		carol.signIn("carol")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rd := openStream(t, ctx, carol, "/console/customer/events")
		ce.hub.Close()
		readUntilEnd(t, ctx, rd)
	})
}
