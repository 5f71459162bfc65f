package kernel

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
)

// TestIDsSortByCreation: ids from the service's clock sort in the order they
// were made, within one millisecond too (a frozen test clock), and across
// goroutines.
func TestIDsSortByCreation(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	for range 1000 {
		ids = append(ids, NewID("cus", now))
	}
	ids = append(ids, NewID("cus", now.Add(time.Millisecond)))
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatalf("ids made in order are not strictly increasing: %v … %v", ids[:3], ids[len(ids)-3:])
	}
	if id := ids[0]; len(id) != len("cus_")+26 || id != strings.ToLower(id) || !strings.HasPrefix(id, "cus_01") {
		t.Errorf("id %q, want cus_ and 26 lower-case ULID characters", id)
	}

	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				id := NewID("fee", now)
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate id %s", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// Ids of one millisecond keep their order when ids of other milliseconds are
// made in between (two services with clocks apart, in one process).
func TestIDsInterleavedClocks(t *testing.T) {
	t.Parallel()
	a, b := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var ids []string
	for range 200 {
		ids = append(ids, NewID("cus", a))
		NewID("cus", b)
	}
	if !slices.IsSorted(ids) {
		t.Fatal("ids of one millisecond lost their order when another millisecond's were made in between")
	}
}

// increment carries across bytes of the 80 random bits and reports their
// overflow, never touching the 48-bit time.
func TestIncrementCarries(t *testing.T) {
	var id ulid.ULID
	id[0], id[14], id[15] = 0x7f, 0x00, 0xff
	if !increment(&id) || id[14] != 0x01 || id[15] != 0x00 || id[0] != 0x7f {
		t.Errorf("increment(…00ff) = %x, want …0100 with the time unchanged", id)
	}
	for i := 6; i < len(id); i++ {
		id[i] = 0xff
	}
	if increment(&id) {
		t.Errorf("increment of all-ones random bits = true, want the overflow reported")
	}
	if id[5] != 0 || id[0] != 0x7f {
		t.Errorf("the overflow changed the time bytes: %x", id[:6])
	}
}
