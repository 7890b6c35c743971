package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/rampart-api/rampart/internal/lazyregexp"

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
	// crawled marks an operation found by guessing, whose parameters are
	// unknown.
	crawled bool

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

var paramRe = lazyregexp.New(`\{[^}/]+\}`)

// fill replaces every path parameter with v, escaped.
func (o *Operation) fill(v string) string {
	return paramRe.ReplaceAllString(o.Path, url.PathEscape(v))
}

var (
	loginRe  = lazyregexp.New(`(?i)(^|[/_-])(login|signin|sign-in|authenticate|session|sessions|token|oauth/token)($|[/_-])`)
	signupRe = lazyregexp.New(`(?i)(^|[/_-])(signup|sign-up|register|registration)($|[/_-])`)
	adminRe  = lazyregexp.New(`(?i)(^|/)(admin|internal|manage|management)(/|$)`)
)

func classify(o *Operation) {
	o.Params = nil
	for _, m := range paramRe.FindAllString(o.Path, -1) {
		o.Params = append(o.Params, strings.Trim(m, "{}"))
	}
	if o.Method == http.MethodPost {
		o.Login = o.Login || loginRe.MatchString(o.Path)
		o.Signup = o.Signup || signupRe.MatchString(o.Path) || usersRe.MatchString(o.Path)
	}
	byDoc := slices.ContainsFunc(o.Tags, func(t string) bool { return strings.EqualFold(t, "admin") }) ||
		slices.ContainsFunc(o.Roles, func(t string) bool { return strings.EqualFold(t, "admin") })
	byName := adminRe.MatchString(o.Path)
	o.Admin = o.Admin || byDoc || byName
	o.AdminByName = o.AdminByName || (byName && !byDoc)
}

// usersRe matches a users collection: a POST there creates an account.
var usersRe = lazyregexp.New(`(?i)/(users|accounts|customers|members)$`)

var meRe = lazyregexp.New(`(?i)/(me|whoami|profile|self|current[-_]?user|account)$`)

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
		"/", "/api", "/api/v1", "/api/v2", "/rest", "/api/me", "/api/users/me", "/me",
		"/api/users", "/api/notes", "/api/orders", "/api/accounts", "/api/products", "/api/items", "/users",
		"/api/admin", "/api/admin/stats", "/api/admin/users", "/admin", "/admin/stats", "/api/search", "/search",
	}
	crawlItems = []string{"/api/users/{id}", "/api/notes/{id}", "/api/orders/{id}", "/api/accounts/{id}", "/users/{id}"}
	crawlPOST  = []string{"/api/login", "/api/auth/login", "/login", "/auth/login", "/api/v1/login", "/api/signup", "/api/register", "/api/auth/register", "/signup", "/register", "/api/users", "/api/notes"}
	// docPaths are where APIs publish their own OpenAPI or Swagger
	// document; one found there drives a crawl like --openapi would.
	docPaths = []string{"/openapi.json", "/swagger.json", "/api-docs/swagger.json", "/v3/api-docs", "/v2/api-docs", "/apispec_1.json",
		"/api/openapi.json", "/api/swagger.json", "/openapi.yaml", "/swagger/v1/swagger.json", "/api-docs"}
	// scriptCallRe finds API calls in a single-page app's scripts:
	// http.get(host + '/api/Users/' + id).
	scriptCallRe = lazyregexp.New(`\.(get|post|put|patch|delete)\(\s*(?:[\w.]+\s*\+\s*)?['"` + "`" + `](/[A-Za-z0-9_\-/.]*)['"` + "`" + `](\s*\+)?`)
	scriptSrcRe  = lazyregexp.New(`<script[^>]+src="([^"]+)"`)
	docURLRe     = lazyregexp.New(`url:\s*["']([^"']+\.(?:json|yaml|yml))["']|"url"\s*:\s*"([^"]+\.(?:json|yaml|yml))"`)
)

