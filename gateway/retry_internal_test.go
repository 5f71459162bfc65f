package gateway

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// fakeRecorder fails each event id as many times as told, then records it.
type fakeRecorder struct {
	mu       sync.Mutex
	failures map[string]int
	err      error // what a failure returns
	calls    map[string]int
	callers  map[string]billing.Caller
}

func (f *fakeRecorder) record(ctx context.Context, in billing.UsageEventInput) (billing.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[in.ID]++
	f.callers[in.ID], _ = billing.CallerFrom(ctx)
	if f.failures[in.ID] > 0 {
		f.failures[in.ID]--
		return billing.Event{}, f.err
	}
	return billing.Event{ID: in.ID}, nil
}

func newFake(err error, failures map[string]int) *fakeRecorder {
	return &fakeRecorder{failures: failures, err: err, calls: map[string]int{}, callers: map[string]billing.Caller{}}
}

// An event the database could not take is recorded by a later attempt, for
// its caller, with its data; the queue empties.
func TestRetryQueueRecordsLater(t *testing.T) {
	t.Parallel()
	f := newFake(kernel.Errorf(kernel.EUnavailable, "the database is unreachable"), map[string]int{"openai:a": 2, "openai:b": 0})
	q := newRetryQueue(f.record, slog.New(slog.DiscardHandler))
	q.first, q.most = 5*time.Millisecond, 20*time.Millisecond
	c := billing.Caller{AccountID: "acct_1", Mode: billing.ModeLive}
	for _, id := range []string{"openai:a", "openai:b"} {
		if !q.add(c, billing.UsageEventInput{ID: id, Customer: "user_1", Data: map[string]any{"input_tokens": 3}}) {
			t.Fatalf("add(%s) = false", id)
		}
	}
	got := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for len(got) < 2 {
		select {
		case id := <-q.recorded:
			got[id] = true
		case <-deadline:
			t.Fatalf("recorded %v in 10 s, want both events", got)
		}
	}
	f.mu.Lock()
	calls, caller := f.calls["openai:a"], f.callers["openai:a"]
	f.mu.Unlock()
	if calls != 3 || caller != c {
		t.Errorf("openai:a: %d attempts as %+v, want 3 (two failures, then recorded) as %+v", calls, caller, c)
	}
	if n := q.len(); n != 0 {
		t.Errorf("%d events still waiting, want none", n)
	}
	q.close(context.Background())
}

// A refusal for good (invalid) or a conflict (recorded before) ends an
// event's retries; so does close, which logs what remains with its data, and
// after which nothing more is kept (it is logged instead).
func TestRetryQueueGivesUp(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	f := newFake(kernel.Errorf(kernel.EUnavailable, "down"), map[string]int{"openai:stuck": 1 << 30})
	q := newRetryQueue(f.record, log)
	q.first, q.most = time.Hour, time.Hour // no retry runs before close
	c := billing.Caller{AccountID: "acct_1", Mode: billing.ModeTest}
	q.add(c, billing.UsageEventInput{ID: "openai:stuck", Customer: "user_9", Data: map[string]any{"output_tokens": 77}})
	q.close(context.Background())
	if q.len() != 0 || !strings.Contains(logs.String(), "not recorded at shutdown") || !strings.Contains(logs.String(), "output_tokens:77") ||
		!strings.Contains(logs.String(), "user_9") {
		t.Errorf("after close: %d waiting, log:\n%s\nwant none waiting and the event logged with its data", q.len(), logs.String())
	}
	if q.add(c, billing.UsageEventInput{ID: "openai:late"}) || !strings.Contains(logs.String(), "openai:late") {
		t.Errorf("add after close kept the event or did not log it:\n%s", logs.String())
	}

	for _, err := range []error{kernel.Invalidf("customer", "no such customer"), kernel.Errorf(kernel.EConflict, "recorded before")} {
		f := newFake(err, map[string]int{"openai:x": 1 << 30})
		q := newRetryQueue(f.record, slog.New(slog.DiscardHandler))
		q.first, q.most = time.Hour, time.Hour // only the attempt below
		q.add(c, billing.UsageEventInput{ID: "openai:x"})
		q.attemptDue(time.Now().Add(2*time.Hour), false)
		f.mu.Lock()
		calls := f.calls["openai:x"]
		f.mu.Unlock()
		if q.len() != 0 || calls != 1 {
			t.Errorf("after %v: %d waiting, %d attempts; want none waiting after one attempt", err, q.len(), calls)
		}
		q.close(context.Background())
	}
}
