package server

import (
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/kori-project/kori/internal/analysis"
)

// The OpenAPI document is generated from the routes as registered and from
// the Go types the handlers encode, so it cannot drift from them; a test also
// checks live answers against it.

func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.openAPI())
	return nil
}

func (s *Server) openAPI() map[string]any {
	paths := map[string]any{}
	errorResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(errorBody{}))}}}
	}
	for _, rt := range s.apiRoutes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		op := map[string]any{"summary": rt.summary, "operationId": operationID(method, path)}
		responses := map[string]any{}
		switch rt.response.(type) {
		case nil:
			responses["204"] = map[string]any{"description": "Done"}
		case exportFile:
			responses["200"] = map[string]any{"description": "A ZIP archive", "content": map[string]any{
				"application/zip": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}}
		default:
			responses["200"] = map[string]any{"description": "OK", "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.response))}}}
		}
		if rt.member {
			op["security"] = []any{map[string]any{"session": []any{}}}
			responses["401"] = errorResp("No valid session: log in again")
			if rt.app != "" {
				op["security"] = []any{map[string]any{"session": []any{}}, map[string]any{"app": []any{string(rt.app)}}}
				responses["403"] = errorResp("An app whose grant lacks the " + string(rt.app) + " scope")
			}
		}
		if rt.scope != "" {
			op["security"] = []any{map[string]any{"apiKey": []any{}}}
			op["description"] = "Needs an API key with the " + rt.scope + " scope."
			responses["401"] = errorResp("No valid API key")
			responses["403"] = errorResp("The key lacks the " + rt.scope + " scope")
		}
		var params []any
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, "{") {
				name, typ := strings.Trim(seg, "{}"), "integer"
				if name == "kind" || name == "grant" {
					typ = "string"
				}
				params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": typ}})
				responses["404"] = errorResp("Not found, also for another member's data")
			}
		}
		for _, q := range queryParams[path] {
			params = append(params, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": schemaOf(reflect.TypeOf(rt.request))}}}
			responses["400"] = errorResp("The body is not valid; the message says which field")
		}
		if method == "POST" && path == "/api/v1/login" {
			responses["401"] = errorResp("Wrong e-mail or password")
			responses["429"] = errorResp("Too many attempts; wait a minute")
		}
		op["responses"] = responses
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Kori API", "version": "1",
			"description": "A member's own purchase data and analyses (member sessions: log in with POST /api/v1/login and send the token " +
				"as `Authorization: Bearer <token>`), and the chain's systems' calls (API keys with scopes). Money in member views is in cents; " +
				"shares are between 0 and 1."},
		"paths": paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"session": map[string]any{"type": "http", "scheme": "bearer", "description": "a member session token from POST /api/v1/login"},
			"apiKey":  map[string]any{"type": "http", "scheme": "bearer", "description": "a Kori API key (kori apikey create NAME SCOPES)"},
			"app": map[string]any{"type": "oauth2", "description": "an app the member authorised (rule 11): register it with kori app register, " +
				"then the authorization code flow with PKCE (S256); metadata at /.well-known/oauth-authorization-server. Access tokens last ten minutes; " +
				"ask for offline_access to get a refresh token, which rotates on every use. Every read goes to the member's access log, " +
				"and the member's level and objections bound what each scope returns.",
				"flows": map[string]any{"authorizationCode": map[string]any{"authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token",
					"refreshUrl": "/oauth/token", "scopes": appScopeDocs}}}}},
	}
}

// appScopeDocs says what each app scope opens, for the OpenAPI document.
var appScopeDocs = map[string]any{
	"receipts":       "GET /api/v1/me/receipts and /api/v1/me/receipts/{id}: receipts with lines, group sums or totals as the member's level keeps them",
	"spending":       "GET /api/v1/me/spending",
	"domestic":       "GET /api/v1/me/domestic",
	"carbon":         "GET /api/v1/me/carbon",
	"nutrition":      "GET /api/v1/me/nutrition",
	"offers":         "GET /api/v1/me/offers (none if the member objects to personalisation)",
	"export":         "POST /api/v1/me/export: everything stored about the member",
	"offline_access": "a refresh token, for grants of 90 days or until revoked",
}

// queryParams names the optional query parameters of the member routes.
var queryParams = map[string][]string{
	"/api/v1/me/overview":  {"lang"},
	"/api/v1/me/receipts":  {"month", "q", "year", "lang"},
	"/api/v1/me/spending":  {"year", "lang"},
	"/api/v1/me/domestic":  {"year", "lang"},
	"/api/v1/me/carbon":    {"year", "lang"},
	"/api/v1/me/nutrition": {"year", "lang"},
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/") {
		seg = strings.Trim(seg, "{}")
		if seg != "" {
			b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
		}
	}
	return b.String()
}

var (
	timeType        = reflect.TypeOf(time.Time{})
	dateType        = reflect.TypeOf(dateOnly{})
	nutriScoresType = reflect.TypeOf(analysis.NutriScores{})
)

// schemaOf describes a Go type as JSON Schema the way encoding/json encodes
// it: exported fields by their json names, embedded structs flattened,
// pointers nullable.
func schemaOf(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == dateType:
		s = map[string]any{"type": "string", "format": "date"}
	case t == nutriScoresType: // custom MarshalJSON
		props := map[string]any{}
		for _, k := range []string{"a", "b", "c", "d", "e", "graded_share"} {
			props[k] = map[string]any{"type": "number"}
		}
		s = map[string]any{"type": "object", "properties": props, "required": []string{"a", "b", "c", "d", "e", "graded_share"}, "additionalProperties": false}
	default:
		switch t.Kind() {
		case reflect.Bool:
			s = map[string]any{"type": "boolean"}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
			s = map[string]any{"type": "integer"}
		case reflect.Float32, reflect.Float64:
			s = map[string]any{"type": "number"}
		case reflect.String:
			s = map[string]any{"type": "string"}
		case reflect.Slice:
			s = map[string]any{"type": "array", "items": schemaOf(t.Elem())}
		case reflect.Map:
			s = map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
		case reflect.Struct:
			props, required := map[string]any{}, []string{}
			fields(t, props, &required)
			s = map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
		default:
			s = map[string]any{}
		}
	}
	if nullable {
		s["type"] = []any{s["type"], "null"}
	}
	return s
}

func fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct && f.Type != timeType && f.Type != nutriScoresType {
			fields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type)
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}