// crawl finds operations by reading a document the API publishes, the
// API calls in its page's scripts, common paths and API paths found in
// JSON responses. An answer that matches the baseline (a catch-all) finds
// nothing.
func (r *run) crawl(ctx context.Context) []*Operation {
	found := map[string]*Operation{}
	add := func(method, path string) *Operation {
		// Case twins (/api/Users, /api/users) and parameter names are
		// one operation.
		k := method + " " + pathKey(path)
		if o, ok := found[k]; ok {
			return o
		}
		o := &Operation{Method: method, Path: path, crawled: true}
		classify(o)
		found[k] = o
		return o
	}
	for _, o := range r.publishedDocument(ctx) {
		found[o.Method+" "+pathKey(o.Path)] = o
	}
	queue := slices.Clone(crawlGET)
	posts := slices.Clone(crawlPOST)
	items := slices.Clone(crawlItems)
	for _, c := range r.scriptCalls(ctx) {
		switch {
		case c.method == http.MethodGet && strings.Contains(c.path, "{id}"):
			// Probed below with a sample id, like crawlItems.
			items = append(items, c.path)
		case c.method == http.MethodGet:
			queue = append(queue, c.path)
		default:
			// The page's own scripts call it: that is evidence enough,
			// and a write is not probed before the checks decide.
			add(c.method, c.path)
		}
	}
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
			if (loginRe.MatchString(link) || signupRe.MatchString(link)) && !slices.Contains(posts, link) {
				posts = append(posts, link)
				continue
			}
			if !seen[link] && len(seen) < 60 {
				queue = append(queue, link)
			}
		}
		// A collection's ids make its item operation worth probing.
		if ids := jsonIDs(ex.Body); len(ids) > 0 && !meRe.MatchString(p) {
			o := add(http.MethodGet, strings.TrimRight(p, "/")+"/{id}")
			for _, id := range ids {
				o.addSample(id)
			}
		}
	}
	for _, tmpl := range items {
		if _, ok := found["GET "+pathKey(tmpl)]; ok {
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
	for _, p := range posts {
		if _, ok := found["POST "+pathKey(p)]; ok {
			continue
		}
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

// publishedDocument looks for an OpenAPI or Swagger document the API
// serves about itself (directly, or named by a Swagger UI page) and
// returns its operations, or nil.
func (r *run) publishedDocument(ctx context.Context) []*Operation {
	paths := slices.Clone(docPaths)
	for i := 0; i < len(paths) && i < 16; i++ {
		p := paths[i]
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + p})
		if err != nil {
			if r.stop(err) {
				return nil
			}
			continue
		}
		if !ex.ok() || r.base.matches(ex) {
			continue
		}
		if ex.contentType() == "text/html" {
			for _, m := range docURLRe.FindAllSubmatch(ex.Body, 4) {
				u := string(m[1]) + string(m[2])
				if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !slices.Contains(paths, u) {
					paths = append(paths, u)
				}
			}
			continue
		}
		ops, source, err := operationsFromOpenAPI(ctx, ex.Body)
		if err != nil || len(ops) == 0 {
			continue
		}
		r.notef("crawling found the API's own %s at %s: %d operations", source, p, len(ops))
		return ops
	}
	return nil
}

type scriptCall struct{ method, path string }

// scriptCalls reads the page at / and up to three of its same-origin
// scripts for API calls, as a single-page app makes them.
func (r *run) scriptCalls(ctx context.Context) []scriptCall {
	home, err := r.send(ctx, &probe{Method: http.MethodGet, Path: "/", Op: "GET /"})
	if err != nil || !home.ok() || home.contentType() != "text/html" {
		return nil
	}
	bodies := [][]byte{home.Body}
	for i, m := range scriptSrcRe.FindAllSubmatch(home.Body, 3) {
		src := string(m[1])
		if strings.Contains(src, "//") || i >= 3 {
			continue
		}
		if !strings.HasPrefix(src, "/") {
			src = "/" + src
		}
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: src, Op: "GET " + src})
		if err == nil && ex.ok() {
			bodies = append(bodies, ex.Body)
		}
	}
	var out []scriptCall
	for _, b := range bodies {
		for _, c := range scriptCallsIn(b) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// scriptCallsIn finds API calls in a script: http.get('/api/x'), and
// http.get(host + '/api/x/' + id) as the item path /api/x/{id}.
func scriptCallsIn(b []byte) []scriptCall {
	var out []scriptCall
	for _, m := range scriptCallRe.FindAllSubmatch(b, 64) {
		c := scriptCall{method: strings.ToUpper(string(m[1])), path: string(m[2])}
		if len(m[3]) > 0 {
			c.path = strings.TrimRight(c.path, "/") + "/{id}"
		}
		if c.path != "/" && !strings.Contains(c.path, "//") && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
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
		if ok && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && len(s) < 128 && !strings.ContainsAny(s, " \\?#{") && len(s) > 1 {
			out = append(out, s)
		}
	})
	return out
}

// jsonIDs returns the "id" values (and those of the extra keys, folded
// by normKey) of the objects in a JSON body.
func jsonIDs(body []byte, extra ...string) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	walkJSON(v, 0, func(key string, val any) {
		if key != "id" && key != "_id" && key != "uuid" && !slices.Contains(extra, normKey(key)) {
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

// sampleCollections asks each collection as each identity the API
// accepts and keeps the ids it lists as samples for the item operation
// below it (creating that operation when crawling found only the
// collection), so BOLA and the other checks have real ids to try.
func (r *run) sampleCollections(ctx context.Context) {
	ids := r.acceptedIDs()
	if len(ids) == 0 {
		return
	}
	items := map[string]*Operation{}
	for _, o := range r.ops {
		if o.Method == http.MethodGet && len(o.Params) > 0 && strings.HasSuffix(o.Path, "}") {
			items[strings.ToLower(o.Path[:strings.LastIndexByte(o.Path, '/')])] = o
		}
	}
	n := 0
	for _, o := range slices.Clone(r.ops) {
		if o.Method != http.MethodGet || len(o.Params) > 0 || n >= 12 || meRe.MatchString(o.Path) {
			continue
		}
		item := items[strings.ToLower(o.Path)]
		if item == nil && len(r.cfg.OpenAPI) > 0 {
			continue
		}
		var extra []string
		if item != nil {
			extra = []string{normKey(item.Params[len(item.Params)-1])}
		}
		n++
		for i := range ids[:min(len(ids), 3)] {
			ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: o.Path, Op: o.String(), As: &ids[i]})
			if err != nil {
				if r.stop(err) {
					return
				}
				continue
			}
			if !ex.ok() || !ex.isJSON() || r.base.matches(ex) {
				continue
			}
			found := jsonIDs(ex.Body, extra...)
			if len(found) == 0 {
				continue
			}
			if item == nil {
				item = &Operation{Method: http.MethodGet, Path: strings.TrimRight(o.Path, "/") + "/{id}"}
				classify(item)
				items[strings.ToLower(o.Path)] = item
				r.ops = append(r.ops, item)
			}
			for _, v := range found[:min(len(found), 3)] {
				item.addSample(v)
			}
		}
	}
}
