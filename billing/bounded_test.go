package billing

import "testing"

// TestBoundedMapStartsAfresh: past its limit the map forgets everything;
// storing a key again or deleting one keeps the count right.
func TestBoundedMapStartsAfresh(t *testing.T) {
	m := boundedMap[string, int]{limit: 3}
	m.Store("a", 1)
	m.Store("a", 2) // the same key: not a new entry
	m.Store("b", 1)
	m.Delete("b")
	m.Store("c", 1)
	m.Store("d", 1)
	if v, ok := m.Load("a"); !ok || v != 2 {
		t.Fatalf("Load(a) = %d, %v; want 2 kept (3 entries at most)", v, ok)
	}
	m.Store("e", 1) // the fourth entry
	for _, k := range []string{"a", "c", "d", "e"} {
		if _, ok := m.Load(k); ok {
			t.Errorf("Load(%s) found after the map passed its limit, want it started afresh", k)
		}
	}
	m.Store("f", 1)
	if v, ok := m.Load("f"); !ok || v != 1 {
		t.Errorf("Load(f) = %d, %v after starting afresh", v, ok)
	}
}
