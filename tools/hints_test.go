package tools

import (
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// Every fix the domain can name is worded for agents, in terms of tools.
func TestHintsWordEveryAction(t *testing.T) {
	t.Parallel()
	for _, a := range billing.Actions {
		if h := hints[a]; h == "" || strings.Contains(h, "/v1/") {
			t.Errorf("action %q: tool hint %q, want one that names a tool", a, h)
		}
	}
	if len(hints) != len(billing.Actions) {
		t.Errorf("%d hints for %d actions", len(hints), len(billing.Actions))
	}
}
