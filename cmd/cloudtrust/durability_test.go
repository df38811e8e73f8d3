package main

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

// TestServeAcknowledgedResultsSurviveKill9 checks the durability promise of
// PUT /measurements/{id}?x=result: once the server has answered 200, the
// result survives an abrupt kill of the server. Writers keep publishing
// increasing values while the server is killed, so a result may also be
// stored without having been acknowledged; what the restarted server serves
// must lie between the last acknowledged and the last attempted value.
func TestServeAcknowledgedResultsSurviveKill9(t *testing.T) {
	for _, dialect := range testkit.DBs() {
		t.Run(dialect+": last acknowledged result of each measurement is served after restart", func(t *testing.T) {
			var dbArgs []string
			if dialect == "postgres" {
				dbArgs = []string{"--database", testkit.PostgresURL(t)}
			} else {
				dbArgs = []string{"--data", t.TempDir()}
			}
			env := []string{"CLOUDTRUST_BOOTSTRAP_TOKEN=" + testAdminToken}
			s := startServer(t, env, dbArgs...)
			tr := buildTree(s, "customer:t", 4)

			type progress struct{ acked, attempted atomic.Int64 }
			prog := make([]progress, len(tr.measurements))
			var killed atomic.Bool
			errc := make(chan error, len(tr.measurements))
			var wg sync.WaitGroup
			for i, m := range tr.measurements {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := int64(1); ; k++ {
						prog[i].attempted.Store(k)
						status, err := s.apiErr("PUT", "/measurements/"+m+"?x=result", testAdminToken, result(float64(k)), nil)
						if killed.Load() {
							return
						}
						if err != nil || status != http.StatusOK {
							errc <- fmt.Errorf("measurement %s, result %d: status %d, error %v", m, k, status, err)
							return
						}
						prog[i].acked.Store(k)
					}
				}()
			}
			deadline := time.Now().Add(2 * time.Minute)
			for {
				enough := true
				for i := range prog {
					if prog[i].acked.Load() < 5 {
						enough = false
					}
				}
				if enough {
					break
				}
				select {
				case err := <-errc:
					t.Fatal(err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("writers did not get 5 acknowledgements each within 2 minutes")
				}
				time.Sleep(10 * time.Millisecond)
			}
			killed.Store(true)
			s.kill9()
			wg.Wait()
			select {
			case err := <-errc:
				t.Fatal(err)
			default:
			}

			s = startServer(t, env, dbArgs...)
			for i, m := range tr.measurements {
				acked, attempted := prog[i].acked.Load(), prog[i].attempted.Load()
				var got resource
				s.mustAPI(http.StatusOK, "GET", "/measurements/"+m, testAdminToken, nil, &got)
				if got.Result == nil || len(got.Result.Value) != 1 {
					t.Fatalf("measurement %s: no result after restart (last acknowledged %d)", m, acked)
				}
				v, _ := got.Result.Value[0]["percentage"].(float64)
				if int64(v) < acked || int64(v) > attempted || float64(int64(v)) != v {
					t.Errorf("measurement %s: served result %v, want the last acknowledged %d (or a later attempted one, up to %d)", m, v, acked, attempted)
				}
			}
		})
	}
}
