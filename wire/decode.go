package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tollgatehq/tollgate/kernel"
)

// The one strict decoder of request bodies (REST) and tool arguments (MCP).
// A body is parsed once, by ParseJSON, into the plain values encoding/json
// produces (numbers kept as json.Number, exact); Decode then fills a request
// type from that tree, refusing what the type does not describe. Each
// surface turns a *DecodeError into its own error shape.

// ErrTrailing is ParseJSON's error for text that holds more than one JSON
// value.
var ErrTrailing = errors.New("more than one JSON value")

// Limits every request body and tool argument object keeps (see
// checkLimits); the domain bounds its own fields further (lengths of ids,
// event data, amounts).
const (
	MaxDepth       = 8     // nesting of objects and arrays
	MaxStringBytes = 16384 // one string, or one object key
	MaxObjectKeys  = 256   // keys of one object
	MaxArrayItems  = 1000  // items of one array (a batch holds at most 1000 events)
)

// LimitError is ParseJSON's error for JSON that is valid but breaks a limit:
// it names the value (Path) and the limit.
type LimitError struct {
	Path    string
	Problem string
}

func (e *LimitError) Error() string { return fmt.Sprintf("%s %s", name(e.Path), e.Problem) }

// ParseJSON reads one JSON value exactly: numbers stay json.Number, never
// float64. Text after the value is ErrTrailing; invalid JSON is the
// encoding/json error; text that is not UTF-8, a NUL character in a string,
// or JSON deeper, longer or wider than the limits above is a *LimitError.
func ParseJSON(b []byte) (any, error) {
	if !utf8.Valid(b) {
		return nil, &LimitError{Problem: "is not valid UTF-8; send JSON encoded as UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrTrailing
	}
	if err := checkLimits("", v, 0); err != nil {
		return nil, err
	}
	if bytes.Contains(b, []byte(`\u`)) {
		sc := surrogateScan{b: b}
		if path, lone := sc.value(""); lone {
			return nil, &LimitError{path, "holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without the other half of its pair), which is no character; send the character itself, or both halves of its pair (such as \\ud83d\\ude00)"}
		}
	}
	return v, nil
}

// surrogateScan finds the first string of a valid JSON text that holds a
// \u escape of half a UTF-16 surrogate pair without the other half:
// encoding/json would read it as U+FFFD and the value would be stored
// changed, so ParseJSON refuses it, for every field of every request, here.
// It runs only on texts that hold a \u escape.
type surrogateScan struct {
	b []byte
	i int
}

func (s *surrogateScan) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// value reads the value at s.i and returns the path of the first string in
// it that holds a lone surrogate (lone is then true).
func (s *surrogateScan) value(path string) (at string, lone bool) {
	s.space()
	switch s.b[s.i] {
	case '{':
		s.i++
		for {
			s.space()
			switch s.b[s.i] {
			case '}':
				s.i++
				return "", false
			case ',':
				s.i++
				s.space()
			}
			start := s.i
			loneKey := s.str()
			var key string
			_ = json.Unmarshal(s.b[start:s.i], &key) // a valid JSON string
			if loneKey {
				return join(path, key), true
			}
			s.space()
			s.i++ // the colon
			if at, lone := s.value(join(path, key)); lone {
				return at, true
			}
		}
	case '[':
		s.i++
		for n := 0; ; n++ {
			s.space()
			switch s.b[s.i] {
			case ']':
				s.i++
				return "", false
			case ',':
				s.i++
			}
			if at, lone := s.value(fmt.Sprintf("%s[%d]", path, n)); lone {
				return at, true
			}
		}
	case '"':
		return path, s.str()
	default: // a number, true, false or null
		for s.i < len(s.b) && !strings.ContainsRune(",]} \t\n\r", rune(s.b[s.i])) {
			s.i++
		}
	}
	return "", false
}

// str reads the string at s.i and reports whether it holds a lone surrogate.
func (s *surrogateScan) str() (lone bool) {
	s.i++ // the opening quote
	for {
		switch s.b[s.i] {
		case '"':
			s.i++
			return lone
		case '\\':
			if s.b[s.i+1] != 'u' {
				s.i += 2
				continue
			}
			r := s.hex(s.i + 2)
			s.i += 6
			switch {
			case r >= 0xD800 && r <= 0xDBFF:
				if s.i+6 <= len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					if low := s.hex(s.i + 2); low >= 0xDC00 && low <= 0xDFFF {
						s.i += 6
						continue
					}
				}
				lone = true
			case r >= 0xDC00 && r <= 0xDFFF:
				lone = true
			}
		default:
			s.i++
		}
	}
}

// hex reads the four hex digits at i (valid JSON has them after \u).
func (s *surrogateScan) hex(i int) rune {
	n, _ := strconv.ParseUint(string(s.b[i:i+4]), 16, 32)
	return rune(n)
}

