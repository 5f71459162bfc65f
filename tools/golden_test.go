package tools

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgatehq/tollgate/schemas"
)

var update = flag.Bool("update", false, "rewrite the committed schemas (schemas/) and tool snapshots (tools/testdata/toolsnaps/) from the code")

const schemaDir = "../schemas"

// TestSchemasAreCurrent fails when a committed schema is missing or differs
// from what the Go types generate; -update rewrites them.
func TestSchemasAreCurrent(t *testing.T) {
	want := map[string]bool{}
	for _, tool := range All(Deps{}) {
		for _, d := range []struct {
			dir    Direction
			suffix string
		}{{Input, ".input.json"}, {Output, ".output.json"}} {
			file := tool.Name + d.suffix
			want[file] = true
			t.Run(file, func(t *testing.T) {
				got, err := tool.schema(d.dir)
				if err != nil {
					t.Error(err)
				}
				golden(t, filepath.Join(schemaDir, file), got)
			})
		}
	}
	files, _ := filepath.Glob(filepath.Join(schemaDir, "*.*put.json"))
	for _, f := range files {
		if name := filepath.Base(f); !want[name] {
			if *update {
				os.Remove(f)
				continue
			}
			t.Errorf("schemas/%s belongs to no tool in All; delete it or run go test ./tools -update", name)
		}
	}
}

// TestToolSnapshots pins what tools/list says about each tool besides its
// schemas: name, title, description, annotations and _meta (the MCP Apps
// view that draws its result, if any).
func TestToolSnapshots(t *testing.T) {
	want := map[string]bool{}
	for _, tool := range All(Deps{}) {
		file := tool.Name + ".json"
		want[file] = true
		t.Run(tool.Name, func(t *testing.T) {
			def := tool.Definition()
			var meta any // a nil *Meta would be written as null
			if def.Meta != nil {
				meta = def.Meta
			}
			snap := struct {
				Name        string `json:"name"`
				Title       string `json:"title"`
				Description string `json:"description"`
				Annotations any    `json:"annotations"`
				Meta        any    `json:"_meta,omitempty"`
			}{def.Name, def.Title, def.Description, def.Annotations, meta}
			b, err := json.MarshalIndent(snap, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "toolsnaps", file), append(b, '\n'))
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "toolsnaps", "*.json"))
	for _, f := range files {
		if name := filepath.Base(f); !want[name] {
			if *update {
				os.Remove(f)
				continue
			}
			t.Errorf("tools/testdata/toolsnaps/%s belongs to no tool in All; delete it or run go test ./tools -update", name)
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Fatalf("%s is missing: run go test ./tools -update and commit it", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale (-committed +generated):\n%s\nrun go test ./tools -update and commit it", path, diff)
	}
}

var toolName = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)

// TestToolDefinitions checks what clients rely on: short unique snake_case
// names (Cursor drops a tool whose server plus tool name passes 60
// characters), a title, every annotation set, and schemas that compile, are
// closed objects at every level and have no references.
func TestToolDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for _, tool := range All(Deps{}) {
		def := tool.Definition()
		if !toolName.MatchString(def.Name) || len(def.Name) > 40 || seen[def.Name] {
			t.Errorf("tool name %q: want unique snake_case, at most 40 characters", def.Name)
		}
		seen[def.Name] = true
		if def.Title == "" || def.Annotations.Title != def.Title || def.Description == "" {
			t.Errorf("%s: title %q, annotation title %q, description %q: want all set", def.Name, def.Title, def.Annotations.Title, def.Description)
		}
		a := def.Annotations
		if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil || *a.OpenWorldHint {
			t.Errorf("%s: annotations %+v: want all four hints set, openWorldHint false", def.Name, a)
		}
		if *a.ReadOnlyHint && *a.DestructiveHint {
			t.Errorf("%s: read-only and destructive at once", def.Name)
		}
		b, err := json.Marshal(def)
		if err != nil {
			t.Fatalf("%s: tools/list cannot encode it: %v", def.Name, err)
		}
		var wire struct {
			InputSchema  map[string]any `json:"inputSchema"`
			OutputSchema map[string]any `json:"outputSchema"`
		}
		if err := json.Unmarshal(b, &wire); err != nil {
			t.Fatal(err)
		}
		for dir, s := range map[string]map[string]any{"input": wire.InputSchema, "output": wire.OutputSchema} {
			if s["type"] != "object" {
				t.Errorf("%s %s schema: root type %v, want object", def.Name, dir, s["type"])
			}
			for _, k := range []string{"$ref", "$defs", "$schema", "$id"} {
				if _, ok := s[k]; ok {
					t.Errorf("%s %s schema has %s", def.Name, dir, k)
				}
			}
			if dir == "input" {
				checkClosed(t, def.Name+" "+dir, s) // a published output schema is open: see publishedOutput
			}
			if _, err := compileSchema(s); err != nil {
				t.Errorf("%s %s schema does not compile: %v", def.Name, dir, err)
			}
		}
		_, committed, _ := schemas.Tool(def.Name)
		var full map[string]any
		if err := json.Unmarshal(committed, &full); err != nil {
			t.Fatal(err)
		}
		checkClosed(t, def.Name+" committed output", full)
		if diff := cmp.Diff(fields(full, ""), fields(wire.OutputSchema, "")); diff != "" {
			t.Errorf("%s: the published output schema lost or changed fields of the committed one (-committed +published):\n%s", def.Name, diff)
		}
	}
}

