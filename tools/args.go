package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/billing"
)

// arguments returns a call's arguments as raw JSON per name, read from the
// request's original bytes so numbers stay exact. Absent or null arguments
// are an empty object.
func arguments(req mcpgo.CallToolRequest) (map[string]json.RawMessage, error) {
	var raw []byte
	switch v := req.GetRawArguments().(type) {
	case json.RawMessage:
		raw = v
	case nil:
	default: // an in-process caller's Go value
		b, err := json.Marshal(v)
		if err != nil {
			return nil, billing.Invalidf("arguments", "arguments must be a JSON object")
		}
		raw = b
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]json.RawMessage{}, nil
	}
	var args map[string]json.RawMessage
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, billing.Invalidf("arguments", "arguments must be a JSON object of named arguments, such as {\"customer\": \"user_123\"}")
	}
	return args, nil
}

// argField is one argument of a tool: a JSON name and where it goes.
type argField struct {
	name     string
	index    []int
	required bool
}

// argFields lists the arguments of an arguments struct by their JSON names,
// flattening embedded structs as encoding/json does. An argument is required
// unless its json tag says omitempty: the rule invopop/jsonschema applies, so
// the schema and the decoder agree.
func argFields(t reflect.Type) []argField {
	var out []argField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for _, sub := range argFields(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		optional := slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero")
		out = append(out, argField{name: name, index: []int{i}, required: !optional})
	}
	return out
}

// decodeArgs fills v from args, strictly: an unknown argument is refused with
// the list of known ones, a missing required one with its description, and a
// value of the wrong type with the field's name and what it must be. null
// counts as absent. Every error is billing.EInvalid naming the argument.
func decodeArgs(tool string, args map[string]json.RawMessage, fields []argField, docs map[string]string, v reflect.Value) error {
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.name
	}
	var unknown []string
	for name := range args {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return unknownArgument(tool, unknown[0], known)
	}
	for _, f := range fields {
		raw, ok := args[f.name]
		if !ok || string(bytes.TrimSpace(raw)) == "null" {
			if f.required {
				return billing.Invalidf(f.name, "%s is required%s", f.name, withDoc(docs[f.name]))
			}
			continue
		}
		if err := decodeValue(f.name, raw, v.FieldByIndex(f.index)); err != nil {
			return err
		}
	}
	return nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// decodeValue fills v from raw as strictly as decodeArgs does at the top
// level, naming the value by its path (prices[0].tiers[1].up_to) in every
// error: objects refuse unknown fields and need their required ones, and
// numbers in free-form values (event data) stay json.Number, exact.
func decodeValue(path string, raw json.RawMessage, v reflect.Value) error {
	t := v.Type()
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			return billing.Invalidf(path, "%s", typeProblem(path, t, err))
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := decodeValue(path, raw, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			return billing.Invalidf(path, "%s must be an object, not a JSON %s", path, jsonKind(raw))
		}
		return decodeObject(path, obj, argFields(t), v)
	case reflect.Slice:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return billing.Invalidf(path, "%s must be an array, not a JSON %s", path, jsonKind(raw))
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			if err := decodeValue(fmt.Sprintf("%s[%d]", path, i), item, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if !needsWalk(t.Elem()) {
			break
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return billing.Invalidf(path, "%s must be an object, not a JSON %s", path, jsonKind(raw))
		}
		m := reflect.MakeMapWithSize(t, len(obj))
		for k, item := range obj {
			e := reflect.New(t.Elem()).Elem()
			if err := decodeValue(path+"."+k, item, e); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		v.Set(m)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v.Addr().Interface()); err != nil {
		return billing.Invalidf(path, "%s", typeProblem(path, t, err))
	}
	return nil
}

// needsWalk reports whether values of t hold objects decodeValue must check
// field by field.
func needsWalk(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(unmarshalerType)
}

// decodeObject fills the struct v from a nested object's fields.
func decodeObject(path string, obj map[string]json.RawMessage, fields []argField, v reflect.Value) error {
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.name
	}
	var unknown []string
	for name := range obj {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		hint := ""
		if near := nearest(unknown[0], known); near != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", near)
		}
		return billing.Invalidf(path+"."+unknown[0], "%s has no field %q%s; its fields are %s", path, unknown[0], hint, strings.Join(known, ", "))
	}
	for _, f := range fields {
		raw, ok := obj[f.name]
		if !ok || string(bytes.TrimSpace(raw)) == "null" {
			if f.required {
				return billing.Invalidf(path+"."+f.name, "%s.%s is required", path, f.name)
			}
			continue
		}
		if err := decodeValue(path+"."+f.name, raw, v.FieldByIndex(f.index)); err != nil {
			return err
		}
	}
	return nil
}

// jsonKind names the kind of a JSON value, for messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func withDoc(doc string) string {
	if doc == "" {
		return ""
	}
	return ": " + doc
}

func unknownArgument(tool, name string, known []string) error {
	if len(known) == 0 {
		return billing.Invalidf(name, "unknown argument %q: %s takes no arguments; call it with {}", name, tool)
	}
	hint := ""
	if near := nearest(name, known); near != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	return billing.Invalidf(name, "unknown argument %q%s: %s takes only %s", name, hint, tool, strings.Join(known, ", "))
}

// typeProblem says what is wrong with an argument's value, in words an agent
// can act on.
func typeProblem(name string, t reflect.Type, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if t.Kind() == reflect.Map && te.Type == t.Elem() {
			return fmt.Sprintf("every value of %s must be %s, not a JSON %s", name, kindName(te.Type), te.Value)
		}
		return fmt.Sprintf("%s must be %s, not a JSON %s", name, kindName(te.Type), te.Value)
	}
	// The other errors come from our own UnmarshalJSON methods (wire.Decimal,
	// wire.TimeArg), which word them for agents already.
	return name + " " + err.Error()
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "of type " + t.String()
}

// nearest returns the known name closest to name when it is close enough to
// be a typo, else "".
func nearest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// propertyDocs reads each argument's description (and first example) from an
// input schema, for the message about a missing required argument.
func propertyDocs(schema []byte) map[string]string {
	var s struct {
		Properties map[string]struct {
			Description string `json:"description"`
			Examples    []any  `json:"examples"`
		} `json:"properties"`
	}
	docs := map[string]string{}
	if json.Unmarshal(schema, &s) != nil {
		return docs
	}
	for name, p := range s.Properties {
		d := p.Description
		if len(p.Examples) > 0 {
			if ex, err := json.Marshal(p.Examples[0]); err == nil {
				d += fmt.Sprintf(" (e.g. %s)", ex)
			}
		}
		docs[name] = d
	}
	return docs
}
