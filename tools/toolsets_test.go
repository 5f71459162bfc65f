package tools

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEveryToolHasAKnownToolset: the set a tool names is one list_toolsets
// shows (a set declared but left out of toolsets would hide its tools), and
// every declared set has a tool.
func TestEveryToolHasAKnownToolset(t *testing.T) {
	used := map[string]bool{}
	for _, tool := range All(Deps{}) {
		used[tool.Toolset.Name] = true
		if i := slices.IndexFunc(toolsets, func(s Toolset) bool { return s.Name == tool.Toolset.Name }); i < 0 || toolsets[i] != tool.Toolset {
			t.Errorf("tool %s is in toolset %+v, which is not one of toolsets (tools/toolsets.go)", tool.Name, tool.Toolset)
		}
	}
	for _, s := range toolsets {
		if !used[s.Name] {
			t.Errorf("toolset %s has no tool", s.Name)
		}
	}
}

func TestDefaultToolsetsFitTheBudget(t *testing.T) {
	if n := len(Select(All(Deps{}), DefaultToolsets(), false)); n > 40 {
		t.Errorf("the default toolsets hold %d tools, want at most 40", n)
	}
}

func TestSelect(t *testing.T) {
	all := All(Deps{})
	names := func(ts []Tool) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return out
	}
	if got := Select(all, []string{AllToolsets}, false); len(got) != len(all) {
		t.Errorf("Select(all) = %d tools, want all %d", len(got), len(all))
	}
	want := []string{"whoami", "get_profitability", "simulate_repricing"}
	if diff := cmp.Diff(want, names(Select(all, []string{"reports"}, true))); diff != "" {
		t.Errorf("Select(reports, read-only) (-want +got):\n%s", diff)
	}
	want = []string{"whoami", "get_profitability", "simulate_repricing", "set_profitability_dimensions"}
	if diff := cmp.Diff(want, names(Select(all, []string{"reports"}, false))); diff != "" {
		t.Errorf("Select(reports) (-want +got):\n%s", diff)
	}
}

func TestParseToolsets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", DefaultToolsets()},
		{"default", DefaultToolsets()},
		{"all", []string{"all"}},
		{"catalog, usage,catalog", []string{"account", "catalog", "usage"}},
		{"reports,all", []string{"all"}},
		{"account,reports", []string{"account", "reports"}},
	} {
		got, err := ParseToolsets(tc.in)
		if err != nil {
			t.Errorf("ParseToolsets(%q) = %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseToolsets(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	if _, err := ParseToolsets("catalog,bogus"); err == nil {
		t.Errorf("ParseToolsets(bogus) = nil error, want one naming the known sets")
	}
}

// listSize is what a model reads of tools/list for these tools: the bytes of
// each name, description and input schema.
func listSize(ts []Tool) int {
	n := 0
	for _, tool := range ts {
		def := tool.Definition()
		var schema bytes.Buffer
		if err := json.Compact(&schema, def.RawInputSchema); err != nil {
			panic(err)
		}
		n += len(def.Name) + len(def.Description) + schema.Len()
	}
	return n
}

// fullListSize is the bytes of a tools/list answer holding these tools: every
// field of each definition, the output schemas included.
func fullListSize(ts []Tool) int {
	defs := make([]any, len(ts))
	for i, tool := range ts {
		defs[i] = tool.Definition()
	}
	b, err := json.Marshal(map[string]any{"tools": defs})
	if err != nil {
		panic(err)
	}
	return len(b)
}

func TestToolListSize(t *testing.T) {
	def := Select(All(Deps{}), DefaultToolsets(), false)
	t.Logf("default toolsets: %d tools, %d bytes; all: %d tools, %d bytes", len(def), listSize(def), len(All(Deps{})), listSize(All(Deps{})))
	t.Logf("whole tools/list: default toolsets %d bytes, all %d bytes", fullListSize(def), fullListSize(All(Deps{})))
	if n := fullListSize(def); n > maxDefaultListBytes {
		t.Errorf("the default toolsets' whole tools/list (output schemas included) is %d bytes, want at most %d (issue 29): see publishedOutput", n, maxDefaultListBytes)
	}
	if maxDefaultBytes > 25_600 {
		t.Errorf("maxDefaultBytes = %d: issue 20 allows at most 25,600 bytes", maxDefaultBytes)
	}
	if len(def) > maxDefaultTools {
		t.Errorf("the default toolsets list %d tools, want at most %d: move a tool to a non-default set", len(def), maxDefaultTools)
	}
	if n := listSize(def); n > maxDefaultBytes {
		t.Errorf("the default toolsets' tools/list is %d bytes, want at most %d: shorten descriptions or move detail into a tollgate://docs resource", n, maxDefaultBytes)
	}
}

// The default sets' budget. Issue 20 allows at most 40 tools and 25 KB
// (25,600 bytes); maxDefaultBytes is a ratchet below that: lower it as
// descriptions shrink, never raise it past the limit. Issue 29 raised
// it by 120 bytes for create_adjustment's confirmation_token.
const (
	maxDefaultTools = 40
	maxDefaultBytes = 24_720
	// maxDefaultListBytes bounds the whole answer, output schemas included:
	// issue 29 asks for at most 60 KB (it was 138,947 bytes).
	maxDefaultListBytes = 60_000
)
