package trust_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/evidence"
	"github.com/cloudtrust/cloudtrust/registry"
	"github.com/cloudtrust/cloudtrust/trust"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type items []evidence.Item

func (s items) CreateItem(context.Context, *evidence.Item) error     { return nil }
func (s items) Item(context.Context, string) (*evidence.Item, error) { return nil, nil }
func (s items) Items(_ context.Context, p string) ([]evidence.Item, error) {
	var out []evidence.Item
	for _, it := range s {
		if it.Provider == p {
			out = append(out, it)
		}
	}
	return out, nil
}
func (s items) UpdateItem(context.Context, string, func(*evidence.Item) error) (*evidence.Item, error) {
	return nil, nil
}
func (s items) DeleteItem(context.Context, string) (*evidence.Item, error) { return nil, nil }
func (s items) FileRefs(context.Context, string) (int, error)              { return 0, nil }

type entries []registry.Entry

func (es entries) List(_ context.Context, q registry.Query) (*registry.Page, error) {
	var out []registry.Entry
	for _, e := range es {
		if e.Provider == q.Provider {
			out = append(out, e)
		}
	}
	return &registry.Page{Entries: out, Total: len(out)}, nil
}

type measurements map[string]ctp.Status

func (ms measurements) Measurement(_ context.Context, id string) (*ctp.Measurement, error) {
	st, ok := ms[id]
	if !ok {
		return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no measurement %s", id)
	}
	return &ctp.Measurement{ID: id, Objective: &ctp.Objective{Status: st, StatusUpdateTime: now}}, nil
}

type catalogs map[string]*catalog.Catalog

func (cs catalogs) Catalog(_ context.Context, id string) (*catalog.Catalog, error) {
	if c, ok := cs[id]; ok {
		return c, nil
	}
	return nil, cloudtrust.Errorf(cloudtrust.ENOTFOUND, "no catalog %s", id)
}

func continuousEntry(id string, status registry.Status, links []registry.Link, objs ...registry.ObjectiveState) registry.Entry {
	return registry.Entry{ID: id, Provider: "acme", Service: "s", Level: registry.LevelContinuous, Status: status, Catalogs: []string{"cat@1"},
		Continuous: &registry.Continuous{Links: links, Objectives: objs}}
}

func TestBuild(t *testing.T) {
	ctx := context.Background()
	evs := items{
		{ID: "ev-1", Provider: "acme", Kind: evidence.KindLink, Title: "Policy", Visibility: evidence.Public, Controls: []string{"A-1"}, URL: "https://x.example/"},
		{ID: "ev-2", Provider: "acme", Kind: evidence.KindFile, Title: "Pentest", Description: "secret", Visibility: evidence.Private, Controls: []string{"B-1"}, Expires: now, File: &evidence.File{SHA256: "ab"}},
		{ID: "ev-3", Provider: "acme", Kind: evidence.KindMeasurement, Title: "Uptime", Visibility: evidence.Public, Measurement: "m-ok"},
		{ID: "ev-9", Provider: "other", Kind: evidence.KindLink, Title: "Not ours", Visibility: evidence.Public},
	}
	reg := entries{
		continuousEntry("re-1", registry.StatusCurrent,
			[]registry.Link{{ServiceView: "v1", Controls: []string{"IAM-02", "A-1"}}, {ServiceView: "v2", Measurements: []string{"m-gone"}, Controls: []string{"LOG-05"}}},
			registry.ObjectiveState{Measurement: "m-ok", ServiceView: "v1", Status: "false"},
			registry.ObjectiveState{Measurement: "m-gone", ServiceView: "v2", Status: "true"},
			registry.ObjectiveState{Measurement: "m-other", ServiceView: "v2", Status: "false"}),
		continuousEntry("re-2", registry.StatusRevoked, []registry.Link{{ServiceView: "v3", Controls: []string{"REV-01"}}}),
		continuousEntry("re-3", registry.StatusPending, []registry.Link{{ServiceView: "v4", Controls: []string{"IAM-02"}}},
			registry.ObjectiveState{Measurement: "m-bad", ServiceView: "v4", Status: "true"}),
	}
	cats := catalogs{"cat@1": {Groups: []*catalog.Group{{ID: "iam", Title: "Identity", Controls: []*catalog.Control{{ID: "IAM-02"}}}}}}
	src := trust.Sources{Evidence: evs, Registry: reg, Measurements: measurements{"m-ok": ctp.StatusTrue, "m-bad": ctp.StatusError}, Catalogs: cats}
	page, err := trust.Build(ctx, src, "acme", now)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("documents are split by visibility", func(t *testing.T) {
		if len(page.Documents.Public) != 2 || len(page.Documents.Private) != 1 || page.Documents.Private[0] != (trust.Restricted{ID: "ev-2", Provider: "acme", Title: "Pentest", Visibility: evidence.Private, Restricted: true}) {
			t.Fatalf("documents = %+v", page.Documents)
		}
		if d := page.Documents.Public[1]; d.ObjectiveStatus != "true" || d.Download != "" {
			t.Fatalf("measurement document = %+v", d)
		}
	})
	t.Run("freshness counts private evidence too", func(t *testing.T) {
		want := []trust.Freshness{{Control: "A-1", Status: evidence.Fresh}, {Control: "B-1", Status: evidence.Stale}}
		if !reflect.DeepEqual(page.Freshness, want) {
			t.Fatalf("freshness = %+v", page.Freshness)
		}
	})
	t.Run("controls take the live status, grouped by catalog domain or prefix", func(t *testing.T) {
		got := map[string]string{}
		titles := map[string]string{}
		for _, d := range page.Continuous {
			titles[d.Domain] = d.Title
			for _, c := range d.Controls {
				got[d.Domain+"/"+c.Control] = c.Status
			}
		}
		want := map[string]string{"A/A-1": trust.ControlMet, "iam/IAM-02": trust.ControlFailing, "LOG/LOG-05": trust.ControlMet}
		if !reflect.DeepEqual(got, want) || titles["iam"] != "Identity" {
			t.Fatalf("continuous = %v (titles %v), want %v", got, titles, want)
		}
	})
	t.Run("provider without organisations is named by its id", func(t *testing.T) {
		if page.Provider.Name != "acme" || len(page.Unavailable) != 1 {
			t.Fatalf("page = %+v", page)
		}
	})
	t.Run("unknown provider without organisations is not found", func(t *testing.T) {
		if _, err := trust.Build(ctx, src, "nobody", now); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no registry leaves the registry out and says so", func(t *testing.T) {
		p, err := trust.Build(ctx, trust.Sources{Evidence: evs}, "acme", now)
		if err != nil || p.Registry != nil || len(p.Continuous) != 0 || len(p.Unavailable) != 2 {
			t.Fatalf("page = %+v, %v", p, err)
		}
	})
}
