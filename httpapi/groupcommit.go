package httpapi

import (
	"context"
	"sync"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
)

// maxGroup bounds how many single-result writes share one transaction.
const maxGroup = 512

// groupCommit funnels concurrent single-result writes (PUT ?x=result) into
// shared durable transactions: while one group is being committed, the
// writes that arrive wait and go together into the next one. Each write is
// still acknowledged only once its transaction is durable, and the store
// applies the group's items in arrival order with exactly the semantics of
// UpdateMeasurement (ctp.ResultStore.ApplyBatch), so one write's error never
// affects another's. On SQLite, where every commit costs an fsync, this is
// what lets throughput grow with the number of agents.
//
// No goroutine runs while nothing is queued: the first writer to find the
// queue idle starts a flusher that exits once the queue is empty.
type groupCommit struct {
	rs      ctp.ResultStore
	mu      sync.Mutex
	queue   []*pendingWrite
	running bool
}

type pendingWrite struct {
	item ctp.BatchItem
	done chan error
}

// update applies fn to measurement id in the next group and returns once
// that group is committed (or failed).
func (g *groupCommit) update(id string, fn ctp.UpdateFunc) error {
	p := &pendingWrite{item: ctp.BatchItem{MeasurementID: id, Update: recoverUpdate(fn)}, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go g.flush()
	}
	return <-p.done
}

// flush commits queued writes group by group until the queue is empty. A
// group runs without the requests' contexts: a write a client stopped
// waiting for is still either committed whole or not at all.
func (g *groupCommit) flush() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()

		items := make([]ctp.BatchItem, len(group))
		for i, p := range group {
			items[i] = p.item
		}
		out, err := g.rs.ApplyBatch(context.Background(), items, nil)
		for i, p := range group {
			if err != nil {
				p.done <- err
			} else {
				p.done <- out.Errs[i]
			}
		}
	}
}

// recoverUpdate turns a panic of fn into its item's error. An update runs
// inside the store's transaction, here on the flusher's goroutine (where
// nothing else would recover it and the whole server would stop) or for a
// batch; a panic must neither escape the transaction nor fail the other
// items.
func recoverUpdate(fn ctp.UpdateFunc) ctp.UpdateFunc {
	return func(m *ctp.Measurement, triggers []*ctp.Trigger) (ch *ctp.MeasurementChange, err error) {
		defer func() {
			if p := recover(); p != nil {
				ch, err = nil, cloudtrust.Errorf(cloudtrust.EINTERNAL, "updating the measurement failed: %v", p)
			}
		}()
		return fn(m, triggers)
	}
}
