package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// CreateTestClock creates a test clock: a frozen time for the test-mode
// customers created on it.
func CreateTestClock(d Deps) Tool {
	return newTool(plansSet, "create_test_clock", "Create a test clock",
		"Test mode: a frozen time to watch plans renew. Customers created with test_clock live on its time; advance_test_clock moves it forward and runs what falls due (renewals, expiries, past_due → suspended). Idempotent under idempotency_key.",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateTestClockArgs) (wire.TestClockResult, error) {
			clk, replayed, err := d.Billing.Plans.CreateTestClock(ctx, in.ToInput())
			if err != nil {
				return wire.TestClockResult{}, err
			}
			r := wire.TestClockResult{TestClock: wire.FromTestClock(clk), Replayed: replayed}
			r.Summary = fmt.Sprintf("Test clock %s is at %s.", clk.ID, date(clk.FrozenTime))
			r.NextSteps = []string{
				fmt.Sprintf("create_customer with test_clock %q: the customer lives on the clock's time", clk.ID),
				fmt.Sprintf("advance_test_clock with test_clock %q and a later frozen_time to run what falls due", clk.ID),
			}
			return r, nil
		})
}

// GetTestClock reads a test clock: its time and whether it is still
// advancing.
func GetTestClock(d Deps) Tool {
	return newTool(plansSet, "get_test_clock", "Get a test clock",
		"Reads a test clock: its frozen time and status (advancing while the work that fell due runs, then ready).",
		readOnly,
		func(ctx context.Context, in wire.GetTestClockArgs) (wire.TestClockResult, error) {
			clk, err := d.Billing.Plans.GetTestClock(ctx, in.TestClock)
			if err != nil {
				return wire.TestClockResult{}, err
			}
			return clockResult(clk), nil
		})
}

// AdvanceTestClock moves a test clock forward.
func AdvanceTestClock(d Deps) Tool {
	return newTool(plansSet, "advance_test_clock", "Advance a test clock",
		"Moves a test clock forward to frozen_time (at most two intervals of its customers' longest plan) and runs, in time order, what falls due for its customers: renewals with allowances, expiries, past_due → suspended. Asking again for the same time changes nothing.",
		overwriting,
		func(ctx context.Context, in wire.AdvanceTestClockArgs) (wire.TestClockResult, error) {
			clk, err := d.Billing.Plans.AdvanceTestClock(ctx, in.TestClock, in.FrozenTime.Time)
			if err != nil {
				return wire.TestClockResult{}, err
			}
			return clockResult(clk), nil
		})
}

func clockResult(clk billing.TestClock) wire.TestClockResult {
	r := wire.TestClockResult{TestClock: wire.FromTestClock(clk)}
	if clk.Status == billing.TestClockAdvancing {
		r.Summary = fmt.Sprintf("Test clock %s is advancing from %s to %s; its customers' due work is running.", clk.ID, date(clk.FrozenTime), date(*clk.AdvanceTo))
		r.NextSteps = []string{fmt.Sprintf("get_test_clock with test_clock %q until its status is ready, then read the customers' subscriptions and wallets", clk.ID)}
		return r
	}
	r.Summary = fmt.Sprintf("Test clock %s is ready at %s.", clk.ID, date(clk.FrozenTime))
	return r
}
