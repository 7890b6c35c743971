package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one method and path template the scanner probes.
type Operation struct {
	Method string
	// Path is a template, "/api/users/{id}".
	Path string
	// Params are the path parameter names, in order.
	Params []string
	// Query are query parameter names the document declares.
	Query []string
	// Secured is true when the document requires credentials.
	Secured bool
	// Roles come from the document's x-rampart-roles.
	Roles []string
	Tags  []string
	// Admin marks an operation for admins by the document (a tag or
	// x-rampart-roles) or by its path; AdminByName says the path alone
	// said so, which is weak evidence.
	Admin       bool
	AdminByName bool
	Login       bool
	// Signup marks an operation that creates an account or user.
	Signup bool
	// BodyFields are the top-level properties the document declares for a
	// JSON request body; nil when unknown.
	BodyFields []string
	// Undocumented marks an operation found by crawling that the document
	// does not describe.
	Undocumented bool

	// shapeMu guards loginKeys, learnt once per scan by loginShape.
	shapeMu   sync.Mutex
	loginKeys []string

	mu sync.Mutex
	// samples are ids seen for the path parameters.
	samples []string
}

func (o *Operation) String() string { return o.Method + " " + o.Path }

func (o *Operation) addSample(id string) {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/?#% ") {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !slices.Contains(o.samples, id) && len(o.samples) < 8 {
		o.samples = append(o.samples, id)
	}
}

func (o *Operation) sampleIDs() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.samples)
}

var paramRe = regexp.MustCompile(`\{[^}/]+\}`)

// fill replaces every path parameter with v, escaped.
func (o *Operation) fill(v string) string {
	return paramRe.ReplaceAllString(o.Path, url.PathEscape(v))
}

var (
	loginRe  = regexp.MustCompile(`(?i)(^|[/_-])(login|signin|sign-in|authenticate|session|sessions|token|oauth/token)($|[/_-])`)
	signupRe = regexp.MustCompile(`(?i)(^|[/_-])(signup|sign-up|register|registration)($|[/_-])`)
	adminRe  = regexp.MustCompile(`(?i)(^|/)(admin|internal|manage|management)(/|$)`)
)

func classify(o *Operation) {
	o.Params = nil
	for _, m := range paramRe.FindAllString(o.Path, -1) {
		o.Params = append(o.Params, strings.Trim(m, "{}"))
	}
	if o.Method == http.MethodPost {
		o.Login = o.Login || loginRe.MatchString(o.Path)
		o.Signup = o.Signup || signupRe.MatchString(o.Path)
	}
	byDoc := slices.ContainsFunc(o.Tags, func(t string) bool { return strings.EqualFold(t, "admin") }) ||
		slices.ContainsFunc(o.Roles, func(t string) bool { return strings.EqualFold(t, "admin") })
	byName := adminRe.MatchString(o.Path)
	o.Admin = o.Admin || byDoc || byName
	o.AdminByName = o.AdminByName || (byName && !byDoc)
}

var meRe = regexp.MustCompile(`(?i)/(me|whoami|profile|self|current[-_]?user|account)$`)

// decodeJSON decodes a JSON body, or returns nil.
func decodeJSON(b []byte) any {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	return v
}

// ErrNotOpenAPI is returned for a document that is neither OpenAPI 3.x
// nor Swagger 2.0.
var ErrNotOpenAPI = errors.New("scan: not an OpenAPI 3.x or Swagger 2.0 document")

