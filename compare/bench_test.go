package compare_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/assess"
	"github.com/cloudtrust/cloudtrust/catalog"
	"github.com/cloudtrust/cloudtrust/compare"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/library"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// benchData builds the performance case: a 207-control target
// catalog in 17 domains; ten providers who answered a 197-control
// questionnaire (two questions per control) on another catalog, mapped
// to the target directly (mixed relations, recorded gaps) and through an
// intermediate catalog (two-hop paths).
func benchData() (*catalog.Catalog, []*catalog.MappingSet, []compare.Provider) {
	rng := rand.New(rand.NewPCG(1, 2))
	tgt := &catalog.Catalog{Framework: "tgt", Version: "4.1", Title: "Target"}
	for d := 0; d < 17; d++ {
		g := &catalog.Group{ID: fmt.Sprintf("d%02d", d), Title: fmt.Sprintf("Domain %02d", d)}
		tgt.Groups = append(tgt.Groups, g)
	}
	for i := 0; i < 207; i++ {
		g := tgt.Groups[i%17]
		g.Controls = append(g.Controls, &catalog.Control{ID: fmt.Sprintf("%s-%02d", g.ID, len(g.Controls)+1), Title: "Control"})
	}
	ids := tgt.ControlIDs()
	rels := []catalog.Relation{catalog.EquivalentTo, catalog.SubsetOf, catalog.SupersetOf, catalog.IntersectsWith}
	gaps := []catalog.GapLevel{"", "", catalog.NoGap, catalog.PartialGap}
	direct := &catalog.MappingSet{ID: "src->tgt", Source: "src@4.0", Target: "tgt@4.1"}
	toMid := &catalog.MappingSet{ID: "src->mid", Source: "src@4.0", Target: "mid@1"}
	midTo := &catalog.MappingSet{ID: "mid->tgt", Source: "mid@1", Target: "tgt@4.1"}
	q := &assess.Questionnaire{Framework: "srcq", Version: "4.0", Catalog: "src@4.0"}
	for i := 0; i < 197; i++ {
		c := fmt.Sprintf("S%02d-%02d", i/12, i%12+1)
		for k := 1; k <= 2; k++ {
			q.Questions = append(q.Questions, assess.Question{ID: fmt.Sprintf("%s.%d", c, k), ControlID: c, Text: "?"})
		}
		for k := 0; k < 1+rng.IntN(3); k++ {
			direct.Mappings = append(direct.Mappings, catalog.Mapping{Source: c, Target: ids[rng.IntN(len(ids))], Relation: rels[rng.IntN(4)], Gap: gaps[rng.IntN(4)]})
		}
		m := fmt.Sprintf("m-%d", i)
		toMid.Mappings = append(toMid.Mappings, catalog.Mapping{Source: c, Target: m, Relation: catalog.EquivalentTo})
		midTo.Mappings = append(midTo.Mappings, catalog.Mapping{Source: m, Target: ids[rng.IntN(len(ids))], Relation: rels[rng.IntN(4)]})
	}
	answers := []assess.Answer{assess.AnswerYes, assess.AnswerYes, assess.AnswerYes, assess.AnswerNo, assess.AnswerNA}
	var ps []compare.Provider
	for p := 0; p < 10; p++ {
		s := &assess.Submission{ID: fmt.Sprintf("sub-%d", p), Questionnaire: q.ID(), Provider: fmt.Sprintf("prov-%d", p), Status: assess.StatusSubmitted}
		for _, qu := range q.Questions {
			s.Responses = append(s.Responses, assess.Response{QuestionID: qu.ID, Answer: answers[rng.IntN(5)], Ownership: assess.Ownerships[rng.IntN(5)], Description: "Because."})
		}
		ps = append(ps, compare.Provider{ID: s.Provider, Source: library.Source{Submission: s, Questionnaire: q}})
	}
	return tgt, []*catalog.MappingSet{direct, toMid, midTo}, ps
}

