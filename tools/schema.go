package tools

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/wire"
)

// Direction says whether a schema describes a tool's arguments or its result.
type Direction int

// The two directions.
const (
	Input Direction = iota
	Output
)

// decimalPattern is the form of a decimal string.
const decimalPattern = `^-?[0-9]+(\.[0-9]+)?$`

// GenerateSchema returns the JSON Schema of a tool's argument or result type,
// as committed in schemas/. It is built with invopop/jsonschema, expanded
// (a root "type": "object" with its properties inline, no $ref or $defs: the
// TypeScript SDK inside Cursor and Claude Code rejects the whole tool list
// otherwise) and closed (additionalProperties false).
//
// It carries no "$schema": clients validate with whatever dialect they
// default to (Ajv's draft-07 in older TypeScript SDKs, 2020-12 in newer
// clients), and a declared dialect the client does not load makes it reject
// the tool. The schemas use only keywords both dialects share.
//
// Amounts are decimal strings; in arguments a JSON number is accepted too
// (read exactly), and the schema says so. The error lists every property
// that lacks a description, or an example when it is a scalar: an agent
// reads nothing else about an argument (booleans, objects and arrays need no
// example).
//
// The REST API's OpenAPI document uses these schemas as they are; a tool
// publishes Tool.schema's.
func GenerateSchema(t reflect.Type, dir Direction) ([]byte, error) {
	s, err := reflectSchema(t, dir)
	return marshalSchema(s, err)
}

// schema returns the schema the tool publishes (schemas/): GenerateSchema's,
// with its arguments compacted. Every tools/list puts the argument schemas
// into the model's context, so they carry only what the model cannot read
// elsewhere: the redundant examples are left out (compactExamples), and the
// arguments the tool shares with another tool of its set are described
// there only (Tool.sharing). The OpenAPI document is read on demand and keeps it all.
func (t Tool) schema(dir Direction) ([]byte, error) {
	if dir == Output {
		return GenerateSchema(t.Out, dir)
	}
	s, err := reflectSchema(t.In, dir)
	compactExamples(s, map[string]bool{})
	for _, name := range t.shared {
		p, ok := s.Properties.Get(name)
		if !ok {
			return nil, fmt.Errorf("%s: no argument %s to share with %s", t.Name, name, t.sharedWith)
		}
		desc := p.Description
		stripDocs(p)
		p.Description = joinDesc(desc, fmt.Sprintf("each as in %s's %s", t.sharedWith, name))
	}
	if t.confirm != nil {
		s.Properties.Set(ConfirmationTokenArg, &jsonschema.Schema{Type: "string",
			Description: "After the user's yes: the token a preview answer gave, with the same arguments"})
	}
	return marshalSchema(s, err)
}

func marshalSchema(s *jsonschema.Schema, err error) ([]byte, error) {
	b, merr := json.MarshalIndent(s, "", "  ")
	if merr != nil {
		return nil, merr
	}
	return append(b, '\n'), err
}

// reflectSchema builds the schema of t; the error lists what it lacks.
func reflectSchema(t reflect.Type, dir Direction) (*jsonschema.Schema, error) {
	r := &jsonschema.Reflector{
		ExpandedStruct: true,
		DoNotReference: true,
		Anonymous:      true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if t == reflect.TypeFor[wire.Decimal]() {
				return &jsonschema.Schema{Type: "string", Pattern: decimalPattern}
			}
			return nil
		},
	}
	s := r.ReflectFromType(t)
	s.Version = ""
	var problems []string
	if s.Type != "object" || s.Ref != "" {
		problems = append(problems, fmt.Sprintf("%s: the root must be an object", t))
	}
	if s.Properties == nil {
		s.Properties = jsonschema.NewProperties()
	}
	finish(s, "", dir, &problems)
	if len(problems) > 0 {
		return s, fmt.Errorf("schema of %s:\n  %s", t, strings.Join(problems, "\n  "))
	}
	return s, nil
}

// finish walks a schema: it rewrites decimals and times into their published
// form, adds the format to their descriptions, and records properties that
// lack a description or an example.
func finish(s *jsonschema.Schema, path string, dir Direction, problems *[]string) {
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			p := pair.Value
			at := pair.Key
			if path != "" {
				at = path + "." + pair.Key
			}
			p = describeFormat(p, dir)
			if dir == Input && (len(p.Enum) > 0 || p.Type == "boolean") {
				// The values are listed (or are true and false): an example
				// repeats one of them at every tools/list.
				p.Examples = nil
			}
			s.Properties.Set(pair.Key, p)
			if p.Description == "" {
				*problems = append(*problems, at+": no description")
			}
			if scalar(p) && len(p.Enum) == 0 && len(p.Examples) == 0 {
				*problems = append(*problems, at+": no example")
			}
			finish(p, at, dir, problems)
		}
	}
	if s.Items != nil {
		s.Items = describeFormat(s.Items, dir)
		finish(s.Items, path+"[]", dir, problems)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties != jsonschema.FalseSchema {
		s.AdditionalProperties = describeFormat(s.AdditionalProperties, dir)
		finish(s.AdditionalProperties, path+"{}", dir, problems)
	}
	for _, o := range s.OneOf {
		finish(o, path, dir, problems)
	}
}

