package gateway

// Settled is closed once no settlement of h runs after its answer.
func Settled(h *Handler) <-chan struct{} { return h.settling.idleSignal() }

// Closing is closed once h.Close has begun.
func Closing(h *Handler) <-chan struct{} { return h.settling.closing }

// OnAwait has h call f each time a call begins to wait for the settlement of
// an earlier call with its Idempotency-Key.
func OnAwait(h *Handler, f func()) {
	h.settling.mu.Lock()
	defer h.settling.mu.Unlock()
	h.settling.awaiting = f
}