// fields lists every field of a schema by its path, with its type (a
// nullable oneOf as its type or "null"), and its enum: what a published
// output schema must keep.
func fields(s map[string]any, at string) map[string]string {
	out := map[string]string{}
	typ := func(m map[string]any) string {
		if one, ok := m["oneOf"].([]any); ok && len(one) == 2 {
			return fmt.Sprint(one[0].(map[string]any)["type"], " or null")
		}
		if ts, ok := m["type"].([]any); ok && len(ts) == 2 && ts[1] == "null" {
			return fmt.Sprint(ts[0], " or null")
		}
		return fmt.Sprint(m["type"], m["enum"])
	}
	var walk func(m map[string]any, at string)
	walk = func(m map[string]any, at string) {
		if one, ok := m["oneOf"].([]any); ok && len(one) == 2 {
			m = one[0].(map[string]any)
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for name, p := range props {
				pm := p.(map[string]any)
				out[at+"."+name] = typ(pm)
				walk(pm, at+"."+name)
			}
		}
		if items, ok := m["items"].(map[string]any); ok {
			out[at+"[]"] = typ(items)
			walk(items, at+"[]")
		}
		if ap, ok := m["additionalProperties"].(map[string]any); ok {
			out[at+"{}"] = typ(ap)
			walk(ap, at+"{}")
		}
	}
	walk(s, at)
	return out
}

// checkClosed reports objects with properties that allow others.
func checkClosed(t *testing.T, at string, s map[string]any) {
	t.Helper()
	if props, ok := s["properties"].(map[string]any); ok {
		if s["additionalProperties"] != false {
			t.Errorf("%s: object without additionalProperties: false", at)
		}
		for name, p := range props {
			if m, ok := p.(map[string]any); ok {
				checkClosed(t, at+"."+name, m)
			}
		}
	}
	if items, ok := s["data"].(map[string]any); ok {
		checkClosed(t, at+"[]", items)
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		checkClosed(t, at+"{}", ap)
	}
}

func compileSchema(s any) (*jsonschema.Schema, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7) // the oldest dialect clients use; the 2020-12 check is in the TypeScript client test
	if err := c.AddResource("schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("schema.json")
}

// TestSharedArguments holds a tool that leaves the description of some
// arguments to another tool (Tool.sharing) to what makes that safe: the other
// tool exists, is in the same toolset and is read-only exactly when this one
// is, so every selection and read-only mode list both or neither; and each
// shared argument has the same schema in both before it is stripped.
func TestSharedArguments(t *testing.T) {
	byName := map[string]Tool{}
	for _, tool := range All(Deps{}) {
		byName[tool.Name] = tool
	}
	for _, tool := range byName {
		if tool.sharedWith == "" {
			continue
		}
		other, ok := byName[tool.sharedWith]
		if !ok {
			t.Errorf("%s shares arguments with %s, which is not a tool", tool.Name, tool.sharedWith)
			continue
		}
		if tool.Toolset != other.Toolset {
			t.Errorf("%s (toolset %s) shares arguments with %s (toolset %s): want one toolset, so both are listed together", tool.Name, tool.Toolset.Name, other.Name, other.Toolset.Name)
		}
		if tool.Annotations.ReadOnly != other.Annotations.ReadOnly {
			t.Errorf("%s and %s share arguments but only one is read-only: read-only mode would list one without the other", tool.Name, other.Name)
		}
		mine, err1 := reflectSchema(tool.In, Input)
		theirs, err2 := reflectSchema(other.In, Input)
		if err1 != nil || err2 != nil {
			t.Fatalf("reflectSchema = %v, %v", err1, err2)
		}
		for _, name := range tool.shared {
			a, okA := mine.Properties.Get(name)
			b, okB := theirs.Properties.Get(name)
			if !okA || !okB {
				t.Errorf("%s shares argument %s with %s: present in %s %v, in %s %v; want both", tool.Name, name, other.Name, tool.Name, okA, other.Name, okB)
				continue
			}
			shape := func(s any) string {
				b, _ := json.Marshal(s)
				var m map[string]any
				json.Unmarshal(b, &m)
				delete(m, "description") // each tool words the argument itself
				out, _ := json.Marshal(m)
				return string(out)
			}
			if diff := cmp.Diff(shape(b), shape(a)); diff != "" {
				t.Errorf("%s's %s differs from %s's (-%s +%s):\n%s", tool.Name, name, other.Name, other.Name, tool.Name, diff)
			}
		}
	}
}
