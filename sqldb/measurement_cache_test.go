package sqldb

import (
	"sync"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
)

func TestMeasurementCacheRefusesRowsReadBeforeAnInvalidation(t *testing.T) {
	c := newMeasurementCache()
	_, gen := c.get("m")
	c.forget("m") // a write committed while the row was being read
	c.put(&ctp.Measurement{ID: "m", Name: "stale"}, gen)
	if m, _ := c.get("m"); m != nil {
		t.Fatalf("cached a row read before an invalidation: %+v", m)
	}
	_, gen = c.get("m")
	c.put(&ctp.Measurement{ID: "m", Name: "fresh"}, gen)
	if m, _ := c.get("m"); m == nil || m.Name != "fresh" {
		t.Fatalf("get = %+v, want the fresh row", m)
	}
}

func TestMeasurementCacheReturnsCopies(t *testing.T) {
	c := newMeasurementCache()
	_, gen := c.get("m")
	c.put(&ctp.Measurement{ID: "m", Name: "a"}, gen)
	m, _ := c.get("m")
	m.Name = "changed by a caller"
	if m2, _ := c.get("m"); m2.Name != "a" {
		t.Fatalf("a caller's change reached the cache: %q", m2.Name)
	}
}

func TestMeasurementCacheResetAndBound(t *testing.T) {
	c := newMeasurementCache()
	for i := 0; i < maxCachedMeasurements+10; i++ {
		_, gen := c.get("x")
		c.put(&ctp.Measurement{ID: string(rune('a'+i%26)) + string(rune(i))}, gen)
	}
	if n := len(c.m); n > maxCachedMeasurements {
		t.Fatalf("%d entries cached, bound is %d", n, maxCachedMeasurements)
	}
	c.reset()
	if n := len(c.m); n != 0 {
		t.Fatalf("%d entries after reset", n)
	}
	var nilCache *measurementCache // PostgreSQL: caching is off
	nilCache.put(&ctp.Measurement{ID: "m"}, 0)
	nilCache.forget("m")
	nilCache.reset()
	if m, _ := nilCache.get("m"); m != nil {
		t.Fatal("nil cache returned a measurement")
	}
}

func TestMeasurementCacheConcurrentUse(t *testing.T) {
	c := newMeasurementCache()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				m, gen := c.get("m")
				if m == nil {
					c.put(&ctp.Measurement{ID: "m"}, gen)
				}
				if i%7 == 0 {
					c.forget("m")
				}
			}
		}()
	}
	wg.Wait()
}
