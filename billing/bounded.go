package billing

import (
	"sync"
	"sync/atomic"
)

// boundedMap is a sync.Map for caches that only save a database read: past
// limit entries it starts afresh, so a cache keyed by customer cannot grow
// with the customer base. Forgetting is always safe (a miss reads the
// database); the count is approximate under races, never unbounded.
type boundedMap[K comparable, V any] struct {
	m     sync.Map
	n     atomic.Int64
	limit int64
}

// cacheLimit bounds each per-customer cache: about 100 bytes an entry for the
// small ones, so tens of MB at most (docs/OPERATIONS.md, memory).
const cacheLimit = 200_000

func (b *boundedMap[K, V]) Load(k K) (V, bool) {
	v, ok := b.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

func (b *boundedMap[K, V]) Store(k K, v V) {
	if _, loaded := b.m.Swap(k, v); loaded {
		return
	}
	limit := b.limit
	if limit == 0 {
		limit = cacheLimit
	}
	if b.n.Add(1) > limit {
		b.m.Clear()
		b.n.Store(0)
	}
}

func (b *boundedMap[K, V]) Delete(k K) {
	if _, loaded := b.m.LoadAndDelete(k); loaded {
		b.n.Add(-1)
	}
}
