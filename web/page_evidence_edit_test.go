package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// uploadEvidence adds a text file for acme as b and returns its id.
func uploadEvidence(t *testing.T, b *browser, title string) string {
	t.Helper()
	b.get("/console/evidence")
	res := b.postFile("/console/evidence", map[string]string{"provider": "acme", "kind": "file", "title": title,
		"collector": "Internal audit", "controls": "IAM-01 IAM-02", "visibility": "private"}, "file", "notes.txt", "text/plain", []byte("notes of "+title))
	wantStatus(t, res, 303)
	loc, err := url.Parse(res.Header.Get("Location"))
	must(t, err)
	id := loc.Query().Get("added")
	if !evidence.IsID(id) {
		t.Fatalf("upload: redirect %q has no evidence id", res.Header.Get("Location"))
	}
	return id
}

func TestEvidenceEditAndDelete(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := assessEnv(t, db)
		store := db.EvidenceStore()
		alice := e.browser()
		alice.signIn("alice")
		id := uploadEvidence(t, alice, "Pen test notes")

		t.Run("the evidence list links each item to its edit page for an editor", func(t *testing.T) {
			wantStatus(t, alice.get("/console/evidence"), 200, `href="/console/evidence/`+id+`/edit"`, `<th scope="col">Change</th>`)
		})
		t.Run("the edit page shows the stored metadata in labelled fields and a confirmed delete", func(t *testing.T) {
			wantStatus(t, alice.get("/console/evidence/"+id+"/edit"), 200, "Edit evidence: Pen test notes", "notes.txt",
				`<label for="ee-title">`, `value="Pen test notes"`, `value="IAM-01 IAM-02"`, `<label for="ee-expires">`,
				`<option value="private" selected>`, `action="/console/evidence/`+id+`/delete"`, `<label for="ee-confirm">`, `name="confirm" value="yes" required`)
		})
		t.Run("saving changes title, controls, visibility and expiry through the store", func(t *testing.T) {
			res := alice.post("/console/evidence/"+id+"/edit", url.Values{"title": {"Pen test 2026"}, "description": {"External test"},
				"collector": {"Pentest Ltd"}, "controls": {"IAM-02, DSP-01"}, "expires": {"2027-01-31"}, "visibility": {"public"}})
			wantStatus(t, res, 303)
			if loc := res.Header.Get("Location"); loc != "/console/evidence?updated="+id {
				t.Fatalf("Location = %q", loc)
			}
			it, err := store.Item(ctx, id)
			must(t, err)
			want := time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
			if it.Title != "Pen test 2026" || it.Description != "External test" || it.Collector != "Pentest Ltd" || it.Visibility != evidence.Public ||
				!it.Expires.Equal(want) || strings.Join(it.Controls, ",") != "IAM-02,DSP-01" || it.File == nil || it.File.Name != "notes.txt" {
				t.Fatalf("stored item = %+v", it)
			}
			wantStatus(t, alice.get("/console/evidence?updated="+id), 200, "Evidence "+id+" saved.", "Pen test 2026", "IAM-02, DSP-01", "2027-01-31")
		})
		t.Run("clearing the expiry stores no expiry", func(t *testing.T) {
			alice.get("/console/evidence/" + id + "/edit")
			wantStatus(t, alice.post("/console/evidence/"+id+"/edit", url.Values{"title": {"Pen test 2026"}, "collector": {"Pentest Ltd"},
				"controls": {"IAM-02"}, "expires": {""}, "visibility": {"public"}}), 303)
			it, err := store.Item(ctx, id)
			must(t, err)
			if !it.Expires.IsZero() || it.Description != "" {
				t.Fatalf("expires = %v, description = %q", it.Expires, it.Description)
			}
		})
		t.Run("a date left as shown keeps the stored time of day", func(t *testing.T) {
			at := time.Date(2027, 3, 1, 15, 30, 0, 0, time.UTC)
			_, err := store.UpdateItem(ctx, id, func(it *evidence.Item) error { it.Expires = at; return nil })
			must(t, err)
			wantStatus(t, alice.get("/console/evidence/"+id+"/edit"), 200, `value="2027-03-01"`)
			wantStatus(t, alice.post("/console/evidence/"+id+"/edit", url.Values{"title": {"Pen test 2026 (rev)"}, "collector": {"Pentest Ltd"},
				"expires": {"2027-03-01"}, "visibility": {"public"}}), 303)
			it, err := store.Item(ctx, id)
			must(t, err)
			if !it.Expires.Equal(at) || it.Title != "Pen test 2026 (rev)" {
				t.Fatalf("expires = %v, title %q", it.Expires, it.Title)
			}
		})
		refused := []struct {
			name       string
			form       url.Values
			status     int
			wantInPage []string
		}{
			{"a blank title is refused naming the field, keeping what was typed", url.Values{"title": {" "}, "collector": {"Kept collector"}, "visibility": {"private"}},
				400, []string{"Not saved", "title: required", `value="Kept collector"`}},
			{"a malformed expiry is refused naming the field", url.Values{"title": {"x"}, "collector": {"y"}, "expires": {"31/01/2027"}, "visibility": {"private"}},
				400, []string{"expires", "is not a date"}},
			{"an unknown visibility is refused", url.Values{"title": {"x"}, "collector": {"y"}, "visibility": {"secret"}},
				400, []string{"visibility", "want public or private"}},
			{"a period ending before it starts is refused", url.Values{"title": {"x"}, "collector": {"y"}, "periodFrom": {"2026-05-01"}, "periodTo": {"2026-04-01"}, "visibility": {"private"}},
				400, []string{"periodTo", "before periodFrom"}},
			{"an oversize title is refused naming the field", url.Values{"title": {strings.Repeat("x", 201)}, "collector": {"y"}, "visibility": {"private"}},
				400, []string{"title: longer than 200 bytes"}},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				alice.get("/console/evidence/" + id + "/edit")
				wantStatus(t, alice.post("/console/evidence/"+id+"/edit", c.form), c.status, c.wantInPage...)
				it, err := store.Item(ctx, id)
				must(t, err)
				if it.Title != "Pen test 2026 (rev)" {
					t.Fatalf("refused change was stored: %+v", it)
				}
			})
		}

		vera, oscar, audrey, bob := e.browser(), e.browser(), e.browser(), e.browser()
		vera.signIn("vera")
		oscar.signIn("oscar")
		audrey.signIn("audrey")
		bob.signIn("bob")
		t.Run("a viewer of the provider sees no edit link", func(t *testing.T) {
			res := vera.get("/console/evidence")
			wantStatus(t, res, 200, "Pen test 2026 (rev)")
			if strings.Contains(res.body, "/edit") {
				t.Fatal("viewer is offered the edit page")
			}
		})
		denied := []struct {
			who    string
			b      *browser
			status int
		}{{"a viewer of the provider", vera, 403}, {"an editor of another provider", oscar, 404}, {"an auditor", audrey, 404}, {"a user without organisation", bob, 404}}
		for _, d := range denied {
			t.Run(d.who+" can neither open, change nor delete the item", func(t *testing.T) {
				wantStatus(t, d.b.get("/console/evidence/"+id+"/edit"), d.status)
				d.b.get("/account")
				wantStatus(t, d.b.post("/console/evidence/"+id+"/edit", url.Values{"title": {"hacked"}, "collector": {"x"}, "visibility": {"public"}}), d.status)
				wantStatus(t, d.b.post("/console/evidence/"+id+"/delete", url.Values{"confirm": {"yes"}}), d.status)
				it, err := store.Item(ctx, id)
				must(t, err)
				if it.Title != "Pen test 2026 (rev)" {
					t.Fatalf("item changed: %+v", it)
				}
			})
		}
		t.Run("an unknown or malformed id is not found", func(t *testing.T) {
			wantStatus(t, alice.get("/console/evidence/ev-0000000000000000/edit"), 404)
			wantStatus(t, alice.get("/console/evidence/nope/edit"), 404)
		})
		t.Run("deleting without ticking the confirmation keeps the item", func(t *testing.T) {
			alice.get("/console/evidence/" + id + "/edit")
			wantStatus(t, alice.post("/console/evidence/"+id+"/delete", nil), 400, "Not deleted: tick the box")
			if _, err := store.Item(ctx, id); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("deleting with the confirmation removes the item through the service", func(t *testing.T) {
			other := uploadEvidence(t, alice, "Kept item")
			alice.get("/console/evidence/" + id + "/edit")
			res := alice.post("/console/evidence/"+id+"/delete", url.Values{"confirm": {"yes"}})
			wantStatus(t, res, 303)
			if _, err := store.Item(ctx, id); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("after delete: %v", err)
			}
			if _, err := store.Item(ctx, other); err != nil {
				t.Fatalf("the other item: %v", err)
			}
			res = alice.get(res.Header.Get("Location"))
			wantStatus(t, res, 200, "Evidence "+id+" deleted.", "Kept item")
			if strings.Contains(res.body, "Pen test 2026 (rev)") {
				t.Fatal("deleted item still listed")
			}
			wantStatus(t, alice.get("/console/evidence/"+id+"/edit"), 404)
		})
	})
}
