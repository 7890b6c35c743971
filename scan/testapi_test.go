package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testAPI is the demo's naive API in miniature. With hardened set, each
// flaw is fixed the way Rampart would fix it.
type testAPI struct {
	hardened bool
	// unverified decodes tokens without checking their signature.
	unverified bool
	secret     []byte
	mu         sync.Mutex
	fails      int
	nextID     int
	users      map[string]map[string]any
	notes      map[string]map[string]any
}

const strongSecret = "k3Jq9vV0r8sXw2mZ7tLp4cYb6nHd1fGa"

func newTestAPI(hardened bool) *testAPI {
	a := &testAPI{hardened: hardened, secret: []byte("secret"), nextID: 3,
		users: map[string]map[string]any{
			"1": {"id": 1.0, "username": "alice", "role": "user", "password_hash": "$2a$10$abcdefghijabcdefghijab"},
			"2": {"id": 2.0, "username": "bob", "role": "user", "password_hash": "$2a$10$bcdefghijabcdefghijabc"},
		},
		notes: map[string]map[string]any{
			"1": {"id": 1.0, "owner_id": 1.0, "text": "alice's note"},
			"2": {"id": 2.0, "owner_id": 2.0, "text": "bob's note"},
		}}
	if hardened {
		a.secret = []byte(strongSecret)
	}
	return a
}

func (a *testAPI) token(sub, name, role string, exp time.Time) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "username": name, "role": role, "exp": exp.Unix()}).SignedString(a.secret)
	if err != nil {
		panic(err)
	}
	return s
}

func (a *testAPI) identity(name, sub, role string) Identity {
	id, err := ParseIdentity(name + "=" + a.token(sub, name, role, time.Now().Add(time.Hour)))
	if err != nil {
		panic(err)
	}
	return id
}

