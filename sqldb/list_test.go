package sqldb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func strp(s string) *string { return &s }

func TestListPaging(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		v := &ctp.ServiceView{Name: "v"}
		must(t, s.CreateServiceView(ctx, v))
		var all []string
		for i := 0; i < 7; i++ {
			a := &ctp.Asset{ServiceViewID: v.ID, Name: fmt.Sprintf("a%d", i%3)}
			must(t, s.CreateAsset(ctx, a))
			all = append(all, a.ID)
		}
		parent := ctp.Ref{Kind: ctp.KindServiceView, ID: v.ID}
		cases := []struct {
			name      string
			opt       ctp.ListOptions
			want      []string
			wantTotal int
		}{
			{"items 0 returns everything in creation order", ctp.ListOptions{}, all, 7},
			{"first page", ctp.ListOptions{Page: 0, Items: 3}, all[0:3], 7},
			{"middle page", ctp.ListOptions{Page: 1, Items: 3}, all[3:6], 7},
			{"last partial page", ctp.ListOptions{Page: 2, Items: 3}, all[6:], 7},
			{"page past the end is empty", ctp.ListOptions{Page: 3, Items: 3}, []string{}, 7},
			{"far page past the end is empty", ctp.ListOptions{Page: 1 << 40, Items: 1 << 40}, []string{}, 7},
			{"items larger than total returns everything", ctp.ListOptions{Items: 100}, all, 7},
			{"exact boundary: items equal total", ctp.ListOptions{Items: 7}, all, 7},
			{"exact boundary: page after a full page is empty", ctp.ListOptions{Page: 1, Items: 7}, []string{}, 7},
			{"name filter keeps matching names, total counts them", ctp.ListOptions{Name: strp("a1")}, []string{all[1], all[4]}, 2},
			{"name filter with paging", ctp.ListOptions{Name: strp("a0"), Page: 1, Items: 2}, []string{all[6]}, 3},
			{"name filter without match is empty", ctp.ListOptions{Name: strp("zzz")}, []string{}, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p, err := s.List(ctx, ctp.KindAsset, parent, c.opt)
				must(t, err)
				jsonEqual(t, ids(p), c.want)
				if p.Total != c.wantTotal {
					t.Fatalf("Total = %d, want %d", p.Total, c.wantTotal)
				}
			})
		}
		t.Run("items carry names", func(t *testing.T) {
			p, err := s.List(ctx, ctp.KindAsset, parent, ctp.ListOptions{Items: 1})
			must(t, err)
			jsonEqual(t, p.Items, []ctp.Item{{ID: all[0], Name: "a0"}})
		})
		t.Run("negative page is invalid", func(t *testing.T) {
			_, err := s.List(ctx, ctp.KindAsset, parent, ctp.ListOptions{Page: -1, Items: 2})
			wantCode(t, err, cloudtrust.EINVALID)
		})
		t.Run("missing parent is not found", func(t *testing.T) {
			_, err := s.List(ctx, ctp.KindAsset, ctp.Ref{Kind: ctp.KindServiceView, ID: "nope"}, ctp.ListOptions{})
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("wrong parent kind is invalid", func(t *testing.T) {
			_, err := s.List(ctx, ctp.KindAsset, ctp.Ref{Kind: ctp.KindMetric, ID: v.ID}, ctp.ListOptions{})
			wantCode(t, err, cloudtrust.EINVALID)
		})
		t.Run("empty collection of an existing parent is empty", func(t *testing.T) {
			p, err := s.List(ctx, ctp.KindAttribute, ctp.Ref{Kind: ctp.KindAsset, ID: all[0]}, ctp.ListOptions{})
			must(t, err)
			if p.Total != 0 || len(p.Items) != 0 || p.Items == nil {
				t.Fatalf("page = %+v, want empty non-nil", p)
			}
		})
	})
}

