package billing

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// entropies hold one monotonic entropy source per millisecond, so ids made
// in the same millisecond increase (ULID's monotonic mode) even when ids of
// other milliseconds are made in between: services with clocks apart (tests
// with frozen clocks, in one process) each keep their own order.
var (
	entropyMu sync.Mutex
	entropies = map[uint64]*ulid.MonotonicEntropy{}
)

// maxEntropies bounds the map: past it, it starts afresh (a clock that
// moves forward needs only the current millisecond).
const maxEntropies = 4096

// newID returns prefix_ followed by a lower-case ULID (26 characters: the
// milliseconds of now, then 80 bits that are random for a new millisecond and
// incremented within one), so ids sort by creation time and keyset
// pagination can order by id alone. now is the service's clock.
func newID(prefix string, now time.Time) string {
	ms := ulid.Timestamp(now)
	entropyMu.Lock()
	e := entropies[ms]
	if e == nil {
		if len(entropies) >= maxEntropies {
			clear(entropies)
		}
		e = ulid.Monotonic(rand.Reader, 0)
		entropies[ms] = e
	}
	id, err := ulid.New(ms, e)
	entropyMu.Unlock()
	if err != nil { // the 80 bits overflowed within one millisecond: start afresh
		id = ulid.MustNew(ulid.Timestamp(now), rand.Reader)
	}
	return prefix + "_" + strings.ToLower(id.String())
}

// Id prefixes, one per resource type.
const (
	prefixAccount       = "acct"
	prefixAPIKey        = "key"
	prefixCustomer      = "cus"
	prefixWallet        = "wal"
	prefixLot           = "lot"
	prefixTransaction   = "txn"
	prefixAdjustment    = "adj"
	prefixProduct       = "prod"
	prefixVersion       = "pver"
	prefixPrice         = "price"
	prefixVendor        = "vnd"
	prefixSubscription  = "sub"
	prefixAuthorization = "auth"
	prefixFee           = "fee"
	prefixTopUp         = "topup"
)
