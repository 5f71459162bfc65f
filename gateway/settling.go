package gateway

import (
	"context"
	"sync"

	"github.com/tollgatehq/tollgate/billing"
)

// maxSettling bounds the settlements that run after their answers ended. Past
// it a call settles before its answer ends, as it would without them, so a
// database slower than the calls slows the callers down instead of piling up
// work in memory.
const maxSettling = 1024

// settlements tracks the settlements (usage recorded with the hold, or the
// hold voided, then a customer key's day settled) that run after their calls'
// answers ended, off the callers' latency: Close waits for them, and a call
// that retries an Idempotency-Key waits for the settlement of the call before
// it (see await).
type settlements struct {
	mu sync.Mutex
	n  int
	// idle is closed while none runs; a new one is made when one starts.
	idle chan struct{}
	// closing is closed when Close begins; from then on calls settle before
	// their answers end (nothing would wait for them).
	closing chan struct{}
	closed  bool
	// byKey holds, per account, mode and Idempotency-Key, a channel closed
	// when the settlement of that key's latest call ends.
	byKey map[string]chan struct{}
	// awaiting, when set, is called as a call begins to wait for an earlier
	// call's settlement; for tests.
	awaiting func()
}

func newSettlements() *settlements {
	idle := make(chan struct{})
	close(idle)
	return &settlements{idle: idle, closing: make(chan struct{}), byKey: map[string]chan struct{}{}}
}

// idempotencyKey names a caller's Idempotency-Key in its account and mode, as
// the holds' idempotency keys are scoped; "" without one.
func idempotencyKey(ctx context.Context, key string) string {
	if key == "" {
		return ""
	}
	c, _ := billing.CallerFrom(ctx)
	return c.AccountID + "\x00" + string(c.Mode) + "\x00" + key
}

// start registers a settlement that will run after its answer, under the
// call's idempotency key (may be ""), and returns the function to call when
// it ends. It reports false when the settlement must run now, before the
// answer ends: the gateway is closing, or maxSettling run already.
func (s *settlements) start(key string) (done func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.n >= maxSettling {
		return nil, false
	}
	s.n++
	if s.n == 1 {
		s.idle = make(chan struct{})
	}
	var ended chan struct{}
	if key != "" {
		ended = make(chan struct{})
		s.byKey[key] = ended
	}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if ended != nil {
			close(ended)
			if s.byKey[key] == ended {
				delete(s.byKey, key)
			}
		}
		s.n--
		if s.n == 0 {
			close(s.idle)
		}
	}, true
}

// await waits, at most settleTimeout and while ctx allows, for the settlement
// of the last call made with key in this process, so that a retry finds that
// call's hold as it ended: captured (the retry is 409) or voided (it holds
// anew), not still active.
func (s *settlements) await(ctx context.Context, key string) {
	if key == "" {
		return
	}
	s.mu.Lock()
	ended, hook := s.byKey[key], s.awaiting
	s.mu.Unlock()
	if ended == nil {
		return
	}
	if hook != nil {
		hook()
	}
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	select {
	case <-ended:
	case <-ctx.Done():
	}
}

// close makes every later settlement run before its answer ends, and waits
// while ctx allows for those running; it reports how many still run.
func (s *settlements) close(ctx context.Context) int {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return 0
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// idleSignal is closed once no settlement runs (for tests).
func (s *settlements) idleSignal() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idle
}
