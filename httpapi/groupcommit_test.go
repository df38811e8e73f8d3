package httpapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// fakeBatches is a ctp.ResultStore that records the groups it is given. The
// first group blocks until release is closed, so that writes pile up.
type fakeBatches struct {
	ctp.ResultStore
	mu      sync.Mutex
	groups  [][]string
	release chan struct{}
	first   sync.Once
}

func (f *fakeBatches) ApplyBatch(ctx context.Context, items []ctp.BatchItem, r *ctp.BatchReceipt) (*ctp.BatchOutcome, error) {
	f.first.Do(func() { <-f.release })
	ids := make([]string, len(items))
	out := &ctp.BatchOutcome{Errs: make([]error, len(items))}
	for i, it := range items {
		ids[i] = it.MeasurementID
		if it.MeasurementID == "bad" {
			out.Errs[i] = errors.New("bad item")
		}
	}
	f.mu.Lock()
	f.groups = append(f.groups, ids)
	f.mu.Unlock()
	return out, nil
}

func TestGroupCommitSharesTransactionsAndKeepsErrorsApart(t *testing.T) {
	f := &fakeBatches{release: make(chan struct{})}
	g := &groupCommit{rs: f}
	var wg sync.WaitGroup
	errs := make([]error, 11)
	run := func(i int, id string) {
		defer wg.Done()
		errs[i] = g.update(id, nil)
	}
	wg.Add(1)
	go run(0, "m0") // leads the first group and blocks in it
	for g.queueLen() != 0 || !g.isRunning() {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i <= 10; i++ {
		id := fmt.Sprintf("m%d", i)
		if i == 5 {
			id = "bad"
		}
		wg.Add(1)
		go run(i, id)
	}
	for g.queueLen() < 10 {
		time.Sleep(time.Millisecond)
	}
	close(f.release)
	wg.Wait()
	if len(f.groups) != 2 || len(f.groups[0]) != 1 || len(f.groups[1]) != 10 {
		t.Fatalf("groups = %v, want the first write alone then the ten queued ones together", f.groups)
	}
	for i, err := range errs {
		if (i == 5) != (err != nil) {
			t.Errorf("write %d: err = %v; only write 5 (the bad item) should fail", i, err)
		}
	}
	if g.isRunning() {
		t.Fatal("flusher still running with an empty queue")
	}
}

func TestGroupCommitReportsAFailedTransactionToEveryWriter(t *testing.T) {
	g := &groupCommit{rs: failingBatches{}}
	for i := 0; i < 3; i++ {
		if err := g.update("m", nil); err == nil || err.Error() != "disk full" {
			t.Fatalf("err = %v, want the transaction's error", err)
		}
	}
}

type failingBatches struct{ ctp.ResultStore }

func (failingBatches) ApplyBatch(context.Context, []ctp.BatchItem, *ctp.BatchReceipt) (*ctp.BatchOutcome, error) {
	return nil, errors.New("disk full")
}

func (g *groupCommit) queueLen() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

func (g *groupCommit) isRunning() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.running
}

// TestGroupCommitPanickingUpdateFailsAlone: a panic in one write's update
// (run inside the store's shared transaction) is that write's internal
// error; the other writes of its group are stored.
func TestGroupCommitPanickingUpdateFailsAlone(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tr := e.tree()
		g := &groupCommit{rs: e.store.(ctp.ResultStore)}
		setResult := func(level int) ctp.UpdateFunc {
			return func(m *ctp.Measurement, _ []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				nm := *m
				nm.Result = &ctp.Result{Value: []byte(fmt.Sprintf(`[{"level":%d}]`, level)), UpdateTime: e.clock.Now().Add(time.Duration(level) * time.Second)}
				return &ctp.MeasurementChange{Measurement: &nm}, nil
			}
		}
		// The first group blocks in its update, so that the next two
		// writes queue up and share the second group.
		release := make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- g.update(tr.measurement, func(m *ctp.Measurement, tg []*ctp.Trigger) (*ctp.MeasurementChange, error) {
				<-release
				return setResult(1)(m, tg)
			})
		}()
		for !g.isRunning() {
			time.Sleep(time.Millisecond)
		}
		errs := make(chan error, 2)
		go func() {
			errs <- g.update(tr.measurement, func(*ctp.Measurement, []*ctp.Trigger) (*ctp.MeasurementChange, error) { panic("boom") })
		}()
		good := make(chan error, 1)
		go func() { good <- g.update(tr.measurement, setResult(2)) }()
		for g.queueLen() < 2 {
			time.Sleep(time.Millisecond)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatalf("first write: %v", err)
		}
		if err := <-errs; cloudtrust.ErrorCode(err) != cloudtrust.EINTERNAL || !strings.Contains(cloudtrust.ErrorMessage(err), "boom") {
			t.Fatalf("panicking write: error %v, want an internal error naming the panic", err)
		}
		if err := <-good; err != nil {
			t.Fatalf("the write sharing its group failed: %v", err)
		}
		m, err := e.store.Measurement(context.Background(), tr.measurement)
		if err != nil || m.Result == nil || string(m.Result.Value) != `[{"level":2}]` {
			t.Fatalf("measurement %+v, %v; want the good write stored", m, err)
		}
	})
}
