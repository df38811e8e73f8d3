package compare_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestServiceResolvesTargetsAndSubmissions(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := cloudtrust.NewFakeClock(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
		cats, as := sqldb.NewCatalogStore(db, clock), sqldb.NewAssessStore(db, clock)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		ctl := func(id string) *catalog.Control { return &catalog.Control{ID: id, Title: id} }
		must(cats.PutCatalog(ctx, &catalog.Catalog{Framework: "base", Version: "1", Title: "Base", Kind: "catalog", Groups: []*catalog.Group{{ID: "g", Title: "G", Controls: []*catalog.Control{ctl("b-1"), ctl("b-2")}}}}, false))
		must(cats.PutCatalog(ctx, &catalog.Catalog{Framework: "base-mod", Version: "1", Title: "Base moderate", Kind: "profile", Groups: []*catalog.Group{{ID: "g", Title: "G", Controls: []*catalog.Control{ctl("b-2")}}}}, false))
		must(cats.PutMappingSet(ctx, &catalog.MappingSet{ID: "src->base", Source: "src@1", Target: "base@1", Mappings: []catalog.Mapping{{Source: "S-1", Target: "b-2", Relation: catalog.EquivalentTo}}}, false))
		must(as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "srcq", Version: "1", Catalog: "src@1", Questions: []assess.Question{{ID: "S-1.1", ControlID: "S-1", Text: "?"}}}, false))
		must(as.PutQuestionnaire(ctx, &assess.Questionnaire{Framework: "baseq", Version: "1", Catalog: "base@1", Questions: []assess.Question{{ID: "b-2.1", ControlID: "b-2", Text: "?"}}}, false))
		submit := func(id, q, qid string, a assess.Answer) {
			must(as.PutSubmission(ctx, &assess.Submission{ID: id, Questionnaire: q, Provider: "acme", Responses: []assess.Response{{QuestionID: qid, Answer: a, Ownership: assess.OwnerCSP, Description: "d"}}}))
			_, err := as.Submit(ctx, id)
			must(err)
			clock.Advance(time.Hour)
		}
		submit("old-base", "baseq@1", "b-2.1", assess.AnswerNo)
		submit("new-src", "srcq@1", "S-1.1", assess.AnswerYes)
		svc := &compare.Service{Catalogs: cats, Assess: as}
		targets := []struct {
			name, id, catalog, kind string
			controls                int
		}{
			{"a resolved profile maps through the catalog it selects from", "base-mod@1", "base@1", "catalog", 1},
			{"a plain catalog maps as itself", "base@1", "base@1", "catalog", 2},
			{"a questionnaire id falls back to the questionnaire", "srcq@1", "src@1", "questionnaire", 1},
			{"the questionnaire prefix forces a questionnaire", "questionnaire:baseq@1", "base@1", "questionnaire", 1},
		}
		for _, c := range targets {
			t.Run(c.name, func(t *testing.T) {
				tg, err := svc.Target(ctx, c.id, "", false)
				if err != nil || tg.Catalog != c.catalog || tg.Kind != c.kind || len(tg.Controls) != c.controls {
					t.Fatalf("target %+v, %v", tg, err)
				}
			})
		}
		t.Run("hops outside 0 to MaxHops are refused naming the field", func(t *testing.T) {
			for _, h := range []int{-1, catalog.MaxHops + 1} {
				if _, err := svc.Library(ctx, h); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "hops:") {
					t.Fatalf("hops %d: err = %v", h, err)
				}
			}
			if _, err := svc.Library(ctx, 0); err != nil {
				t.Fatalf("hops 0 (default): %v", err)
			}
		})
		t.Run("the catalog prefix refuses a questionnaire", func(t *testing.T) {
			if _, err := svc.Target(ctx, "catalog:srcq@1", "", false); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		cases := []struct {
			name, target, questionnaire, want string
		}{
			{"a submission on the target's own catalog is preferred to a newer one", "base@1", "", "old-base"},
			{"otherwise the latest submitted wins", "src@1", "", "new-src"},
			{"a questionnaire filter narrows the choice", "base@1", "srcq@1", "new-src"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				target := c.target
				if target == "src@1" {
					target = "questionnaire:srcq@1"
				}
				rep, err := svc.Compare(ctx, compare.CompareRequest{Catalog: target, Providers: []string{"acme"}, Questionnaire: c.questionnaire}, compare.Access{})
				if err != nil || rep.Providers[0].Submission != c.want {
					t.Fatalf("report %+v, %v", rep, err)
				}
			})
		}
		t.Run("an empty provider id is refused naming its position", func(t *testing.T) {
			_, err := svc.Compare(ctx, compare.CompareRequest{Catalog: "base@1", Providers: []string{"acme", " "}}, compare.Access{})
			if cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || !strings.Contains(err.Error(), "providers[1]") {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("a draft the caller may not see looks missing", func(t *testing.T) {
			must(as.PutSubmission(ctx, &assess.Submission{ID: "draft", Questionnaire: "srcq@1", Provider: "acme"}))
			_, err := svc.Compare(ctx, compare.CompareRequest{Catalog: "base@1", Submissions: []string{"draft"}}, compare.Access{Draft: func(string) bool { return false }})
			if cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("a profile is checked against its catalog", func(t *testing.T) {
			p := &compare.Profile{ID: "p", Org: "o", Name: "n", Catalog: "base-mod@1", Requirements: []compare.Requirement{{Control: "B-2"}, {Control: "b-1"}}}
			if err := svc.CheckProfile(ctx, p); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID || err.Error() == "" {
				t.Fatalf("err = %v", err)
			}
			p.Requirements = p.Requirements[:1]
			if err := svc.CheckProfile(ctx, p); err != nil {
				t.Fatal(err)
			}
		})
	})
}
