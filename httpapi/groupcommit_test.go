package httpapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

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
