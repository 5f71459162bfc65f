package kernel

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// lastIDs hold the last id made in each millisecond, so ids made in the same
// millisecond increase (ULID's monotonic mode: the next is the last plus one)
// even when ids of other milliseconds are made in between: services with
// clocks apart (tests with frozen clocks, in one process) each keep their own
// order. A map of 16-byte ids, not of ulid.MonotonicEntropy: each of those
// holds a 4 KB buffered reader, allocated once per millisecond on the hot path.
var (
	idMu    sync.Mutex
	lastIDs = map[uint64]ulid.ULID{}
)

// maxLastIDs bounds the map: past it, it starts afresh (a clock that moves
// forward needs only the current millisecond).
const maxLastIDs = 4096

// NewID returns prefix_ followed by a lower-case ULID (26 characters: the
// milliseconds of now, then 80 bits that are random for a new millisecond and
// incremented within one), so ids sort by creation time and keyset
// pagination can order by id alone. now is the caller's clock (a service's
// Now, a test's fixed clock). Every Tollgate id is made here.
func NewID(prefix string, now time.Time) string {
	ms := ulid.Timestamp(now)
	idMu.Lock()
	id, ok := lastIDs[ms]
	if ok && increment(&id) {
		lastIDs[ms] = id
	} else { // a new millisecond, or its 80 bits overflowed: start afresh
		if len(lastIDs) >= maxLastIDs {
			clear(lastIDs)
		}
		id = ulid.MustNew(ms, rand.Reader)
		lastIDs[ms] = id
	}
	idMu.Unlock()
	return prefix + "_" + strings.ToLower(id.String())
}

// increment adds one to id's 80 random bits; false when they overflow.
func increment(id *ulid.ULID) bool {
	for i := len(id) - 1; i >= 6; i-- {
		id[i]++
		if id[i] != 0 {
			return true
		}
	}
	return false
}