// BenchmarkCompare10Providers207Controls measures a whole comparison as
// the API runs it: index the mapping sets, then score ten providers.
func BenchmarkCompare10Providers207Controls(b *testing.B) {
	tgt, sets, ps := benchData()
	target := library.CatalogTarget(tgt, "", false)
	runCompare(b, target, sets, ps)
}

// runCompare is the measured loop of the comparison benchmarks: build the
// library from sets and score ps against target, as the API does per
// request, reporting CPU time per operation.
func runCompare(b *testing.B, target *library.Target, sets []*catalog.MappingSet, ps []compare.Provider) {
	cpu := startCPU()
	for b.Loop() {
		rep, err := compare.Compare(library.New(sets, 0), compare.Request{Target: target, Providers: ps})
		if err != nil || len(rep.Rows) != 207 {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// cpuClock measures the process's CPU time (user + system, all threads,
// garbage collection included): on a machine shared with other builds it
// says how much work an operation is, where wall time says how long it
// waited for a core.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{processCPU()} }

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(processCPU()-c.start)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkCompareExportXLSX measures the xlsx export of that comparison.
func BenchmarkCompareExportXLSX(b *testing.B) {
	tgt, sets, ps := benchData()
	rep, err := compare.Compare(library.New(sets, 0), compare.Request{Target: library.CatalogTarget(tgt, "", false), Providers: ps})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := rep.XLSX(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareIdentityBaseline is the baseline of the same run: the
// same ten providers and target, but each answered a questionnaire on the
// target catalog itself, so no mapping is followed.
func BenchmarkCompareIdentityBaseline(b *testing.B) {
	tgt, sets, ps := benchData()
	q := &assess.Questionnaire{Framework: "tgtq", Version: "4.1", Catalog: "tgt@4.1"}
	for _, id := range tgt.ControlIDs() {
		q.Questions = append(q.Questions, assess.Question{ID: id + ".1", ControlID: id, Text: "?"}, assess.Question{ID: id + ".2", ControlID: id, Text: "?"})
	}
	for i := range ps {
		s := &assess.Submission{ID: ps[i].Source.Submission.ID, Questionnaire: q.ID(), Provider: ps[i].ID, Status: assess.StatusSubmitted}
		for j, qu := range q.Questions {
			r := ps[i].Source.Submission.Responses[j%len(ps[i].Source.Submission.Responses)]
			r.QuestionID = qu.ID
			s.Responses = append(s.Responses, r)
		}
		ps[i].Source = library.Source{Submission: s, Questionnaire: q}
	}
	target := library.CatalogTarget(tgt, "", false)
	runCompare(b, target, sets, ps)
}

// BenchmarkCompareServiceSQLite measures what POST /api/v1/compare does
// below HTTP: load the target catalog, every mapping set, the providers'
// latest submitted submissions and their questionnaire from SQLite, then
// score.
func BenchmarkCompareServiceSQLite(b *testing.B) {
	ctx := context.Background()
	db := testkit.MustOpenDB(b, "sqlite")
	tgt, sets, ps := benchData()
	tgt.Kind = "catalog"
	cats, as := db.CatalogStore(), db.AssessStore()
	if err := cats.PutAll(ctx, []*catalog.Catalog{tgt}, sets, false); err != nil {
		b.Fatal(err)
	}
	if err := as.PutQuestionnaire(ctx, ps[0].Source.Questionnaire, false); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		s := p.Source.Submission
		s.Status = assess.StatusDraft
		if err := as.PutSubmission(ctx, s); err != nil {
			b.Fatal(err)
		}
		if _, err := as.Submit(ctx, s.ID); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	svc := &compare.Service{Catalogs: cats, Assess: as}
	cpu := startCPU()
	for b.Loop() {
		rep, err := svc.Compare(ctx, compare.CompareRequest{Catalog: "tgt@4.1", Providers: ids}, compare.Access{})
		if err != nil || len(rep.Providers) != 10 {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}
