// Package schemas holds the JSON Schema of every MCP tool's arguments and
// result, one file per tool and direction (<tool>.input.json,
// <tool>.output.json). They are generated from the Go types in package wire by
// `go test ./tools -update`, committed as the published contract, and embedded
// so the binary serves exactly what is committed.
package schemas

import (
	"embed"
	"io/fs"
)

//go:embed *.json
var files embed.FS

// FS returns the schema files.
func FS() fs.FS { return files }

// Tool returns a tool's committed input and output schemas; ok is false when
// either file is missing.
func Tool(name string) (input, output []byte, ok bool) {
	in, err1 := files.ReadFile(name + ".input.json")
	out, err2 := files.ReadFile(name + ".output.json")
	return in, out, err1 == nil && err2 == nil
}