// checkLimits walks a parsed value and reports the first limit it breaks.
func checkLimits(path string, v any, depth int) *LimitError {
	switch x := v.(type) {
	case string:
		return checkString(path, x)
	case map[string]any:
		if depth >= MaxDepth {
			return &LimitError{path, fmt.Sprintf("is nested too deeply: requests nest objects and arrays at most %d levels", MaxDepth)}
		}
		if len(x) > MaxObjectKeys {
			return &LimitError{path, fmt.Sprintf("has %d keys; an object has at most %d", len(x), MaxObjectKeys)}
		}
		for _, k := range sortedKeys(x) {
			if err := checkString(join(path, k), k); err != nil {
				err.Problem = "(a key) " + err.Problem
				return err
			}
			if err := checkLimits(join(path, k), x[k], depth+1); err != nil {
				return err
			}
		}
	case []any:
		if depth >= MaxDepth {
			return &LimitError{path, fmt.Sprintf("is nested too deeply: requests nest objects and arrays at most %d levels", MaxDepth)}
		}
		if len(x) > MaxArrayItems {
			return &LimitError{path, fmt.Sprintf("has %d items; an array has at most %d", len(x), MaxArrayItems)}
		}
		for i, e := range x {
			if err := checkLimits(fmt.Sprintf("%s[%d]", path, i), e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkString(path, s string) *LimitError {
	if len(s) > MaxStringBytes {
		return &LimitError{path, fmt.Sprintf("is %d bytes long; a string has at most %d", len(s), MaxStringBytes)}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return &LimitError{path, "contains a NUL character (\\u0000), which no field accepts; remove it"}
	}
	return nil
}

// DecodeErrorKind says what Decode found wrong.
type DecodeErrorKind int

// The kinds of decode error.
const (
	// UnknownField is a field the type does not have.
	UnknownField DecodeErrorKind = iota + 1
	// MissingField is a required field that is absent or null.
	MissingField
	// WrongType is a value of the wrong JSON type (a string for a number).
	WrongType
	// BadValue is a value the type's own UnmarshalJSON refused (a decimal
	// out of bounds, a malformed time); Err says why.
	BadValue
)

// DecodeError says which value of a request is wrong and how. Its Error
// words it for any reader; surfaces may word the kinds they name (unknown
// and missing top-level fields) their own way.
type DecodeError struct {
	Kind DecodeErrorKind
	// Path names the value at fault, such as prices[0].unit_amout; "" is
	// the whole request.
	Path string
	// Object is the path of the object holding an unknown or missing field
	// ("" at the top), Field that field's name.
	Object, Field string
	// Known lists the object's fields in declaration order and Suggest the
	// one an unknown field is likely a typo of ("" when none is close).
	Known   []string
	Suggest string
	// Type is the Go type the value must fit; InMap is set when the value
	// is one of a map's values.
	Type  reflect.Type
	InMap bool
	// Value is the value as sent (as ParseJSON returns it).
	Value any
	// Err is the type's own error for BadValue: a *kernel.Error with code
	// invalid for a value out of billing's bounds.
	Err error
}

func (e *DecodeError) Error() string {
	switch e.Kind {
	case UnknownField:
		hint := ""
		if e.Suggest != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", e.Suggest)
		}
		if e.Object == "" {
			return fmt.Sprintf("unknown field %q%s; the fields are %s", e.Field, hint, strings.Join(e.Known, ", "))
		}
		return fmt.Sprintf("%s has no field %q%s; its fields are %s", e.Object, e.Field, hint, strings.Join(e.Known, ", "))
	case MissingField:
		return e.Path + " is required"
	case WrongType:
		if e.InMap {
			return fmt.Sprintf("every value of %s must be %s, not a JSON %s", e.Object, KindName(e.Type), JSONKind(e.Value))
		}
		return fmt.Sprintf("%s must be %s, not a JSON %s", name(e.Path), KindName(e.Type), JSONKind(e.Value))
	}
	var be *kernel.Error
	if errors.As(e.Err, &be) {
		return fmt.Sprintf("%s: %s", name(e.Path), be.Message)
	}
	return fmt.Sprintf("%s %v", name(e.Path), e.Err)
}

// Unwrap returns the type's own error of a BadValue.
func (e *DecodeError) Unwrap() error { return e.Err }

func name(path string) string {
	if path == "" {
		return "the request"
	}
	return path
}

// Decode fills dst, a pointer to a struct, from v, a JSON value as ParseJSON
// returns it, strictly: an object may hold only the fields its type has (at
// any depth, named by path), every value must have the right JSON type, and
// null leaves the zero value. With required, a field whose json tag lacks
// omitempty (the rule invopop/jsonschema applies, so the schema and the
// decoder agree) must be present and not null. Values of types with their
// own UnmarshalJSON (Decimal, TimeArg) are read by it; time.Time is read as
// TimeArg. Free-form values (any) keep json.Number. The error is a
// *DecodeError.
func Decode(v any, dst any, required bool) error {
	d := decoder{required: required}
	if err := d.value("", v, reflect.ValueOf(dst).Elem()); err != nil {
		return err
	}
	return nil
}

type decoder struct{ required bool }

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

func (d decoder) value(path string, v any, dst reflect.Value) *DecodeError {
	if v == nil {
		return nil // null leaves the zero value
	}
	t := dst.Type()
	wrong := func() *DecodeError { return &DecodeError{Kind: WrongType, Path: path, Type: t, Value: v} }
	if t == timeType {
		b, _ := json.Marshal(v)
		var ta TimeArg
		if err := ta.UnmarshalJSON(b); err != nil {
			return &DecodeError{Kind: BadValue, Path: path, Type: t, Value: v, Err: err}
		}
		dst.Set(reflect.ValueOf(ta.Time))
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		b, _ := json.Marshal(v) // writes a json.Number as sent
		if err := dst.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(b); err != nil {
			return &DecodeError{Kind: BadValue, Path: path, Type: t, Value: v, Err: err}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := d.value(path, v, p.Elem()); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.Interface:
		if !reflect.TypeOf(v).AssignableTo(t) {
			return wrong()
		}
		dst.Set(reflect.ValueOf(v))
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong()
		}
		return d.object(path, m, dst)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong()
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for _, k := range sortedKeys(m) {
			e := reflect.New(t.Elem()).Elem()
			if err := d.value(join(path, k), m[k], e); err != nil {
				if err.Kind == WrongType && err.Path == join(path, k) {
					err.InMap, err.Object = true, path
				}
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		dst.Set(out)
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return wrong()
		}
		out := reflect.MakeSlice(t, len(a), len(a))
		for i, x := range a {
			if err := d.value(fmt.Sprintf("%s[%d]", path, i), x, out.Index(i)); err != nil {
				return err
			}
		}
		dst.Set(out)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return wrong()
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return wrong()
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return wrong()
		}
		i, err := strconv.ParseInt(string(n), 10, t.Bits())
		if err != nil {
			return wrong()
		}
		dst.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return wrong()
		}
		i, err := strconv.ParseUint(string(n), 10, t.Bits())
		if err != nil {
			return wrong()
		}
		dst.SetUint(i)
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return wrong()
		}
		f, err := strconv.ParseFloat(string(n), t.Bits())
		if err != nil {
			return wrong()
		}
		dst.SetFloat(f)
	default:
		return wrong()
	}
	return nil
}

// object fills the struct dst from an object's fields: the unknown field
// first (the least by name, so the error is deterministic), then each field
// in declaration order.
func (d decoder) object(path string, m map[string]any, dst reflect.Value) *DecodeError {
	fields, known := fieldsOf(dst.Type())
	for k := range m {
		if !slices.Contains(known, k) {
			k = firstUnknown(m, known)
			return &DecodeError{Kind: UnknownField, Path: join(path, k), Object: path, Field: k, Known: slices.Clone(known), Suggest: nearest(k, known)}
		}
	}
	for _, f := range fields {
		v := m[f.Name]
		if v == nil {
			if d.required && f.Required {
				return &DecodeError{Kind: MissingField, Path: join(path, f.Name), Object: path, Field: f.Name, Known: slices.Clone(known)}
			}
			continue
		}
		if err := d.value(join(path, f.Name), v, dst.FieldByIndex(f.Index)); err != nil {
			return err
		}
	}
	return nil
}

// firstUnknown is the least key of m (by name) that is not in known.
func firstUnknown(m map[string]any, known []string) string {
	for _, k := range sortedKeys(m) {
		if !slices.Contains(known, k) {
			return k
		}
	}
	return ""
}

// typeFields are a struct's Fields and their names, worked out once per type:
// every request decodes through them.
var typeFields sync.Map // reflect.Type → typeFieldsOf

type typeFieldsOf struct {
	fields []Field
	names  []string
}

// fieldsOf returns Fields(t) and their names, shared: read them, never change them.
func fieldsOf(t reflect.Type) ([]Field, []string) {
	if v, ok := typeFields.Load(t); ok {
		tf := v.(typeFieldsOf)
		return tf.fields, tf.names
	}
	tf := typeFieldsOf{fields: Fields(t)}
	for _, f := range tf.fields {
		tf.names = append(tf.names, f.Name)
	}
	typeFields.Store(t, tf)
	return tf.fields, tf.names
}

// Field is one JSON field of a request type.
type Field struct {
	Name     string
	Index    []int
	Required bool // the json tag has no omitempty or omitzero
}

// Fields lists a struct's JSON fields in declaration order, embedded structs
// flattened as encoding/json does.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for _, sub := range Fields(f.Type) {
				if slices.ContainsFunc(out, func(o Field) bool { return o.Name == sub.Name }) {
					continue
				}
				sub.Index = append([]int{i}, sub.Index...)
				out = append(out, sub)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		o := strings.Split(opts, ",")
		optional := slices.Contains(o, "omitempty") || slices.Contains(o, "omitzero")
		out = append(out, Field{Name: name, Index: []int{i}, Required: !optional})
	}
	return out
}

// JSONKind names the JSON type of a value as ParseJSON returns it.
func JSONKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// KindName says what a value of Go type t must be, for messages.
func KindName(t reflect.Type) string {
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
	case reflect.Pointer:
		return KindName(t.Elem())
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

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
