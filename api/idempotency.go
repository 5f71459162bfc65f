package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tollgatehq/tollgate/kernel"
)

// idempotent runs a POST that carries an Idempotency-Key (see the README's
// "Idempotency" section for the contract):
//
//   - the first request with a key runs; its response is stored with a hash of
//     method, path and body, scoped to the key's account and mode, for 24 h;
//   - a retry with the same key and request gets the stored status and body,
//     with Idempotent-Replayed: true, and nothing runs again;
//   - the same key with another request is 409 idempotency_key_reused;
//   - a retry while the first is still running is 409
//     idempotency_key_in_progress with Retry-After: 1 (it never runs twice);
//   - responses that never reached billing (a malformed body) and 5xx
//     responses are not stored: the key is released, and a retry runs.
func (s *server) idempotent(w http.ResponseWriter, r *http.Request, key string, body *requestBody, h handlerFunc) {
	ctx := r.Context()
	info := infoFrom(ctx)
	claim, err := s.keys.claim(ctx, key, requestHash(r, body))
	if kernel.ErrorCode(err) == kernel.EInvalid {
		err = badRequest("invalid_idempotency_key", "Idempotency-Key", kernel.ErrorMessage(err))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch claim.Outcome {
	case claimReplay:
		w.Header().Set("Idempotent-Replayed", "true")
		if ct := claim.Stored.ContentType; ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(claim.Stored.Status)
		w.Write(claim.Stored.Body)
		return
	case claimMismatch:
		s.fail(w, r, &apiError{status: http.StatusConflict, typ: typeIdempotency, code: "idempotency_key_reused", param: "Idempotency-Key",
			message: fmt.Sprintf("Idempotency-Key %q was already used for a different request (method, path or body) in the last 24 hours; use a new key for a new request", key)})
		return
	case claimInProgress:
		w.Header().Set("Retry-After", "1")
		s.fail(w, r, &apiError{status: http.StatusConflict, typ: typeIdempotency, code: "idempotency_key_in_progress", param: "Idempotency-Key",
			message: fmt.Sprintf("a request with Idempotency-Key %q is still in progress; retry in a moment to get its response", key)})
		return
	}

	rec := &recorder{ResponseWriter: w}
	settled := false
	defer func() {
		if !settled { // a panic: forget the key so that a retry runs
			if err := s.keys.release(ctx, claim); err != nil {
				info.log.Error("api idempotency release", "err", err)
			}
		}
	}()
	if err := h(rec, r); err != nil {
		s.fail(rec, r, err)
	}
	settled = true
	status := rec.statusCode()
	if status >= http.StatusInternalServerError || info.noStore {
		err = s.keys.release(ctx, claim)
	} else {
		err = s.keys.complete(ctx, claim, storedResponse{Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.buf.Bytes()})
	}
	if err != nil {
		info.log.Error("api idempotency store", "err", err)
	}
	if s.requests.Add(1)%1000 == 0 && s.pruning.CompareAndSwap(false, true) {
		go s.pruneKeys(context.WithoutCancel(ctx))
	}
}

// pruneKeys deletes a batch of expired keys. One keyed request in a thousand
// starts it, off the request's path and one at a time, so the table holds
// about a day of keys without a scheduler.
func (s *server) pruneKeys(ctx context.Context) {
	defer s.pruning.Store(false)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.keys.prune(ctx, 1000); err != nil {
		infoFrom(ctx).log.Error("api idempotency prune", "err", err)
	}
}

// requestHash fingerprints a request: method, path with query, and body. A
// JSON body is hashed in canonical form (keys sorted, numbers as written), so
// a retry that re-serialises the same object is the same request.
func requestHash(r *http.Request, body *requestBody) []byte {
	canonical := body.raw
	if body.err == nil {
		if b, err := json.Marshal(body.value); err == nil {
			canonical = b
		}
	}
	return kernel.Fingerprint('\n', r.Method, r.URL.RequestURI(), string(canonical))
}

// recorder passes a response through and keeps a copy to store.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recorder) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
