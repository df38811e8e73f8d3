package evidence_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/evidence"
)

// memStore is an evidence.Store in memory, for the reference checks.
type memStore map[string]evidence.Item

func (m memStore) CreateItem(_ context.Context, it *evidence.Item) error { m[it.ID] = *it; return nil }
func (m memStore) Item(_ context.Context, id string) (*evidence.Item, error) {
	it, ok := m[id]
	if !ok {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no evidence %s", id)
	}
	return &it, nil
}
func (m memStore) Items(context.Context, string) ([]evidence.Item, error)     { return nil, nil }
func (m memStore) DeleteItem(context.Context, string) (*evidence.Item, error) { return nil, nil }
func (m memStore) UpdateItem(context.Context, string, func(*evidence.Item) error) (*evidence.Item, error) {
	return nil, nil
}
func (m memStore) FileRefs(context.Context, string) (int, error) { return 0, nil }

func TestCheckReferences(t *testing.T) {
	ours, theirs, old := link("ev-000000000000000a", time.Time{}), link("ev-000000000000000b", time.Time{}), link("ev-000000000000000c", t0)
	theirs.Provider = "rival"
	store := memStore{ours.ID: ours, theirs.ID: theirs, old.ID: old}
	sub := &assess.Submission{ID: "sub-1", Provider: "acme", Responses: []assess.Response{
		{QuestionID: "A-01.1", Evidence: []string{ours.ID, "https://docs.example/x", "ctp:m/1"}},
		{QuestionID: "A-01.2", Evidence: []string{"ev-00000000000000ff", theirs.ID, old.ID}},
	}}
	ps, err := evidence.CheckReferences(context.Background(), store, sub, t0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.QuestionID+" "+p.Field+" "+p.Severity+" "+p.Message)
	}
	want := []string{
		"A-01.2 evidence error evidence ev-00000000000000ff does not exist",
		"A-01.2 evidence error evidence ev-000000000000000b belongs to organisation rival, not to the submission's provider acme",
		"A-01.2 evidence warning evidence ev-000000000000000c expired on 2026-11-28T12:00:00Z: the controls it supports are stale",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	t.Run("submission without provider only needs the items to exist", func(t *testing.T) {
		sub.Provider = ""
		ps, _ := evidence.CheckReferences(context.Background(), store, sub, t0.Add(-time.Hour))
		if len(ps) != 1 || !strings.Contains(ps[0].Message, "does not exist") {
			t.Fatalf("problems = %v", ps)
		}
	})
}
