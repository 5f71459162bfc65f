package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// arguments returns a call's arguments parsed once, from the request's
// original bytes so numbers stay exact (json.Number). Absent or null
// arguments are an empty object.
func arguments(req mcpgo.CallToolRequest) (map[string]any, error) {
	var raw []byte
	switch v := req.GetRawArguments().(type) {
	case json.RawMessage:
		raw = v
	case nil:
	default: // an in-process caller's Go value
		b, err := json.Marshal(v)
		if err != nil {
			return nil, kernel.Invalidf("arguments", "arguments must be a JSON object")
		}
		raw = b
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	v, err := wire.ParseJSON(raw)
	if le, isLimit := err.(*wire.LimitError); isLimit {
		field, msg := le.Path, le.Error()
		if field == "" { // the arguments as a whole (invalid UTF-8, say)
			field, msg = "arguments", "the arguments "+le.Problem
		}
		return nil, kernel.Invalidf(field, "%s", msg)
	}
	args, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, kernel.Invalidf("arguments", "arguments must be a JSON object of named arguments, such as {\"customer\": \"user_123\"}")
	}
	return args, nil
}

// decodeArgs fills dst (a pointer to the tool's arguments struct) from args
// with wire.Decode, the decoder the REST API uses too, and words its error
// for an agent: an unknown argument with the list of known ones, a missing
// required one with its description (docs, from the input schema). Every
// error is kernel.EInvalid naming the argument.
func decodeArgs(tool string, args map[string]any, docs map[string]string, dst any) error {
	var de *wire.DecodeError
	if err := wire.Decode(args, dst, true); !errors.As(err, &de) {
		return err
	}
	switch {
	case de.Kind == wire.UnknownField && de.Object == "":
		return unknownArgument(tool, de.Field, de.Suggest, de.Known)
	case de.Kind == wire.MissingField && de.Object == "":
		return kernel.Invalidf(de.Field, "%s is required%s", de.Field, withDoc(docs[de.Field]))
	}
	return kernel.Invalidf(de.Path, "%s", de.Error())
}

func withDoc(doc string) string {
	if doc == "" {
		return ""
	}
	return ": " + doc
}

func unknownArgument(tool, name, near string, known []string) error {
	if len(known) == 0 {
		return kernel.Invalidf(name, "unknown argument %q: %s takes no arguments; call it with {}", name, tool)
	}
	hint := ""
	if near != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	return kernel.Invalidf(name, "unknown argument %q%s: %s takes only %s", name, hint, tool, strings.Join(known, ", "))
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
