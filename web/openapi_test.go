package web_test

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/supporterbase/callingsessions/queue"
	"github.com/supporterbase/callingsessions/web"
)

// TestOpenAPI: the document served at /api/v1/openapi.json is valid
// OpenAPI 3, and it and the router name the same operations: every API
// route documented, every documented operation routed.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	p := newPanel(t, web.Options{})
	pg := p.browser(t).get("/api/v1/openapi.json")
	wantStatus(t, "GET /api/v1/openapi.json", pg, http.StatusOK)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(pg.body))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("openapi.json is not valid: %v", err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("servers %v, want /api/v1", doc.Servers)
	}

	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" /api/v1"+path)
		}
	}
	var routed []string
	handler := web.New(p.store, slog.New(slog.DiscardHandler), prometheus.NewRegistry(), web.Options{}).Handler()
	err = chi.Walk(handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/") {
			routed = append(routed, method+" "+route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if !slices.Equal(documented, routed) {
		t.Fatalf("documented operations:\n%s\nrouted:\n%s", strings.Join(documented, "\n"), strings.Join(routed, "\n"))
	}

	// Every error code the API can answer with is in the schema's enum.
	codes := doc.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value.Enum
	for _, code := range []string{queue.EINVALID, queue.ENOTFOUND, queue.ECONFLICT, queue.EFORBIDDEN,
		queue.EUNAUTHORIZED, queue.ETHROTTLED, queue.EINTERNAL} {
		if !slices.Contains(codes, any(code)) {
			t.Errorf("error code %q is not documented", code)
		}
	}
}
