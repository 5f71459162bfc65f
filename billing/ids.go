package billing

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// entropy makes ids made in the same millisecond increase (ULID's
// monotonic mode), so ids sort by creation even under a frozen test clock.
var (
	entropyMu sync.Mutex
	entropy   = ulid.Monotonic(rand.Reader, 0)
)

// newID returns prefix_ followed by a lower-case ULID (26 characters: the
// milliseconds of now, then 80 bits that are random for a new millisecond and
// incremented within one), so ids sort by creation time and keyset
// pagination can order by id alone. now is the service's clock.
func newID(prefix string, now time.Time) string {
	entropyMu.Lock()
	id, err := ulid.New(ulid.Timestamp(now), entropy)
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
