package main

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestReplicasRace runs three `tollgate serve` processes on one database and
// races them: the database, not any process, decides.
func TestReplicasRace(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	env := "TOLLGATE_DATABASE_URL=" + dbURL
	var addrs []string
	for range 3 {
		addrs = append(addrs, runServe(t, anyPort, env).addr)
	}
	c := newFaultClient(t, createKey(t, dbURL))
	c.must(addrs[0], "POST", "/v1/products", `{"code": "calls", "name": "Calls", "event_type": "call.made",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "1.00"}]}`, 201)

	t.Run("AuthorizationsAgainstFundsFor37", func(t *testing.T) {
		c.must(addrs[1], "POST", "/v1/customers", `{"external_id": "racer"}`, 201)
		c.must(addrs[2], "POST", "/v1/adjustments", `{"transaction_id": "fund-racer", "kind": "top_up", "customer": "racer", "asset": "USD", "amount": "37.00"}`, 201)
		const n = 500
		var (
			mu       sync.Mutex
			approved int
			wg       sync.WaitGroup
		)
		sem := make(chan struct{}, 48) // concurrent requests in flight
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				body := fmt.Sprintf(`{"idempotency_key": "race-%d", "customer": "racer", "event_type": "call.made"}`, i)
				status, resp, err := c.do(addrs[i%3], "POST", "/v1/authorizations", body)
				var out struct {
					Approved bool `json:"approved"`
				}
				json.Unmarshal(resp, &out)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Errorf("authorization %d: %v", i, err)
				case status == 201 && out.Approved:
					approved++
				case (status == 200 || status == 201) && !out.Approved: // declined
				default:
					t.Errorf("authorization %d = %d %s", i, status, resp)
				}
			}()
		}
		wg.Wait()
		if approved != 37 {
			t.Errorf("%d of %d authorizations approved against funds for 37, want 37", approved, n)
		}
	})

	t.Run("OneEventIDToAllThree", func(t *testing.T) {
		c.must(addrs[0], "POST", "/v1/customers", `{"external_id": "load"}`, 201)
		c.must(addrs[0], "POST", "/v1/adjustments", `{"transaction_id": "fund-load", "kind": "top_up", "customer": "load", "asset": "USD", "amount": "1000.00"}`, 201)
		const ids = 30
		var wg sync.WaitGroup
		created := make([]int, ids)
		var mu sync.Mutex
		for i := range ids {
			for _, addr := range addrs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, resp, err := c.do(addr, "POST", "/v1/events", eventBody(fmt.Sprintf("shared-%d", i)))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err != nil:
						t.Errorf("event shared-%d on %s: %v", i, addr, err)
					case status == 201:
						created[i]++
					case status != 200:
						t.Errorf("event shared-%d on %s = %d %s, want 201 or 200 (a replay)", i, addr, status, resp)
					}
				}()
			}
		}
		wg.Wait()
		fees := recorded(t, dbURL)
		for i := range ids {
			id := fmt.Sprintf("shared-%d", i)
			if created[i] != 1 || fees[id] != 1 {
				t.Errorf("event %s sent to three servers: %d answered 201, %d fees; want 1 and 1", id, created[i], fees[id])
			}
		}
	})
	checkVerify(t, dbURL)
}
