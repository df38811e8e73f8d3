package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/notify"
)

func TestWatchAccess(t *testing.T) {
	t.Run("access lost ends the stream", func(t *testing.T) {
		ctx, end := context.WithCancel(context.Background())
		var checks atomic.Int32
		done := make(chan struct{})
		go func() {
			notify.WatchAccess(ctx, time.Millisecond, end, func(context.Context) (bool, error) {
				return checks.Add(1) < 3, nil
			})
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("WatchAccess did not return after access was lost")
		}
		if ctx.Err() == nil || checks.Load() != 3 {
			t.Fatalf("stream context %v after %d checks; want it ended at the third", ctx.Err(), checks.Load())
		}
	})
	t.Run("errors keep the stream open until the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		ended := false
		var checks atomic.Int32
		done := make(chan struct{})
		go func() {
			notify.WatchAccess(ctx, time.Millisecond, func() { ended = true }, func(context.Context) (bool, error) {
				if checks.Add(1) == 5 {
					cancel()
				}
				return false, errors.New("database unavailable")
			})
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("WatchAccess did not return when its context ended")
		}
		if ended || checks.Load() < 5 {
			t.Fatalf("ended %v after %d checks; want the stream kept open through errors", ended, checks.Load())
		}
	})
}
