package sqldb_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

var evNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func evItem(id, provider string, controls ...string) *evidence.Item {
	return &evidence.Item{ID: id, Provider: provider, Kind: evidence.KindLink, Title: "SOC 2 report " + id, Collector: "Audit team",
		URL: "https://docs.example/" + id, Controls: controls, Visibility: evidence.Public, CreatedAt: evNow,
		PeriodFrom: evNow.AddDate(-1, 0, 0), PeriodTo: evNow, Expires: evNow.AddDate(1, 0, 0)}
}

func TestEvidenceStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := db.EvidenceStore()
		sha := "ab" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
		file := &evidence.Item{ID: "ev-00000000000000f1", Provider: "acme", Kind: evidence.KindFile, Title: "Pen test", Collector: "Red team",
			Controls: []string{"TVM-01"}, Visibility: evidence.Private, CreatedAt: evNow.Add(time.Second),
			File: &evidence.File{SHA256: sha, Size: 5, ContentType: "application/pdf", Name: "pentest.pdf"}}
		for _, it := range []*evidence.Item{evItem("ev-0000000000000001", "acme", "IAM-02", "IAM-03"), file, evItem("ev-0000000000000002", "other")} {
			if err := s.CreateItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("item reads back whole", func(t *testing.T) {
			got, err := s.Item(ctx, file.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, file) {
				t.Fatalf("got %+v\nwant %+v", got, file)
			}
		})
		t.Run("provider lists only its items oldest first", func(t *testing.T) {
			list, err := s.Items(ctx, "acme")
			if err != nil || len(list) != 2 || list[0].ID != "ev-0000000000000001" || list[1].ID != file.ID {
				t.Fatalf("list = %+v, %v", list, err)
			}
			none, err := s.Items(ctx, "nobody")
			if err != nil || len(none) != 0 || none == nil {
				t.Fatalf("none = %#v, %v", none, err)
			}
		})
		t.Run("duplicate id is a conflict", func(t *testing.T) {
			if err := s.CreateItem(ctx, evItem("ev-0000000000000001", "acme")); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("invalid item is refused", func(t *testing.T) {
			bad := evItem("ev-0000000000000009", "acme")
			bad.URL = "http://plain.example/"
			if err := s.CreateItem(ctx, bad); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("update replaces metadata and controls", func(t *testing.T) {
			got, err := s.UpdateItem(ctx, "ev-0000000000000001", func(it *evidence.Item) error {
				it.Visibility, it.Controls, it.Expires = evidence.Private, []string{"LOG-05"}, time.Time{}
				return nil
			})
			if err != nil || got.Visibility != evidence.Private || !got.Expires.IsZero() {
				t.Fatalf("got %+v, %v", got, err)
			}
			back, _ := s.Item(ctx, "ev-0000000000000001")
			if !reflect.DeepEqual(back, got) {
				t.Fatalf("stored %+v\nwant %+v", back, got)
			}
		})
		t.Run("invalid update changes nothing", func(t *testing.T) {
			_, err := s.UpdateItem(ctx, "ev-0000000000000001", func(it *evidence.Item) error { it.Title = ""; return nil })
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
			if back, _ := s.Item(ctx, "ev-0000000000000001"); back.Title == "" {
				t.Fatal("invalid update stored")
			}
			if _, err := s.UpdateItem(ctx, "ev-00000000000000ff", func(*evidence.Item) error { return nil }); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("an update moving the item to another provider is refused", func(t *testing.T) {
			_, err := s.UpdateItem(ctx, "ev-0000000000000001", func(it *evidence.Item) error { it.Provider = "globex"; return nil })
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
			if back, _ := s.Item(ctx, "ev-0000000000000001"); back.Provider != "acme" {
				t.Fatalf("provider = %s", back.Provider)
			}
		})
		t.Run("file references are counted by digest", func(t *testing.T) {
			if n, err := s.FileRefs(ctx, sha); err != nil || n != 1 {
				t.Fatalf("n = %d, %v", n, err)
			}
		})
		t.Run("access request flow is stored and logged", func(t *testing.T) {
			r := &evidence.AccessRequest{ID: "ar-0000000000000001", Evidence: file.ID, Provider: "acme", RequesterOrg: "cust", Requester: "acct1",
				Reason: "due diligence", Status: evidence.StatusPending, CreatedAt: evNow}
			ev := evidence.Event{At: evNow, Provider: "acme", Actor: "acct1", ActorOrg: "cust", Action: evidence.ActionRequested, Evidence: file.ID, Request: r.ID, Detail: "due diligence"}
			if err := s.CreateRequest(ctx, r, ev); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.Granted(ctx, file.ID, []string{"cust"}, evNow); ok || err != nil {
				t.Fatalf("pending request grants access: %v %v", ok, err)
			}
			got, err := s.UpdateRequest(ctx, r.ID, func(r *evidence.AccessRequest) (evidence.Event, error) {
				err := r.Approve("owner1", evNow, evNow.Add(24*time.Hour), "ok")
				return evidence.Event{At: evNow, Provider: "acme", Actor: "owner1", ActorOrg: "acme", Action: evidence.ActionApproved, Evidence: r.Evidence, Request: r.ID}, err
			})
			if err != nil || got.Status != evidence.StatusApproved {
				t.Fatalf("got %+v, %v", got, err)
			}
			stored, err := s.Request(ctx, r.ID)
			if err != nil || !stored.ExpiresAt.Equal(evNow.Add(24*time.Hour)) || stored.DecidedBy != "owner1" || !stored.DecidedAt.Equal(evNow) {
				t.Fatalf("stored %+v, %v", stored, err)
			}
			if id, ok, err := s.Granted(ctx, file.ID, []string{"x", "cust"}, evNow.Add(time.Hour)); !ok || id != r.ID || err != nil {
				t.Fatalf("granted = %q %v %v", id, ok, err)
			}
			if _, ok, _ := s.Granted(ctx, file.ID, []string{"cust"}, evNow.Add(24*time.Hour)); ok {
				t.Fatal("access granted at the expiry instant")
			}
			if _, ok, _ := s.Granted(ctx, file.ID, []string{"other"}, evNow.Add(time.Hour)); ok {
				t.Fatal("access granted to another organisation")
			}
			list, err := s.Requests(ctx, evidence.RequestFilter{Provider: "acme", Status: evidence.StatusApproved})
			if err != nil || len(list) != 1 || list[0].ID != r.ID {
				t.Fatalf("list = %+v, %v", list, err)
			}
			if list, _ := s.Requests(ctx, evidence.RequestFilter{RequesterOrg: "nobody"}); len(list) != 0 {
				t.Fatalf("list = %+v", list)
			}
			if err := s.LogEvent(ctx, evidence.Event{At: evNow, Provider: "acme", Actor: "acct1", ActorOrg: "cust", Action: evidence.ActionDownloaded, Evidence: file.ID, Request: r.ID}); err != nil {
				t.Fatal(err)
			}
			evs, err := s.Events(ctx, "acme", 0, 0)
			if err != nil || len(evs) != 3 {
				t.Fatalf("events = %+v, %v", evs, err)
			}
			var actions []string
			for _, e := range evs {
				actions = append(actions, e.Action)
			}
			if !reflect.DeepEqual(actions, []string{"requested", "approved", "downloaded"}) || !evs[0].At.Equal(evNow) || evs[0].ActorOrg != "cust" {
				t.Fatalf("events = %+v", evs)
			}
			if after, _ := s.Events(ctx, "acme", evs[1].Seq, 10); len(after) != 1 || after[0].Action != "downloaded" {
				t.Fatalf("after = %+v", after)
			}
		})
		t.Run("failed update changes nothing and logs nothing", func(t *testing.T) {
			_, err := s.UpdateRequest(ctx, "ar-0000000000000001", func(r *evidence.AccessRequest) (evidence.Event, error) {
				return evidence.Event{}, r.Deny("owner1", evNow, "")
			})
			if cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
			if evs, _ := s.Events(ctx, "acme", 0, 0); len(evs) != 3 {
				t.Fatalf("events = %d", len(evs))
			}
		})
		t.Run("request for missing or foreign evidence is refused", func(t *testing.T) {
			r := &evidence.AccessRequest{ID: "ar-0000000000000002", Evidence: "ev-00000000000000ff", Provider: "acme", RequesterOrg: "cust", Status: evidence.StatusPending, CreatedAt: evNow}
			if err := s.CreateRequest(ctx, r, evidence.Event{Provider: "acme"}); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
			r.Evidence = "ev-0000000000000002"
			if err := s.CreateRequest(ctx, r, evidence.Event{Provider: "acme"}); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("delete returns the item, drops its requests and keeps the log", func(t *testing.T) {
			got, err := s.DeleteItem(ctx, file.ID)
			if err != nil || got.File.SHA256 != sha {
				t.Fatalf("got %+v, %v", got, err)
			}
			if _, err := s.Item(ctx, file.ID); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.Request(ctx, "ar-0000000000000001"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
			if n, _ := s.FileRefs(ctx, sha); n != 0 {
				t.Fatalf("refs = %d", n)
			}
			if evs, _ := s.Events(ctx, "acme", 0, 0); len(evs) != 3 {
				t.Fatalf("events = %d", len(evs))
			}
			if _, err := s.DeleteItem(ctx, file.ID); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
	})
}
