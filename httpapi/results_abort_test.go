package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/signing"
)

// failingKeys is a key registry whose database is down.
type failingKeys struct{ signing.KeyStore }

func (failingKeys) Keys(context.Context, string) ([]*signing.Key, error) {
	return nil, cloudtrust.Errorf(cloudtrust.EUNAVAILABLE, "key registry unavailable")
}

// TestResultBatchDatabaseFailureWhileCheckingStoresNothing: a line whose
// check fails in the database (here the key registry, read for the batch's
// signed lines before its transaction) fails the whole batch with 503 and
// nothing of it is stored; the next batch is stored normally.
func TestResultBatchDatabaseFailureWhileCheckingStoresNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tr := e.tree("id:a")
		_, agent := e.account("agent", "access:agent", "id:a")
		e.srv = New(Config{Store: e.store, Evaluator: e.srv.eval, Clock: e.clock, BaseURL: testBase, MaxBodyBytes: maxTestBody, Keys: failingKeys{}})
		var lines []string
		for i := 0; i < 600; i++ { // several check chunks; the failing line is in the last
			lines = append(lines, `{"measurement":"`+tr.measurement+`","result":{"value":[{"level":8}],"updateTime":"2026-11-28T10:`+
				twoDigits(i/60)+`:`+twoDigits(i%60)+`Z"}}`)
		}
		lines[550] = `{"measurement":"` + tr.measurement + `","result":{"value":[{"level":8}],"authorityId":"a","signature":"x.y.z"}}`
		history := func() int {
			h, err := e.store.(ctp.ResultStore).Results(context.Background(), tr.measurement, time.Time{}, time.Now().Add(time.Hour), 10000)
			if err != nil {
				t.Fatal(err)
			}
			return len(h)
		}
		t.Run("the batch fails with 503 and stores nothing", func(t *testing.T) {
			r := e.postBatch(agent, strings.Join(lines, "\n"), "application/x-ndjson")
			if r.status != 503 || !strings.Contains(string(r.body), "key registry unavailable") {
				t.Fatalf("status %d, want 503 naming the failure\n%.300s", r.status, r.body)
			}
			if n := history(); n != 0 {
				t.Errorf("%d results stored, want none", n)
			}
		})
		t.Run("the next batch is stored", func(t *testing.T) {
			r := e.postBatch(agent, strings.Join(append(lines[:550:550], lines[551:]...), "\n"), "application/x-ndjson")
			if r.status != 200 {
				t.Fatalf("status %d, want 200\n%.300s", r.status, r.body)
			}
			if n := history(); n != 599 {
				t.Errorf("%d results stored, want 599", n)
			}
		})
	})
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// TestBatchCheckPanicAbortsTheTransaction: a check that panics (here on a
// line without a result) becomes that line's EINTERNAL error, and its
// update cancels the transaction's context and records the error, so that
// the handler answers it and nothing of the batch is committed.
func TestBatchCheckPanicAbortsTheTransaction(t *testing.T) {
	cancelled := false
	chk := &batchChecker{s: &Server{}, now: time.Now(), raw: [][]byte{[]byte(`{}`)},
		prep: []preparedLine{{metric: &ctp.Metric{}}}, lines: []int{0}, cancel: func() { cancelled = true }}
	chk.start()
	_, err := chk.update(0, nil, time.Now())(&ctp.Measurement{}, nil)
	chk.wait()
	if cloudtrust.ErrorCode(err) != cloudtrust.EINTERNAL || !strings.Contains(err.Error(), "line 1: checking the result failed") {
		t.Fatalf("update error %v, want EINTERNAL naming line 1", err)
	}
	if !cancelled || chk.aborted() != err {
		t.Fatalf("cancelled %v, aborted %v; want the transaction cancelled with the line's error", cancelled, chk.aborted())
	}
}
