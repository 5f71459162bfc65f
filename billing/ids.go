package billing

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// crockford is Crockford's base32 alphabet, lower-cased: ids read well and sort
// by creation time.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// newID returns prefix_ followed by 26 characters: 10 encoding the milliseconds
// since 1970 and 16 encoding 80 random bits (the ULID layout), so ids sort by
// creation time and keyset pagination can order by id alone.
func newID(prefix string) string {
	var buf [len("prefix_") + 32]byte
	b := append(buf[:0], prefix...)
	b = append(b, '_')
	ms := uint64(time.Now().UnixMilli())
	for i := 9; i >= 0; i-- {
		b = append(b, crockford[(ms>>(uint(i)*5))&31])
	}
	var r [10]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	hi, lo := uint64(binary.BigEndian.Uint16(r[:2])), binary.BigEndian.Uint64(r[2:])
	for i := 15; i >= 0; i-- {
		shift := uint(i) * 5
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift+5 > 64:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		b = append(b, crockford[v&31])
	}
	return string(b)
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
)
