package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument is the committed OpenAPI 3.1 document of this API; a test
// regenerates it from the route table and fails when it is stale.
//
//go:embed openapi.json
var openAPIDocument []byte

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDocument)
	return nil
}
