package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"gopkg.in/yaml.v3"
)

// openapiYAML is the OpenAPI 3.0 document of this API, kept as YAML for
// people to edit and served as JSON. TestOpenAPICoversRoutes keeps it and
// the router in step.
//
//go:embed openapi.yaml
var openapiYAML []byte

// parsedOpenAPI is the document as generic JSON values.
var parsedOpenAPI = sync.OnceValues(func() (map[string]any, error) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, fmt.Errorf("httpapi: openapi.yaml: %w", err)
	}
	m, ok := jsonValue(doc).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("httpapi: openapi.yaml: the document is not a mapping")
	}
	return m, nil
})

// jsonValue turns what yaml.v3 decodes into values encoding/json accepts
// (mappings with non-string keys, such as status codes, become string-keyed).
func jsonValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = jsonValue(x)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[fmt.Sprint(k)] = jsonValue(x)
		}
		return m
	case []any:
		for i, x := range v {
			v[i] = jsonValue(x)
		}
		return v
	}
	return v
}

// OpenAPI returns the API's OpenAPI 3.0 document as JSON, with version as
// info.version (unchanged when empty).
func OpenAPI(version string) ([]byte, error) {
	doc, err := parsedOpenAPI()
	if err != nil {
		return nil, err
	}
	if version != "" {
		// Copy the top level and info, so the shared parse stays as read.
		top := make(map[string]any, len(doc))
		for k, v := range doc {
			top[k] = v
		}
		info := map[string]any{}
		if old, ok := doc["info"].(map[string]any); ok {
			for k, v := range old {
				info[k] = v
			}
		}
		info["version"] = version
		top["info"] = info
		doc = top
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (s *Server) registerOpenAPIRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/openapi.json", h: s.openapi})
}

// openapi serves the document; no token needed, it holds no data.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	body, err := OpenAPI(s.cfg.Version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(body)
}
