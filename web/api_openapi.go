package web

import (
	_ "embed"
	"net/http"
)

// openAPI describes /api/v1 (OpenAPI 3). A test checks it is valid and
// that it and the routes name the same operations.
//
//go:embed openapi.json
var openAPI []byte

// apiOpenAPI serves the API's description, to anyone: it holds no data.
func (s *Server) apiOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPI)
}