func TestListEveryCollection(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		dep := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, Name: "d1"}
		must(t, s.CreateDependency(ctx, dep))
		sub := &ctp.Dependency{Parent: ctp.Ref{Kind: ctp.KindDependency, ID: dep.ID}, Name: "d2"}
		must(t, s.CreateDependency(ctx, sub))
		cases := []struct {
			kind   ctp.Kind
			parent ctp.Ref
			want   []ctp.Item
		}{
			{ctp.KindServiceView, ctp.Ref{}, []ctp.Item{{ID: tr.view.ID, Name: "view"}}},
			{ctp.KindMetric, ctp.Ref{}, []ctp.Item{{ID: tr.metric.ID, Name: "uptime"}}},
			{ctp.KindAsset, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, []ctp.Item{{ID: tr.asset.ID, Name: "asset"}}},
			{ctp.KindAttribute, ctp.Ref{Kind: ctp.KindAsset, ID: tr.asset.ID}, []ctp.Item{{ID: tr.attr.ID, Name: "attr"}}},
			{ctp.KindMeasurement, ctp.Ref{Kind: ctp.KindAttribute, ID: tr.attr.ID}, []ctp.Item{{ID: tr.meas.ID, Name: "meas"}}},
			{ctp.KindTrigger, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, []ctp.Item{{ID: tr.trigger.ID, Name: "trig"}}},
			{ctp.KindTrigger, ctp.Ref{Kind: ctp.KindMeasurement, ID: tr.meas.ID}, []ctp.Item{{ID: tr.trigger.ID, Name: "trig"}}},
			{ctp.KindDependency, ctp.Ref{Kind: ctp.KindServiceView, ID: tr.view.ID}, []ctp.Item{{ID: dep.ID, Name: "d1"}}},
			{ctp.KindDependency, ctp.Ref{Kind: ctp.KindDependency, ID: dep.ID}, []ctp.Item{{ID: sub.ID, Name: "d2"}}},
			{ctp.KindLog, ctp.Ref{}, []ctp.Item{}},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s under %s lists its members", c.kind, c.parent.Kind), func(t *testing.T) {
				p, err := s.List(ctx, c.kind, c.parent, ctp.ListOptions{})
				must(t, err)
				jsonEqual(t, p.Items, c.want)
				if p.Total != len(c.want) {
					t.Fatalf("Total = %d, want %d", p.Total, len(c.want))
				}
			})
		}
	})
}

func TestListVisibleTo(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		mk := func(name string, tags ...string) string {
			v := &ctp.ServiceView{Name: name, AccessTags: tags}
			must(t, s.CreateServiceView(ctx, v))
			return v.ID
		}
		a := mk("a", "cust-a")
		b := mk("b", "cust-b", "cust-a")
		c := mk("c", "cust-c")
		star := mk("star", "*")
		none := mk("none")
		cases := []struct {
			name    string
			visible []string
			want    []string
		}{
			{"nil applies no filter", nil, []string{a, b, c, star, none}},
			{"account wildcard sees everything", []string{"x", "*"}, []string{a, b, c, star, none}},
			{"one tag sees its resources and wildcard ones", []string{"cust-a"}, []string{a, b, star}},
			{"several tags see the union", []string{"cust-b", "cust-c"}, []string{b, c, star}},
			{"unknown tag sees only wildcard resources", []string{"nobody"}, []string{star}},
			{"empty non-nil list sees only wildcard resources", []string{}, []string{star}},
			{"duplicate account tags change nothing", []string{"cust-c", "cust-c"}, []string{c, star}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p, err := s.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{VisibleTo: tc.visible})
				must(t, err)
				jsonEqual(t, ids(p), tc.want)
				if p.Total != len(tc.want) {
					t.Fatalf("Total = %d, want %d", p.Total, len(tc.want))
				}
			})
		}
		t.Run("visibility combines with paging and total", func(t *testing.T) {
			p, err := s.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{VisibleTo: []string{"cust-a"}, Page: 1, Items: 2})
			must(t, err)
			jsonEqual(t, ids(p), []string{star})
			if p.Total != 3 {
				t.Fatalf("Total = %d, want 3", p.Total)
			}
		})
	})
}

