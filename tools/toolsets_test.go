package tools

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEveryToolHasOneToolset holds the toolsets table to All: a new tool must
// be given a set, and the table must not name tools that do not exist.
func TestEveryToolHasOneToolset(t *testing.T) {
	exists := map[string]bool{}
	for _, tool := range Every(nil, nil, nil) {
		exists[tool.Name] = true
		set, ok := toolsetOf[tool.Name]
		if !ok {
			t.Errorf("tool %s belongs to no toolset: add it to the toolsets table (toolsetOf in tools/toolsets.go)", tool.Name)
			continue
		}
		if !knownToolset(set) {
			t.Errorf("tool %s is in toolset %q, which is not declared in toolsets", tool.Name, set)
		}
	}
	for name := range toolsetOf {
		if !exists[name] {
			t.Errorf("the toolsets table names %s, which is not a tool in All: remove it from toolsetOf", name)
		}
	}
}

func TestDefaultToolsetsFitTheBudget(t *testing.T) {
	n := 0
	for _, tool := range Every(nil, nil, nil) {
		if slices.Contains(DefaultToolsets(), toolsetOf[tool.Name]) {
			n++
		}
	}
	if n > 40 {
		t.Errorf("the default toolsets hold %d tools, want at most 40", n)
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

func TestToolListSize(t *testing.T) {
	var def []Tool
	for _, tool := range Every(nil, nil, nil) {
		if slices.Contains(DefaultToolsets(), toolsetOf[tool.Name]) {
			def = append(def, tool)
		}
	}
	t.Logf("default toolsets: %d tools, %d bytes; all: %d tools, %d bytes", len(def), listSize(def), len(Every(nil, nil, nil)), listSize(Every(nil, nil, nil)))
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
// descriptions shrink, never raise it past the limit.
const (
	maxDefaultTools = 40
	maxDefaultBytes = 24_600
)