// loadDocument reads an OpenAPI 3.x document, or a Swagger 2.0 one
// converted with openapi2conv, and says which it was. Anything else is
// refused: falling back to crawling would hide that the document was not
// used. External references are not followed.
func loadDocument(ctx context.Context, data []byte) (*openapi3.T, string, error) {
	var v2 openapi2.T
	if openapi2.UnmarshalFromData(data, &v2) == nil && v2.Swagger != "" {
		if !strings.HasPrefix(v2.Swagger, "2.") {
			return nil, "", fmt.Errorf("%w: swagger version %q", ErrNotOpenAPI, v2.Swagger)
		}
		doc, err := openapi2conv.ToV3(&v2)
		if err != nil {
			return nil, "", fmt.Errorf("scan: converting Swagger 2.0 document: %w", err)
		}
		return doc, "Swagger 2.0 document, converted to OpenAPI 3", nil
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", ErrNotOpenAPI, err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, "", fmt.Errorf("%w: no \"openapi: 3.x\" or \"swagger: 2.0\" member", ErrNotOpenAPI)
	}
	return doc, "OpenAPI " + doc.OpenAPI + " document", nil
}

// operationsFromOpenAPI reads the operations of an OpenAPI 3.x or Swagger
// 2.0 document and says which it was.
func operationsFromOpenAPI(ctx context.Context, data []byte) ([]*Operation, string, error) {
	doc, source, err := loadDocument(ctx, data)
	if err != nil {
		return nil, "", err
	}
	prefix := ""
	if len(doc.Servers) > 0 {
		if u, err := url.Parse(doc.Servers[0].URL); err == nil {
			prefix = strings.TrimRight(u.Path, "/")
		}
	}
	var ops []*Operation
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, "", fmt.Errorf("%w: it describes no paths", ErrNotOpenAPI)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := &Operation{Method: strings.ToUpper(method), Path: prefix + path, Tags: op.Tags}
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			o.Secured = len(sec) > 0 && !slices.ContainsFunc(sec, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
			o.Roles = stringList(op.Extensions["x-rampart-roles"])
			params := append(slices.Clone(item.Parameters), op.Parameters...)
			for _, p := range params {
				if p == nil || p.Value == nil {
					continue
				}
				if p.Value.In == openapi3.ParameterInQuery {
					o.Query = append(o.Query, p.Value.Name)
				}
				if p.Value.In == openapi3.ParameterInPath && p.Value.Example != nil {
					o.addSample(fmt.Sprint(p.Value.Example))
				}
			}
			o.BodyFields = bodyFields(op)
			id := strings.ToLower(op.OperationID)
			o.Login = strings.Contains(id, "login") || strings.Contains(id, "signin")
			o.Signup = strings.Contains(id, "signup") || strings.Contains(id, "register")
			classify(o)
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b *Operation) int { return strings.Compare(a.String(), b.String()) })
	return ops, source, nil
}

