package sqldb_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/catalog/builtin"
	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/formats/oscal"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func miniCatalog(version string) *catalog.Catalog {
	return &catalog.Catalog{
		Framework: "mini", Version: version, Title: "Mini " + version,
		Groups: []*catalog.Group{{ID: "ac", Title: "Access Control", Controls: []*catalog.Control{
			{ID: "ac-1", Title: "Policy", Props: []catalog.Prop{{Name: "label", Value: "AC-1"}, {Name: "ccm-lite", Value: "Yes"}},
				Parts: []catalog.Part{{Name: "statement", Prose: "Develop an access control policy."}}},
			{ID: "ac-2", Title: "Account Management", Props: []catalog.Prop{{Name: "label", Value: "AC-2"}},
				Parts:    []catalog.Part{{Name: "statement", Prose: "Manage system accounts."}},
				Controls: []*catalog.Control{{ID: "ac-2.1", Title: "Automated Account Management", Props: []catalog.Prop{{Name: "label", Value: "AC-2(1)"}}}}},
		}}},
	}
}

func TestCatalogStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := db.CatalogStore()
		c := miniCatalog("1.0")
		if err := s.PutCatalog(ctx, c, false); err != nil {
			t.Fatal(err)
		}
		t.Run("get returns what was put", func(t *testing.T) {
			got, err := s.Catalog(ctx, "mini@1.0")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.ControlIDs(), c.ControlIDs()) || got.Title != c.Title || got.ImportedAt.IsZero() {
				t.Fatalf("got %v %q", got.ControlIDs(), got.Title)
			}
		})
		t.Run("a second put without replace is a conflict", func(t *testing.T) {
			if err := s.PutCatalog(ctx, c, false); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("replace swaps the controls", func(t *testing.T) {
			c2 := miniCatalog("1.0")
			c2.Groups[0].Controls = c2.Groups[0].Controls[:1]
			if err := s.PutCatalog(ctx, c2, true); err != nil {
				t.Fatal(err)
			}
			hits, err := s.SearchControls(ctx, catalog.ControlQuery{Catalogs: []string{"mini@1.0"}})
			if err != nil || len(hits) != 1 {
				t.Fatalf("hits = %v, %v", hits, err)
			}
			if err := s.PutCatalog(ctx, c, true); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("an invalid catalog stores nothing", func(t *testing.T) {
			bad := miniCatalog("2.0")
			bad.Groups[0].Controls[1].Controls[0].ID = "ac-1"
			if err := s.PutCatalog(ctx, bad, false); cloudtrust.ErrorCode(err) != cloudtrust.EINVALID {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.Catalog(ctx, "mini@2.0"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("an import failing half-way stores nothing", func(t *testing.T) {
			set := &catalog.MappingSet{ID: "dup", Source: "mini@4.0", Target: "x@1", Mappings: []catalog.Mapping{{Source: "ac-1", Target: "X-1", Relation: catalog.SubsetOf}}}
			if err := s.PutMappingSet(ctx, set, false); err != nil {
				t.Fatal(err)
			}
			// The catalog is inserted first, then the set conflicts.
			err := s.PutAll(ctx, []*catalog.Catalog{miniCatalog("4.0")}, []*catalog.MappingSet{set}, false)
			if cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.Catalog(ctx, "mini@4.0"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("the catalog of a failed import was kept: %v", err)
			}
			if err := s.DeleteMappingSet(ctx, "dup"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("a cancelled import stores nothing", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := s.PutCatalog(cctx, miniCatalog("3.0"), false); err == nil {
				t.Fatal("no error")
			}
			if _, err := s.Catalog(ctx, "mini@3.0"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("list shows counts", func(t *testing.T) {
			list, err := s.Catalogs(ctx)
			if err != nil || len(list) != 1 || list[0].Controls != 3 || list[0].ID != "mini@1.0" {
				t.Fatalf("list = %+v, %v", list, err)
			}
		})
		search := []struct {
			name string
			q    catalog.ControlQuery
			want []string
		}{
			{"text matches every word case-insensitively", catalog.ControlQuery{Text: "ACCOUNT manage"}, []string{"ac-2", "ac-2.1"}},
			{"text matches prose", catalog.ControlQuery{Text: "policy develop"}, []string{"ac-1"}},
			{"id matches the NIST label form", catalog.ControlQuery{ID: "AC-02(01)"}, []string{"ac-2.1"}},
			{"property name and value", catalog.ControlQuery{PropName: "ccm-lite", PropValue: "yes"}, []string{"ac-1"}},
			{"wildcards are literal", catalog.ControlQuery{Text: "%"}, nil},
			{"unknown catalog finds nothing", catalog.ControlQuery{Catalogs: []string{"x@1"}}, nil},
		}
		for _, tc := range search {
			t.Run("search: "+tc.name, func(t *testing.T) {
				hits, err := s.SearchControls(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, h := range hits {
					ids = append(ids, h.ID)
				}
				if !slices.Equal(ids, tc.want) {
					t.Fatalf("ids = %v, want %v", ids, tc.want)
				}
			})
		}
		t.Run("mapping sets round-trip and list by catalog", func(t *testing.T) {
			set := &catalog.MappingSet{ID: "mini@1.0->other@2", Source: "mini@1.0", Target: "other@2",
				Provenance: catalog.Provenance{SourceFile: "m.csv", Author: "me", Date: "2026-11-28", Method: "human"},
				Mappings: []catalog.Mapping{
					{Source: "ac-1", Target: "X-1", Relation: catalog.SubsetOf, Gap: catalog.PartialGap, Note: "add review"},
					{Source: "ac-2", Target: "X-2", Relation: catalog.EquivalentTo},
				}}
			if err := s.PutMappingSet(ctx, set, false); err != nil {
				t.Fatal(err)
			}
			if err := s.PutMappingSet(ctx, set, false); cloudtrust.ErrorCode(err) != cloudtrust.ECONFLICT {
				t.Fatalf("second put: %v", err)
			}
			got, err := s.MappingSet(ctx, set.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Mappings, set.Mappings) || got.Provenance.Author != "me" {
				t.Fatalf("got %+v", got)
			}
			list, _ := s.MappingSets(ctx, "other@2")
			none, _ := s.MappingSets(ctx, "nope@1")
			all, _ := s.AllMappingSets(ctx)
			if len(list) != 1 || list[0].Mappings != 2 || len(none) != 0 || len(all) != 1 {
				t.Fatalf("list=%v none=%v all=%d", list, none, len(all))
			}
			if err := s.DeleteMappingSet(ctx, set.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.MappingSet(ctx, set.ID); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("after delete: %v", err)
			}
		})
		t.Run("delete removes the catalog and its controls", func(t *testing.T) {
			if err := s.DeleteCatalog(ctx, "mini@1.0"); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteCatalog(ctx, "mini@1.0"); cloudtrust.ErrorCode(err) != cloudtrust.ENOTFOUND {
				t.Fatalf("err = %v", err)
			}
			hits, _ := s.SearchControls(ctx, catalog.ControlQuery{})
			if len(hits) != 0 {
				t.Fatalf("hits = %v", hits)
			}
		})
	})
}

const highFile = "../formats/oscal/testdata/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"

func TestCatalogStoreImportsNISTHigh(t *testing.T) {
	data, err := os.ReadFile(highFile)
	if err != nil {
		t.Fatal(err)
	}
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		doc, err := oscal.ParseJSON(data, oscal.Options{Framework: "nist-800-53-high", Version: "5.1.1"})
		if err != nil {
			t.Fatal(err)
		}
		s := db.CatalogStore()
		if err := s.PutCatalog(ctx, doc.Catalog, false); err != nil {
			t.Fatal(err)
		}
		got, err := s.Catalog(ctx, "nist-800-53-high@5.1.1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Len() != 370 {
			t.Fatalf("controls = %d", got.Len())
		}
		out, err := oscal.ExportCatalog(got, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := oscal.ValidateJSON(out); err != nil {
			t.Fatalf("export of the stored catalog: %v", err)
		}
	})
}

// BenchmarkImportNISTHigh measures parse + validate + store in one
// transaction of the 2.1 MB NIST HIGH resolved catalog on SQLite, next to a
// plain encoding/json decode of the same bytes (see docs/benchmarks.md).
func BenchmarkImportNISTHigh(b *testing.B) {
	data, err := os.ReadFile(highFile)
	if err != nil {
		b.Fatal(err)
	}
	db := testkit.MustOpenDB(b, "sqlite")
	s := db.CatalogStore()
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		doc, err := oscal.ParseJSON(data, oscal.Options{Framework: "nist-800-53-high", Version: "5.1.1"})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.PutCatalog(ctx, doc.Catalog, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeHighGeneric is the baseline for BenchmarkImportNISTHigh:
// decoding the same file with encoding/json into generic values only.
func BenchmarkDecodeHighGeneric(b *testing.B) {
	data, err := os.ReadFile(highFile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchControls runs full-text searches over the built-in
// catalogs (SP 800-53, its four baselines, CSF 2.0: six catalogs, 2,219
// controls) on SQLite and reports the 99th percentile latency.
func BenchmarkSearchControls(b *testing.B) {
	db := testkit.MustOpenDB(b, "sqlite")
	s := db.CatalogStore()
	ctx := context.Background()
	if _, err := builtin.Ensure(ctx, s); err != nil {
		b.Fatal(err)
	}
	queries := []catalog.ControlQuery{
		{Text: "account management"}, {Text: "audit log retention"}, {Text: "encryption"},
		{ID: "AC-2(1)"}, {Text: "supply chain", Catalogs: []string{"nist-800-53@5.1.1", "csf@2.0"}},
		{PropName: "status", PropValue: "withdrawn"}, {Text: "incident response plan"}, {Text: "zzzz-no-match"},
	}
	// A running server's index is warm: load it before timing.
	if _, err := s.SearchControls(ctx, queries[0]); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := s.SearchControls(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
