package notify

import (
	"context"
	"time"
)

// DefaultRecheck is how often WatchAccess re-checks an open stream when no
// interval is configured.
const DefaultRecheck = 30 * time.Second

// WatchAccess keeps an event stream honest about access: every `every`
// (DefaultRecheck when not positive) until ctx ends it asks stillAllowed,
// and calls end and returns once the answer is false. An error keeps the
// stream open (a database briefly unavailable must not cut every
// dashboard). The API's and the web console's streams both use it.
func WatchAccess(ctx context.Context, every time.Duration, end context.CancelFunc, stillAllowed func(context.Context) (bool, error)) {
	if every <= 0 {
		every = DefaultRecheck
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if ok, err := stillAllowed(ctx); err == nil && !ok {
			end()
			return
		}
	}
}
