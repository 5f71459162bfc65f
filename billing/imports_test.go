package billing_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoAdapters keeps the domain free of its adapters: main builds the
// payment providers (payments/stripe, on stripe-go) and the job queue
// (jobs, on River) and hands them in behind interfaces billing owns
// (payments.Provider and payments.Connector, billing.JobQueue), so neither
// SDK is reachable from billing, even through another package.
func TestNoAdapters(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("LookPath(go) = %v; the import check runs go list", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/tollgatehq/tollgate/billing/...").Output()
	if err != nil {
		t.Fatalf("go list -deps ./billing/... = %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/stripe/stripe-go", "github.com/riverqueue/river", "github.com/tollgatehq/tollgate/payments/stripe", "github.com/tollgatehq/tollgate/jobs"} {
			if p == banned || strings.HasPrefix(p, banned+"/") {
				t.Errorf("billing depends on %s; main builds that adapter and hands it in", p)
			}
		}
	}
}
