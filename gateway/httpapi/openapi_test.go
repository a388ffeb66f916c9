package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

func loadOpenAPI(t *testing.T, s *Server) map[string]any {
	t.Helper()
	rec := do(t, s.Handler(), "GET", "/api/v1/openapi.json", "", "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	s, _ := newTestServer(t, &mockService{})
	doc := loadOpenAPI(t, s)
	for _, k := range []string{"openapi", "info", "paths", "components"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("top-level key %q missing", k)
		}
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi = %q", v)
	}
	info := doc["info"].(map[string]any)
	if info["version"] != "test" || info["title"] == nil {
		t.Errorf("info = %v", info)
	}
	comps := doc["components"].(map[string]any)
	bearer := dig(comps, "securitySchemes", "bearer")
	if bearer == nil || bearer.(map[string]any)["scheme"] != "bearer" || bearer.(map[string]any)["type"] != "http" {
		t.Errorf("bearer security scheme = %v", bearer)
	}
	if dig(comps, "schemas", "Error", "properties", "error") == nil {
		t.Error("no Error schema")
	}
	// Every $ref points at something that exists.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				var at any = doc
				for _, p := range parts {
					m, _ := at.(map[string]any)
					at = m[p]
				}
				if at == nil {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	// The shared parse is not changed by a version.
	s2, _ := newTestServer(t, &mockService{}, func(c *Config) { c.Version = "" })
	if v := loadOpenAPI(t, s2)["info"].(map[string]any)["version"]; v != "dev" {
		t.Errorf("version without Config.Version = %v, want the file's", v)
	}
}

// TestOpenAPICoversRoutes walks the router: every route is documented with
// its method, and every documented operation is routed; protected routes
// need the bearer scheme and public ones say security: [].
func TestOpenAPICoversRoutes(t *testing.T) {
	s, _ := newTestServer(t, &mockService{}, func(c *Config) { c.Metrics = http.NotFoundHandler(); c.NCIP = http.NotFoundHandler() })
	doc := loadOpenAPI(t, s)
	paths := doc["paths"].(map[string]any)
	routed := map[string]bool{}
	roles := map[string]Role{}
	for _, rt := range s.routes {
		roles[rt.method+" "+docPath(rt.path)] = rt.role
	}
	err := s.router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		tpl = docPath(tpl)
		methods, err := route.GetMethods()
		if err != nil {
			t.Errorf("route %s has no method", tpl)
			return nil
		}
		for _, m := range methods {
			key := m + " " + tpl
			routed[key] = true
			op := dig(paths, tpl, strings.ToLower(m))
			if op == nil {
				t.Errorf("%s is routed but not in openapi.yaml", key)
				continue
			}
			sec, hasSec := op.(map[string]any)["security"]
			public := hasSec && len(sec.([]any)) == 0
			if public != (roles[key] == "") {
				t.Errorf("%s: documented public=%v, routed role %q", key, public, roles[key])
			}
			for _, name := range pathParams(tpl) {
				if !documentsParam(doc, op.(map[string]any), name) {
					t.Errorf("%s: path parameter %s is not documented", key, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for p, item := range paths {
		for m := range item.(map[string]any) {
			key := strings.ToUpper(m) + " " + p
			documented = append(documented, key)
			if !routed[key] {
				t.Errorf("%s is documented but not routed", key)
			}
		}
	}
	sort.Strings(documented)
	if len(documented) != len(routed) || len(routed) < 25 {
		t.Errorf("%d documented, %d routed", len(documented), len(routed))
	}
}

// TestOpenAPISchemasMatchJSON checks that each documented schema has
// exactly the JSON fields of the Go type the handlers encode or decode.
func TestOpenAPISchemasMatchJSON(t *testing.T) {
	s, _ := newTestServer(t, &mockService{})
	schemas := dig(loadOpenAPI(t, s), "components", "schemas").(map[string]any)
	types := map[string]any{
		"LoadRequest": loadRequest{}, "LoadResult": loadResponse{},
		"PickupRequest": pickupRequest{}, "PickupResult": pickupResponse{}, "PickedItem": pickedItem{},
		"ReturnRequest": returnRequest{}, "ReturnResult": returnResponse{},
		"Equipment": equipmentJSON{}, "LoanRequest": loanRequest{}, "LoanResult": loanResponse{},
		"Reservation": reservationJSON{}, "ReservationItem": reservationItemJSON{},
		"ClearResult": clearResponse{}, "ExpireDueResult": expireDueResponse{},
		"Bank": bankJSON{}, "Compartment": compartmentJSON{}, "ServiceRequest": serviceRequest{},
		"Alert": alertJSON{}, "OutboxEntry": outboxJSON{}, "AuditEvent": auditJSON{}, "Event": eventJSON{},
		"ILLRequest": illRequestJSON{}, "ArrivalRequest": arrivalRequest{}, "ArrivalResult": arrivalResponse{},
		"Error": errorBody{},
	}
	for name, v := range types {
		props, _ := dig(schemas, name, "properties").(map[string]any)
		if props == nil {
			t.Errorf("schema %s has no properties", name)
			continue
		}
		var doc, code []string
		for p := range props {
			doc = append(doc, p)
		}
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			if tag != "" && tag != "-" {
				code = append(code, tag)
			}
		}
		sort.Strings(doc)
		sort.Strings(code)
		if strings.Join(doc, ",") != strings.Join(code, ",") {
			t.Errorf("schema %s documents %v, the Go type has %v", name, doc, code)
		}
		if req, ok := dig(schemas, name, "required").([]any); ok {
			for _, r := range req {
				if _, ok := props[r.(string)]; !ok {
					t.Errorf("schema %s requires undocumented %v", name, r)
				}
			}
		}
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// docPath is a route's template as OpenAPI writes it: a parameter's
// pattern ({id:.+}) left out.
func docPath(tpl string) string {
	return paramPattern.ReplaceAllString(tpl, "{$1}")
}

var paramPattern = regexp.MustCompile(`\{(\w+):[^}]*\}`)

func pathParams(tpl string) []string {
	var out []string
	for _, seg := range strings.Split(tpl, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// documentsParam reports whether op declares a path parameter name,
// directly or through a $ref.
func documentsParam(doc map[string]any, op map[string]any, name string) bool {
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		pm := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			pm, _ = dig(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...).(map[string]any)
		}
		if pm != nil && pm["name"] == name && pm["in"] == "path" {
			return true
		}
	}
	return false
}