// compactExamples drops the examples of a tool's arguments that tell the
// model nothing the schema does not already say, after finish has checked
// that the wire types carry them all:
//   - one with a format (date-time, email: the format is the form);
//   - an integer's (its description gives its range or default; an example
//     such as 20 or 0 only repeats it);
//   - an opaque id copied from another result (cursor, authorization_id,
//     lot_id, test_clock: the description says which);
//   - a name's, a description's or a reason's (words; the one name that is
//     a code, a wallet's, gives its characters in its description);
//   - an example already shown for a property of the same name and value
//     earlier in the schema (record_usage's one event and its events, a
//     price's asset and an entitlement's).
//
// seen holds the name=value pairs shown so far.
func compactExamples(s *jsonschema.Schema, seen map[string]bool) {
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			name, p := pair.Key, pair.Value
			if len(p.Examples) > 0 {
				ex, _ := json.Marshal(p.Examples)
				key := name + "=" + string(ex)
				if p.Format != "" || p.Type == "integer" || noExample[name] || seen[key] {
					p.Examples = nil
				}
				seen[key] = true
			}
			compactExamples(p, seen)
		}
	}
	if s.Items != nil {
		compactExamples(s.Items, seen)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties != jsonschema.FalseSchema {
		compactExamples(s.AdditionalProperties, seen)
	}
	for _, o := range s.OneOf {
		compactExamples(o, seen)
	}
}

// noExample are the argument names whose examples compactExamples drops
// whatever their type.
var noExample = map[string]bool{
	"cursor": true, "authorization_id": true, "lot_id": true, "test_clock": true, // opaque
	"name": true, "description": true, "reason": true, // words
}

// stripDocs removes every description and example under s, leaving the
// structure: names, types, formats, enums, required, closed objects.
func stripDocs(s *jsonschema.Schema) {
	s.Description, s.Examples = "", nil
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			stripDocs(pair.Value)
		}
	}
	if s.Items != nil {
		stripDocs(s.Items)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties != jsonschema.FalseSchema {
		stripDocs(s.AdditionalProperties)
	}
	for _, o := range s.OneOf {
		stripDocs(o)
	}
}

// scalar reports whether a property needs an example: strings, numbers,
// decimals and times do; a boolean's two values say it all, and objects and
// arrays are described by their own properties.
func scalar(s *jsonschema.Schema) bool {
	switch s.Type {
	case "string", "number", "integer":
		return true
	case "":
		return len(s.OneOf) > 0 // a decimal or a nullable time
	}
	return false
}

// describeFormat states a decimal's or a time's format in its description,
// and lets argument decimals be JSON numbers too.
func describeFormat(s *jsonschema.Schema, dir Direction) *jsonschema.Schema {
	switch {
	case s.Type == "string" && s.Pattern == decimalPattern:
		if dir == Output {
			s.Description = joinDesc(s.Description, `an exact decimal written as a string, such as "12.50"`)
			return s
		}
		// An argument is a plain string: its example shows the decimal
		// form, and a JSON number is still read exactly (the money-rules
		// resource says so), without a oneOf and a pattern at every amount
		// of tools/list. The wire decoder words the error for anything else.
		return &jsonschema.Schema{Type: "string", Description: s.Description, Examples: s.Examples}
	case s.Type == "string" && s.Format == "date-time" && !strings.Contains(s.Description, "RFC 3339"):
		if dir == Output {
			s.Description = joinDesc(s.Description, "an RFC 3339 date-time in UTC")
		} else {
			s.Description = joinDesc(s.Description, "RFC 3339")
		}
	}
	return s
}

func joinDesc(desc, format string) string {
	if desc == "" {
		return strings.ToUpper(format[:1]) + format[1:]
	}
	return strings.TrimSuffix(desc, ".") + "; " + format
}

// publishedOutput returns the result schema tools/list carries: the committed
// one (schemas/<tool>.output.json, documented for people and the OpenAPI
// document) reduced to what a client checks a result against. Every field
// stays, with its type, enum, nullability and nesting; the descriptions,
// examples, decimal patterns, date-time formats, required lists and closed
// objects go (the committed schema keeps them, and the tests hold every
// result to both).
//
// Why they can go: clients hand a model the input schema, never the output
// schema (the Anthropic and OpenAI tool formats have no place for it), and a
// result explains itself (summary, next_steps); clients use the output schema
// only to validate structuredContent. And why this and not shared $defs: no
// result schema repeats a structure within itself (a $defs entry would be
// used once), and MCP gives tools no definitions to share across the list.
// Measured on the default toolsets: tools/list was 138,947 bytes with the
// committed output schemas, most of it their documentation; 59,756 with
// the root's required list kept, 58,027 without it (go test ./tools -run
// TestToolListSize -v prints it now).
func publishedOutput(full []byte) json.RawMessage {
	var s any
	if err := json.Unmarshal(full, &s); err != nil {
		return full // a generated schema always decodes; TestToolDefinitions checks
	}
	b, err := json.Marshal(bareSchema(s))
	if err != nil {
		return full
	}
	return b
}

// bareSchema keeps a schema's structure: type, properties, items, enum,
// additionalProperties when it is a schema (a map's values); a nullable
// oneOf becomes a type list.
func bareSchema(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if one, ok := m["oneOf"].([]any); ok && len(one) == 2 {
		if null, _ := one[1].(map[string]any); null["type"] == "null" {
			x, _ := bareSchema(one[0]).(map[string]any)
			if t, ok := x["type"].(string); ok {
				x["type"] = []any{t, "null"}
				return x
			}
		}
	}
	out := map[string]any{}
	for k, val := range m {
		switch k {
		case "type", "enum":
			out[k] = val
		case "items":
			out[k] = bareSchema(val)
		case "additionalProperties":
			if val != false {
				out[k] = bareSchema(val)
			}
		case "oneOf":
			var alts []any
			for _, a := range val.([]any) {
				alts = append(alts, bareSchema(a))
			}
			out[k] = alts
		case "properties":
			props := map[string]any{}
			for name, p := range val.(map[string]any) {
				props[name] = bareSchema(p)
			}
			out[k] = props
		}
	}
	return out
}
