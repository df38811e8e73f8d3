package registry_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/registry"
)

// fakeDomainSource answers from maps; a missing id is ENOTFOUND, fail
// makes every read fail.
type fakeDomainSource struct {
	subs     map[string]*assess.Submission
	qs       map[string]*assess.Questionnaire
	cats     map[string]*catalog.Catalog
	fail     error
	catReads int
}

func (f *fakeDomainSource) Submission(_ context.Context, id string) (*assess.Submission, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	if s, ok := f.subs[id]; ok {
		return s, nil
	}
	return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "submission %s not found", id)
}

func (f *fakeDomainSource) Questionnaire(_ context.Context, id string) (*assess.Questionnaire, error) {
	if q, ok := f.qs[id]; ok {
		return q, nil
	}
	return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "questionnaire %s not found", id)
}

func (f *fakeDomainSource) Catalog(_ context.Context, id string) (*catalog.Catalog, error) {
	f.catReads++
	if c, ok := f.cats[id]; ok {
		return c, nil
	}
	return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "catalog %s not found", id)
}

func TestEntryDomains(t *testing.T) {
	ctx := context.Background()
	cat := &catalog.Catalog{Framework: "ccm", Version: "9", Groups: []*catalog.Group{
		{ID: "IAM", Title: "Identity", Controls: []*catalog.Control{{ID: "IAM-01", Controls: []*catalog.Control{{ID: "IAM-01.1"}}}}},
		{Title: "Untitled id", Groups: []*catalog.Group{{ID: "inner", Controls: []*catalog.Control{{ID: "X-9"}}}}},
	}, Controls: []*catalog.Control{{ID: "TOP-1"}}}
	q := &assess.Questionnaire{Framework: "caiq", Version: "9", Catalog: "ccm@9", Questions: []assess.Question{
		{ID: "Q1", ControlID: "IAM-01"}, {ID: "DSP-02.1"}, {ID: "LOG-01.1", ControlID: "LOG-01"}, {ID: "plain"}}}
	src := &fakeDomainSource{
		subs: map[string]*assess.Submission{"sub-1": {ID: "sub-1", Questionnaire: "caiq@9", Responses: []assess.Response{
			{QuestionID: "Q1", Answer: assess.AnswerYes}, {QuestionID: "DSP-02.1", Answer: assess.AnswerNo},
			{QuestionID: "LOG-01.1"}, {QuestionID: "plain", Answer: assess.AnswerNA}}}},
		qs:   map[string]*assess.Questionnaire{"caiq@9": q},
		cats: map[string]*catalog.Catalog{"ccm@9": cat},
	}
	cont := func(controls ...string) *registry.Continuous {
		return registry.NewContinuous([]registry.Link{{ServiceView: "v", Controls: controls}}, time.Hour, time.Now())
	}
	tests := []struct {
		name string
		e    *registry.Entry
		want []string
	}{
		{"a self-assessment covers the domains of its answered questions only", &registry.Entry{Level: registry.LevelSelfAssessment, Submission: "sub-1"},
			[]string{"DSP", "IAM", "plain"}},
		{"a third-party entry reads the same submission", &registry.Entry{Level: registry.LevelThirdParty, Submission: "sub-1"}, []string{"DSP", "IAM", "plain"}},
		{"a submission that is not stored gives no domains", &registry.Entry{Level: registry.LevelSelfAssessment, Submission: "sub-x"}, []string{}},
		{"continuous controls take their top-level group, nested groups and enhancements included", &registry.Entry{Level: registry.LevelContinuous,
			Catalogs: []string{"ccm@9"}, Continuous: cont("iam-01.1", "X-9", "TOP-1", "GV.OC-01")}, []string{"GV.OC", "IAM", "TOP", "Untitled id"}},
		{"a catalog that is not stored leaves the prefix rule", &registry.Entry{Level: registry.LevelContinuous,
			Catalogs: []string{"nope@1"}, Continuous: cont("IAM-01", "LOG-05")}, []string{"IAM", "LOG"}},
		{"a continuous entry without links has no domains", &registry.Entry{Level: registry.LevelContinuous}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := registry.EntryDomains(ctx, src, tt.e, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("EntryDomains = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("the catalog cache reads each catalog once", func(t *testing.T) {
		src.catReads = 0
		cache := map[string]*catalog.Catalog{}
		for range 3 {
			if _, err := registry.EntryDomains(ctx, src, &registry.Entry{Level: registry.LevelContinuous, Catalogs: []string{"ccm@9", "nope@1"}, Continuous: cont("IAM-01")}, cache); err != nil {
				t.Fatal(err)
			}
		}
		if src.catReads != 2 {
			t.Fatalf("catalog reads = %d, want 2", src.catReads)
		}
	})
	t.Run("a failing source is an error, not an empty list", func(t *testing.T) {
		bad := &fakeDomainSource{fail: errors.New("disk on fire")}
		if _, err := registry.EntryDomains(ctx, bad, &registry.Entry{Level: registry.LevelSelfAssessment, Submission: "sub-1"}, nil); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestControlPrefix(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"IAM-02", "IAM"}, {"A&A-01", "A&A"}, {"AC-2-1", "AC-2"}, {"LOG", "LOG"}, {"-5", "-5"}, {"", ""},
	} {
		if got := registry.ControlPrefix(c.id); got != c.want {
			t.Errorf("ControlPrefix(%q) = %q, want %q", c.id, got, c.want)
		}
	}
}
