package sqldb

import (
	"sync"

	"github.com/cloudtrust/cloudtrust/ctp"
)

// maxCachedMeasurements bounds the measurement cache (about 1 KB each).
const maxCachedMeasurements = 4096

// measurementCache keeps recently read measurements of a SQLite database, the
// hot read path of the CTP API (GET /measurements/{id}). It lives on *DB so
// that every CTPStore of the database shares it, and it is only used on
// SQLite, where this process is the database's only writer of measurements
// (one server per SQLite file; the CLI never writes measurements). On
// PostgreSQL several servers share the database, so nothing is cached.
//
// Every write that can change a stored measurement forgets it after its
// transaction ends (UpdateMeasurement, ApplyBatch, SetTags), and deletes,
// which cascade, forget everything. A read that raced with such a write
// must not put the row it read back: gen counts invalidations, and put
// only stores a row read while gen did not move. A nil cache does nothing.
type measurementCache struct {
	mu  sync.RWMutex
	gen uint64
	m   map[string]*ctp.Measurement
}

func newMeasurementCache() *measurementCache {
	return &measurementCache{m: map[string]*ctp.Measurement{}}
}

// get returns a copy of the cached measurement, or nil, and the generation
// to hand to put after reading the database.
func (c *measurementCache) get(id string) (*ctp.Measurement, uint64) {
	if c == nil {
		return nil, 0
	}
	c.mu.RLock()
	m, gen := c.m[id], c.gen
	c.mu.RUnlock()
	if m == nil {
		return nil, gen
	}
	cp := *m
	return &cp, gen
}

// put caches m if no invalidation happened since gen was read.
func (c *measurementCache) put(m *ctp.Measurement, gen uint64) {
	if c == nil {
		return
	}
	cp := *m
	c.mu.Lock()
	if c.gen == gen {
		if len(c.m) >= maxCachedMeasurements {
			clear(c.m)
		}
		c.m[m.ID] = &cp
	}
	c.mu.Unlock()
}

// forget drops the given measurements.
func (c *measurementCache) forget(ids ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.gen++
	for _, id := range ids {
		delete(c.m, id)
	}
	c.mu.Unlock()
}

// reset drops every measurement.
func (c *measurementCache) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.gen++
	clear(c.m)
	c.mu.Unlock()
}