func TestVisibleToMatchesWholeTagsOnly(t *testing.T) {
	// Tags with JSON metacharacters must match exactly, never as a part of
	// another tag (the SQLite filter matches the JSON text).
	tricky := []string{`a`, `a"`, `"a`, `\`, `a\`, `a,"b`, `b`, `[`, `,"a"`, `é`, `<x>`, `a b`}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		byTag := map[string]string{}
		for _, tag := range tricky {
			v := &ctp.ServiceView{Name: tag, AccessTags: []string{"pad", tag, "pad2"}}
			must(t, s.CreateServiceView(ctx, v))
			byTag[tag] = v.ID
		}
		for _, tag := range tricky {
			t.Run(fmt.Sprintf("tag %q sees only its view", tag), func(t *testing.T) {
				p, err := s.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{VisibleTo: []string{tag}})
				must(t, err)
				jsonEqual(t, ids(p), []string{byTag[tag]})
			})
		}
		t.Run("prefix of a tag sees nothing", func(t *testing.T) {
			p, err := s.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{VisibleTo: []string{"pa", "ad", `a,`}})
			must(t, err)
			jsonEqual(t, ids(p), []string{})
		})
	})
}

// TestListVisibleToTagSets covers the three ways List filters a child
// collection by visibility: every tag set visible (no filter), some visible
// (IN over the visible sets), and more distinct sets than the IN list takes
// (row-by-row matching). All must give the same answers as the rule itself.
func TestListVisibleToTagSets(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		v := &ctp.ServiceView{Name: "v", AccessTags: []string{"cust-a"}}
		must(t, s.CreateServiceView(ctx, v))
		var inherited, own, many []string
		for i := 0; i < 5; i++ {
			a := &ctp.Asset{ServiceViewID: v.ID, Name: fmt.Sprintf("inherited-%d", i)}
			must(t, s.CreateAsset(ctx, a))
			inherited = append(inherited, a.ID)
		}
		list := func(visible ...string) *ctp.Page {
			t.Helper()
			p, err := s.List(ctx, ctp.KindAsset, ctp.Ref{Kind: ctp.KindServiceView, ID: v.ID}, ctp.ListOptions{VisibleTo: visible, Page: 0, Items: 1000})
			must(t, err)
			return p
		}
		t.Run("every set visible lists all", func(t *testing.T) {
			jsonEqual(t, ids(list("cust-a")), inherited)
		})
		t.Run("no set visible lists nothing", func(t *testing.T) {
			p := list("cust-b")
			jsonEqual(t, ids(p), []string{})
			if p.Total != 0 {
				t.Fatalf("Total = %d, want 0", p.Total)
			}
		})
		for i := 0; i < 3; i++ {
			a := &ctp.Asset{ServiceViewID: v.ID, Name: fmt.Sprintf("own-%d", i), AccessTags: []string{"cust-b"}}
			must(t, s.CreateAsset(ctx, a))
			own = append(own, a.ID)
		}
		t.Run("some sets visible lists exactly those", func(t *testing.T) {
			jsonEqual(t, ids(list("cust-b")), own)
			p := list("cust-a", "cust-b")
			if p.Total != 8 {
				t.Fatalf("Total = %d, want 8", p.Total)
			}
		})
		for i := 0; i < 70; i++ { // more distinct sets than the IN list takes
			a := &ctp.Asset{ServiceViewID: v.ID, Name: fmt.Sprintf("many-%d", i), AccessTags: []string{"cust-c", fmt.Sprintf("x-%d", i)}}
			must(t, s.CreateAsset(ctx, a))
			many = append(many, a.ID)
		}
		t.Run("many distinct sets still list exactly the visible ones", func(t *testing.T) {
			jsonEqual(t, ids(list("cust-c")), many)
			jsonEqual(t, ids(list("x-7")), many[7:8])
			p := list("cust-b", "x-3")
			jsonEqual(t, ids(p), append(append([]string{}, own...), many[3]))
			if p.Total != 4 {
				t.Fatalf("Total = %d, want 4", p.Total)
			}
		})
		t.Run("more sets than are grouped (one per provider's view) list exactly the visible ones", func(t *testing.T) {
			var mine []string
			for i := 0; i < 300; i++ {
				sv := &ctp.ServiceView{Name: fmt.Sprintf("p-%d", i), AccessTags: []string{fmt.Sprintf("org:p%03d", i)}}
				must(t, s.CreateServiceView(ctx, sv))
				if i == 123 {
					mine = append(mine, sv.ID)
				}
			}
			p, err := s.List(ctx, ctp.KindServiceView, ctp.Ref{}, ctp.ListOptions{VisibleTo: []string{"org:p123"}, Items: 100})
			must(t, err)
			jsonEqual(t, ids(p), mine)
			if p.Total != 1 {
				t.Fatalf("Total = %d, want 1", p.Total)
			}
		})
	})
}
