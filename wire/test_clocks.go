package wire

import (
	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/billing"
)

// TestClock is a frozen time that test-mode customers created on it live on.
type TestClock struct {
	ID         string  `json:"id" jsonschema_description:"Test clock id" jsonschema:"example=clock_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Name       string  `json:"name" jsonschema_description:"Your label" jsonschema:"example=renewals"`
	FrozenTime string  `json:"frozen_time" jsonschema_description:"The clock's time: what now is for its customers (RFC 3339, UTC)" jsonschema:"format=date-time,example=2027-01-01T00:00:00Z"`
	Status     string  `json:"status" jsonschema_description:"ready, or advancing while the work that fell due runs (its customers wait)" jsonschema:"enum=ready,enum=advancing,example=ready"`
	AdvanceTo  *string `json:"advance_to" jsonschema_description:"While advancing: the time it is advancing to; null when ready" jsonschema:"format=date-time,example=2027-02-01T00:00:00Z"`
	CreatedAt  string  `json:"created_at" jsonschema:"format=date-time,example=2026-12-07T18:00:00Z"`
	Livemode   bool    `json:"livemode" jsonschema_description:"Always false: test clocks exist in test mode only"`
}

// JSONSchemaExtend marks advance_to nullable, as it is whenever the clock is
// ready (the schema said a string; clients that validate results refused a
// ready clock).
func (TestClock) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableTime(s, "advance_to", "2027-02-01T00:00:00Z")
}

// FromTestClock maps a domain test clock.
func FromTestClock(c billing.TestClock) TestClock {
	return TestClock{ID: c.ID, Name: c.Name, FrozenTime: Time(c.FrozenTime), Status: c.Status, AdvanceTo: TimeP(c.AdvanceTo), CreatedAt: Time(c.CreatedAt)}
}

// CreateTestClockRequest creates a test clock: the body of POST
// /v1/test_clocks and create_test_clock's arguments.
type CreateTestClockRequest struct {
	IdempotencyKey string   `json:"idempotency_key" jsonschema_description:"Your unique id for this clock (1-200 chars); a retry returns the same clock" jsonschema:"example=clock-renewals-1"`
	Name           string   `json:"name,omitempty" jsonschema_description:"Label (≤200 chars)" jsonschema:"example=renewals"`
	FrozenTime     *TimeArg `json:"frozen_time,omitempty" jsonschema_description:"Start time, now to 2 years ahead; default now" jsonschema:"example=2027-01-01T00:00:00Z"`
}

// ToInput maps the request.
func (r CreateTestClockRequest) ToInput() billing.CreateTestClockInput {
	in := billing.CreateTestClockInput{IdempotencyKey: r.IdempotencyKey, Name: r.Name}
	if r.FrozenTime != nil {
		in.FrozenTime = r.FrozenTime.Time
	}
	return in
}

// AdvanceTestClockRequest moves a clock forward: the body of POST
// /v1/test_clocks/{id}/advance.
type AdvanceTestClockRequest struct {
	FrozenTime TimeArg `json:"frozen_time" jsonschema_description:"The new time: later, at most 2 intervals of the longest plan ahead" jsonschema:"example=2027-02-01T00:00:00Z"`
}

// TestClockArg names a test clock.
type TestClockArg struct {
	TestClock string `json:"test_clock" jsonschema_description:"Test clock id (clock_…)" jsonschema:"example=clock_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// GetTestClockArgs names the clock to read.
type GetTestClockArgs = TestClockArg

// AdvanceTestClockArgs are advance_test_clock's arguments.
type AdvanceTestClockArgs struct {
	TestClockArg
	AdvanceTestClockRequest
}

// TestClockResult is a test clock, as every test clock tool answers.
type TestClockResult struct {
	TestClock TestClock `json:"test_clock" jsonschema_description:"The clock"`
	Replayed  bool      `json:"replayed,omitempty" jsonschema_description:"true when a retry returned the clock created before" jsonschema:"example=false"`
	Guidance
}

// CreateTestClockArgs are create_test_clock's arguments.
type CreateTestClockArgs = CreateTestClockRequest
