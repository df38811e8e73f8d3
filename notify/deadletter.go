package notify

import (
	"context"
	"sync"
	"time"
)

// DeadLetter is a delivery that finally failed (or could not be attempted).
// It carries no secret. Customers see their dead letters, so Target has
// user information removed.
type DeadLetter struct {
	DeliveryID    string // EventID + "/" + Channel
	EventID       string // the log entry id
	ServiceViewID string
	TriggerID     string
	Channel       string // ChannelWebhook, ChannelXMPP or ChannelNone
	Target        string // the notification URI, without user:password
	Attempts      int    // attempts made; 0 when none could be made
	LastStatus    int    // last HTTP status, 0 when there was none
	LastError     string // why the last attempt failed, or why none was made
	FirstAttempt  time.Time
	LastAttempt   time.Time
	Body          []byte // what would have been sent, for replay
}

// DeadLetters records failed deliveries. A later session implements it in
// SQL so that customers can list them; MemoryDeadLetters serves tests and
// single-process deployments. Implementations must be safe for concurrent use.
type DeadLetters interface {
	RecordDeadLetter(ctx context.Context, d DeadLetter) error
}

// MemoryDeadLetters keeps the most recent dead letters in memory.
type MemoryDeadLetters struct {
	mu    sync.Mutex
	max   int
	items []DeadLetter
}

// NewMemoryDeadLetters returns a sink keeping at most max entries (oldest
// dropped first); max <= 0 means 1000.
func NewMemoryDeadLetters(max int) *MemoryDeadLetters {
	if max <= 0 {
		max = 1000
	}
	return &MemoryDeadLetters{max: max}
}

// RecordDeadLetter stores d.
func (m *MemoryDeadLetters) RecordDeadLetter(_ context.Context, d DeadLetter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) >= m.max {
		m.items = append(m.items[:0], m.items[1:]...)
	}
	m.items = append(m.items, d)
	return nil
}

// List returns the stored dead letters, oldest first.
func (m *MemoryDeadLetters) List() []DeadLetter {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]DeadLetter(nil), m.items...)
}
