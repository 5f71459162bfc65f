package ratelimit

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// A key's bucket empties after its burst and refills at its rate; keys do
// not share buckets; a key's own limit replaces the default.
func TestPerKey(t *testing.T) {
	t.Parallel()
	k := New(1, 2)
	for i := range 2 {
		if ok, _, _ := k.Allow("a", 0, t0); !ok {
			t.Fatalf("Allow(a) #%d = false, want true within the burst of 2", i+1)
		}
	}
	ok, wait, burst := k.Allow("a", 0, t0)
	if ok || wait <= 0 || burst != 2 {
		t.Errorf("Allow(a) past the burst = %v, %v, %d, want false, a wait, burst 2", ok, wait, burst)
	}
	if ok, _, _ := k.Allow("b", 0, t0); !ok {
		t.Error("Allow(b) = false, want true: b has its own bucket")
	}
	if ok, _, _ := k.Allow("a", 0, t0.Add(time.Second)); !ok {
		t.Error("Allow(a) a second later = false, want true: one token refilled")
	}
	// The key's own limit of 10 a second has a burst of 20.
	for i := range 20 {
		if ok, _, burst := k.Allow("a", 10, t0.Add(time.Second)); !ok || burst != 20 {
			t.Fatalf("Allow(a, own 10) #%d = %v, burst %d, want true, burst 20", i+1, ok, burst)
		}
	}
	if ok, _, _ := k.Allow("a", 10, t0.Add(time.Second)); ok {
		t.Error("Allow(a, own 10) past its burst = true, want false")
	}
}

// Buckets idle longer than a refill are dropped, so memory follows the keys
// in use.
func TestPerKeySweepsIdle(t *testing.T) {
	t.Parallel()
	k := New(100, 0)
	k.Allow("a", 0, t0)
	k.Allow("b", 0, t0.Add(2*time.Minute))
	if _, ok := k.buckets["a"]; ok || len(k.buckets) != 1 {
		t.Errorf("buckets after a's idle minute = %v, want only b", k.buckets)
	}
}

// A nil PerKey (no limit) allows everything.
func TestOff(t *testing.T) {
	t.Parallel()
	if k := New(0, 10); k != nil {
		t.Fatalf("New(0, 10) = %v, want nil", k)
	}
	var k *PerKey
	if ok, _, _ := k.Allow("a", 0, t0); !ok {
		t.Error("nil PerKey refused a request")
	}
}