// bodyFields returns the properties of a JSON request body's schema.
func bodyFields(op *openapi3.Operation) []string {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || len(mt.Schema.Value.Properties) == 0 {
		return nil
	}
	out := make([]string, 0, len(mt.Schema.Value.Properties))
	for k := range mt.Schema.Value.Properties {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func stringList(v any) []string {
	switch v := v.(type) {
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return v
	case json.RawMessage:
		var out []string
		_ = json.Unmarshal(v, &out)
		return out
	}
	return nil
}

// crawlGET and crawlPOST are the common paths tried without a document.
// POST candidates are probed with a malformed JSON body that every server
// must refuse, so discovering them has no side effect.
var (
	crawlGET = []string{
		"/", "/api", "/api/v1", "/api/me", "/api/users/me", "/me",
		"/api/users", "/api/notes", "/api/orders", "/api/accounts", "/api/products", "/users",
		"/api/admin", "/api/admin/stats", "/api/admin/users", "/admin", "/admin/stats",
	}
	crawlItems = []string{"/api/users/{id}", "/api/notes/{id}", "/api/orders/{id}", "/api/accounts/{id}", "/users/{id}"}
	crawlPOST  = []string{"/api/login", "/api/auth/login", "/login", "/api/signup", "/api/register", "/signup", "/api/users", "/api/notes"}
)

// crawl finds operations by trying common paths and following API paths
// found in JSON responses.
func (r *run) crawl(ctx context.Context) []*Operation {
	found := map[string]*Operation{}
	add := func(method, path string) *Operation {
		// Case twins (/api/Users, /api/users) are one operation.
		k := method + " " + strings.ToLower(path)
		if o, ok := found[k]; ok {
			return o
		}
		o := &Operation{Method: method, Path: path}
		classify(o)
		found[k] = o
		return o
	}
	queue := slices.Clone(crawlGET)
	seen := map[string]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + p})
		if err != nil {
			if r.stop(err) {
				break
			}
			continue
		}
		if ex.Status == http.StatusNotFound || ex.Status == http.StatusMethodNotAllowed || ex.Status >= 500 && p != "/" || p != "/" && r.base.matches(ex) {
			continue
		}
		if p != "/" || ex.isJSON() {
			add(http.MethodGet, p)
		}
		if !ex.isJSON() {
			continue
		}
		for _, link := range apiLinks(ex.Body) {
			if !seen[link] && len(seen) < 40 {
				queue = append(queue, link)
			}
		}
		// A collection's ids make its item operation worth probing.
		if ids := jsonIDs(ex.Body); len(ids) > 0 && !strings.HasSuffix(p, "/me") {
			o := add(http.MethodGet, strings.TrimRight(p, "/")+"/{id}")
			for _, id := range ids {
				o.addSample(id)
			}
		}
	}
	for _, tmpl := range crawlItems {
		if _, ok := found["GET "+strings.ToLower(tmpl)]; ok {
			continue
		}
		p := strings.ReplaceAll(tmpl, "{id}", "1")
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + tmpl})
		if err != nil {
			if r.stop(err) {
				break
			}
			continue
		}
		if ex.Status != http.StatusNotFound && ex.Status != http.StatusMethodNotAllowed && !r.base.matches(ex) {
			o := add(http.MethodGet, tmpl)
			o.addSample("1")
		}
	}
	for _, p := range crawlPOST {
		ex, err := r.send(ctx, malformedJSON(http.MethodPost, p, "POST "+p))
		if err != nil {
			if r.stop(err) {
				break
			}
			continue
		}
		if r.base.matches(ex) && loginRe.MatchString(p) {
			// A body parser in front of every route answers malformed JSON
			// the same everywhere; an empty login cannot succeed or change
			// anything, and tells a real route from the catch-all.
			ex, err = r.send(ctx, &probe{Method: http.MethodPost, Path: p, Op: "POST " + p, Body: []byte("{}"), Harmless: true})
			if err != nil {
				continue
			}
		}
		if ex.Status != http.StatusNotFound && ex.Status != http.StatusMethodNotAllowed && !r.base.matches(ex) {
			add(http.MethodPost, p)
		}
	}
	ops := make([]*Operation, 0, len(found))
	for _, o := range found {
		ops = append(ops, o)
	}
	slices.SortFunc(ops, func(a, b *Operation) int { return strings.Compare(a.String(), b.String()) })
	return ops
}

// malformedJSON is a write every server must refuse: it cannot be parsed.
func malformedJSON(method, path, op string) *probe {
	return &probe{Method: method, Path: path, Op: op, Harmless: true, Body: []byte(`{"rampart-scan": `), malformed: true}
}

// apiLinks returns same-origin API paths mentioned in a JSON body.
func apiLinks(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	walkJSON(v, 0, func(key string, val any) {
		s, ok := val.(string)
		if ok && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && len(s) < 128 && !strings.ContainsAny(s, " \\?#{") {
			out = append(out, s)
		}
	})
	return out
}

// jsonIDs returns the "id" values of the objects in a JSON body.
func jsonIDs(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	walkJSON(v, 0, func(key string, val any) {
		if key != "id" && key != "_id" && key != "uuid" {
			return
		}
		switch x := val.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, fmt.Sprint(x))
		}
	})
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}

// walkJSON calls fn for every object member, depth-first, to depth 8.
func walkJSON(v any, depth int, fn func(key string, val any)) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fn(k, x[k])
			walkJSON(x[k], depth+1, fn)
		}
	case []any:
		for _, e := range x {
			walkJSON(e, depth+1, fn)
		}
	}
}