func (a *testAPI) fail(w http.ResponseWriter, status int, msg string) {
	if a.hardened {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"title":%q,"status":%d}`, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<pre>%s\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)\n    at next (/app/server.js:42:7)</pre>", msg)
}

func (a *testAPI) writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (a *testAPI) claims(r *http.Request) jwt.MapClaims {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if a.unverified {
		c := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok, c); err != nil {
			return nil
		}
		return c
	}
	if !a.hardened && tok == "" {
		tok = r.URL.Query().Get("access_token")
	}
	if tok == "" {
		return nil
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired()}
	if !a.hardened {
		opts = []jwt.ParserOption{jwt.WithoutClaimsValidation()}
	}
	c := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, c, func(t *jwt.Token) (any, error) {
		if !a.hardened && t.Method == jwt.SigningMethodNone {
			return jwt.UnsafeAllowNoneSignatureType, nil
		}
		return a.secret, nil
	}, opts...)
	if err != nil {
		return nil
	}
	return c
}

func (a *testAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.hardened {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.ContentLength > 1<<20 {
			a.fail(w, http.StatusRequestEntityTooLarge, "too large")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	} else {
		w.Header().Set("X-Powered-By", "Express")
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			if m := r.Header.Get("Access-Control-Request-Method"); m != "" {
				w.Header().Set("Access-Control-Allow-Methods", m)
			}
		}
	}
	if r.Method == http.MethodOptions && !a.hardened {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		if a.hardened {
			a.writeJSON(w, map[string]any{"links": []string{"/api/users/me"}})
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<h1>Notes API</h1><p>You searched for %s</p>", r.URL.Query().Get("q"))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if a.hardened {
			a.fail(w, http.StatusNotFound, "not found")
			return
		}
		fmt.Fprint(w, "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total 7\n")
	})
	mux.HandleFunc("POST /api/login", a.login)
	mux.HandleFunc("POST /api/signup", a.signup)
	mux.HandleFunc("GET /api/users/{id}", a.user)
	mux.HandleFunc("GET /api/notes/{id}", a.note)
	mux.HandleFunc("GET /api/admin/stats", func(w http.ResponseWriter, r *http.Request) {
		c := a.claims(r)
		if c == nil {
			a.fail(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		if a.hardened && c["role"] != "admin" {
			a.fail(w, http.StatusForbidden, "forbidden")
			return
		}
		a.writeJSON(w, map[string]any{"users": len(a.users)})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, http.StatusNotFound, "Cannot "+r.Method+" "+r.URL.Path)
	})
	mux.ServeHTTP(w, r)
}

func (a *testAPI) decode(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var body map[string]any
	b, err := io.ReadAll(r.Body)
	if err != nil {
		a.fail(w, http.StatusRequestEntityTooLarge, "too large")
		return nil, false
	}
	if a.hardened && jsonDepth(b) > 32 {
		a.fail(w, http.StatusBadRequest, "too deep")
		return nil, false
	}
	if err := json.Unmarshal(b, &body); err != nil {
		if a.hardened {
			a.fail(w, http.StatusBadRequest, "bad request")
		} else {
			a.fail(w, http.StatusInternalServerError, "SyntaxError: "+err.Error())
		}
		return nil, false
	}
	return body, true
}

func (a *testAPI) login(w http.ResponseWriter, r *http.Request) {
	if a.hardened {
		a.mu.Lock()
		a.fails++
		n := a.fails
		a.mu.Unlock()
		if n > 5 {
			w.Header().Set("Retry-After", "60")
			a.fail(w, http.StatusTooManyRequests, "slow down")
			return
		}
	}
	body, ok := a.decode(w, r)
	if !ok {
		return
	}
	if _, isMap := body["username"].(map[string]any); isMap && !a.hardened {
		a.writeJSON(w, map[string]any{"token": a.token("1", "alice", "user", time.Now().Add(time.Hour))})
		return
	}
	name, _ := body["username"].(string)
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, u := range a.users {
		if u["username"] == name && body["password"] == u["password"] {
			a.writeJSON(w, map[string]any{"token": a.token(id, name, u["role"].(string), time.Now().Add(time.Hour))})
			return
		}
	}
	a.fail(w, http.StatusUnauthorized, "bad credentials")
}

func (a *testAPI) signup(w http.ResponseWriter, r *http.Request) {
	body, ok := a.decode(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	role := "user"
	if s, ok := body["role"].(string); ok && !a.hardened {
		role = s
	}
	id := fmt.Sprint(a.nextID)
	a.nextID++
	a.users[id] = map[string]any{"id": float64(a.nextID - 1), "username": body["username"], "password": body["password"], "role": role}
	w.WriteHeader(http.StatusCreated)
	a.writeJSON(w, map[string]any{"id": a.nextID - 1, "username": body["username"], "role": role})
}

func (a *testAPI) user(w http.ResponseWriter, r *http.Request) {
	c := a.claims(r)
	if c == nil {
		a.fail(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	id := r.PathValue("id")
	if a.hardened && c["sub"] != id && c["role"] != "admin" {
		a.fail(w, http.StatusNotFound, "not found")
		return
	}
	a.mu.Lock()
	u, ok := a.users[id]
	a.mu.Unlock()
	if !ok {
		a.fail(w, http.StatusNotFound, "no user "+id)
		return
	}
	out := map[string]any{"id": u["id"], "username": u["username"], "role": u["role"]}
	if !a.hardened {
		out["password_hash"] = u["password_hash"]
	}
	a.writeJSON(w, out)
}

func (a *testAPI) note(w http.ResponseWriter, r *http.Request) {
	c := a.claims(r)
	if c == nil {
		a.fail(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	id := r.PathValue("id")
	if !a.hardened && strings.Contains(id, "'") {
		// A string-built query: the quote breaks it, a tautology does not.
		if strings.HasSuffix(id, "' AND '1'='1") {
			id = strings.TrimSuffix(id, "' AND '1'='1")
		} else if strings.Count(id, "'") == 1 {
			a.fail(w, http.StatusInternalServerError, `SQLITE_ERROR: unrecognized token: "'`+id+`"`)
			return
		} else {
			a.fail(w, http.StatusNotFound, "no note")
			return
		}
	}
	a.mu.Lock()
	n, ok := a.notes[id]
	a.mu.Unlock()
	if !ok || (a.hardened && fmt.Sprint(n["owner_id"]) != c["sub"]) {
		a.fail(w, http.StatusNotFound, "no note")
		return
	}
	a.writeJSON(w, n)
}

func jsonDepth(b []byte) int {
	depth, top, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
			top = max(top, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return top
}
