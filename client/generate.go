package client

// The types are generated from the OpenAPI document by oapi-codegen, pinned
// here; TestGeneratedTypesUpToDate fails when types.gen.go is stale.
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml -o types.gen.go ../api/openapi.json
