package demo

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/rampart-api/rampart/auth/devtoken"
)

// User is a naive API account. PasswordHash is what a careless API
// serialises along with everything else.
type User struct {
	ID           int    `json:"id"`
	Username     string `json:"username"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	PasswordHash string `json:"password_hash"`
	salt         []byte
}

// Note belongs to one user.
type Note struct {
	ID    int    `json:"id"`
	Owner int    `json:"owner"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// DemoUsers are the seeded accounts and their passwords.
var DemoUsers = []struct{ Username, Password, Role string }{
	{"alice", "alice-demo-password", "user"},
	{"bob", "bob-demo-password", "user"},
	{"admin", "admin-demo-password", "admin"},
}

// NaiveAPI is the flawed example API.
type NaiveAPI struct {
	key    *devtoken.KeyPair
	issuer string
	aud    string

	mu    sync.Mutex
	users []*User
	notes []*Note
	mux   *http.ServeMux
}

// NaiveOptions configure the tokens the API issues at login.
type NaiveOptions struct {
	// Key signs login tokens.
	Key *devtoken.KeyPair
	// Issuer and Audience are the token's iss and aud.
	Issuer, Audience string
}

// NewNaiveAPI returns the API with three users and a note each.
func NewNaiveAPI(o NaiveOptions) *NaiveAPI {
	a := &NaiveAPI{key: o.Key, issuer: o.Issuer, aud: o.Audience}
	for i, u := range DemoUsers {
		salt := []byte("demo-salt-" + u.Username)
		a.users = append(a.users, &User{ID: i + 1, Username: u.Username, Email: u.Username + "@example.com", Role: u.Role, PasswordHash: hash(u.Password, salt), salt: salt})
		a.notes = append(a.notes, &Note{ID: i + 1, Owner: i + 1, Title: u.Username + "'s note", Body: "Private thoughts of " + u.Username + "."})
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /api/login", a.login)
	m.HandleFunc("POST /api/signup", a.signup)
	m.HandleFunc("GET /api/users/{uid}", a.authed(a.getUser))
	m.HandleFunc("GET /api/users/{uid}/notes", a.authed(a.listNotes))
	m.HandleFunc("POST /api/users/{uid}/notes", a.authed(a.createNote))
	m.HandleFunc("GET /api/users/{uid}/notes/{id}", a.authed(a.getNote))
	// A legacy endpoint nobody remembers: any note by id, any caller.
	m.HandleFunc("GET /api/notes/{id}", a.authed(a.getAnyNote))
	m.HandleFunc("GET /api/admin/stats", a.authed(a.stats))
	m.HandleFunc("GET /api/health", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(404)
		fmt.Fprintf(w, "<pre>Cannot %s %s</pre>", r.Method, r.URL.Path)
	})
	a.mux = m
	return a
}

func hash(password string, salt []byte) string {
	h := argon2.IDKey([]byte(password), salt, 1, 16*1024, 1, 32)
	return "$argon2id$v=19$m=16384,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(h)
}

// ServeHTTP adds the naive API's habits to every answer: a banner, CORS
// that trusts everyone, and stack traces when anything goes wrong.
func (a *NaiveAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Powered-By", "Express")
	w.Header().Set("Server", "Express/4.17.1 (Node.js v14.15.0)")
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
		w.Header().Set("Access-Control-Allow-Headers", "*")
		if r.Method == http.MethodOptions {
			w.WriteHeader(204)
			return
		}
	}
	defer func() {
		if v := recover(); v != nil {
			stackTrace(w, fmt.Errorf("%v", v))
		}
	}()
	a.mux.ServeHTTP(w, r)
}

// stackTrace is the naive error handler: everything goes to the client.
func stackTrace(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(500)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error": err.Error(),
		"stack": "Error: " + err.Error() + "\n    at Query.run (/srv/app/node_modules/sequelize/lib/dialects/postgres/query.js:76:25)\n" + string(debug.Stack()),
		"sql":   "SELECT * FROM users WHERE id = $1 -- pg 10.0.3.7:5432",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *NaiveAPI) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Username, Password string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		stackTrace(w, fmt.Errorf("SyntaxError: Unexpected token in JSON: %w", err))
		return
	}
	a.mu.Lock()
	var u *User
	for _, x := range a.users {
		if x.Username == in.Username {
			u = x
		}
	}
	a.mu.Unlock()
	if u == nil || subtle.ConstantTimeCompare([]byte(hash(in.Password, u.salt)), []byte(u.PasswordHash)) != 1 {
		writeJSON(w, 401, map[string]string{"error": "invalid username or password"})
		return
	}
	tok, err := a.Mint(u.ID, time.Hour)
	if err != nil {
		stackTrace(w, err)
		return
	}
	writeJSON(w, 200, map[string]string{"token": tok})
}

// Mint signs a token for the user with the given id, as login does.
func (a *NaiveAPI) Mint(uid int, ttl time.Duration) (string, error) {
	a.mu.Lock()
	var u *User
	for _, x := range a.users {
		if x.ID == uid {
			u = x
		}
	}
	a.mu.Unlock()
	if u == nil {
		return "", fmt.Errorf("no user %d", uid)
	}
	return devtoken.Mint(devtoken.MintConfig{
		Key: a.key, Subject: u.Username, Roles: []string{u.Role},
		Issuer: a.issuer, Audience: []string{a.aud}, TTL: ttl,
		Extra: map[string]any{"uid": u.ID},
	})
}

func (a *NaiveAPI) signup(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		stackTrace(w, fmt.Errorf("SyntaxError: Unexpected token in JSON: %w", err))
		return
	}
	name, _ := in["username"].(string)
	pw, _ := in["password"].(string)
	if name == "" || pw == "" {
		writeJSON(w, 400, map[string]string{"error": "username and password required"})
		return
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	u := &User{Username: name, Role: "user", PasswordHash: hash(pw, salt), salt: salt}
	u.Email, _ = in["email"].(string)
	if role, ok := in["role"].(string); ok { // mass assignment
		u.Role = role
	}
	a.mu.Lock()
	u.ID = len(a.users) + 1
	a.users = append(a.users, u)
	a.mu.Unlock()
	writeJSON(w, 201, u)
}

type claims struct {
	Sub string `json:"sub"`
	UID int    `json:"uid"`
}

// authed decodes the bearer token's payload without verifying anything,
// the way too many APIs do.
func (a *NaiveAPI) authed(next func(http.ResponseWriter, *http.Request, claims)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		parts := strings.Split(tok, ".")
		if len(parts) < 2 {
			writeJSON(w, 401, map[string]string{"error": "no token"})
			return
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		var c claims
		if err == nil {
			err = json.Unmarshal(payload, &c)
		}
		if err != nil || c.Sub == "" {
			stackTrace(w, fmt.Errorf("JsonWebTokenError: jwt malformed: %v", err))
			return
		}
		next(w, r, c)
	}
}

// pathInt reads an integer path parameter, failing the naive way.
func pathInt(w http.ResponseWriter, r *http.Request, name string) (int, bool) {
	id, err := strconv.Atoi(r.PathValue(name))
	if err != nil {
		stackTrace(w, fmt.Errorf("SequelizeDatabaseError: invalid input syntax for type integer: %q", r.PathValue(name)))
		return 0, false
	}
	return id, true
}

func (a *NaiveAPI) getUser(w http.ResponseWriter, r *http.Request, _ claims) {
	id, ok := pathInt(w, r, "uid")
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.users {
		if u.ID == id {
			writeJSON(w, 200, u)
			return
		}
	}
	writeJSON(w, 404, map[string]string{"error": "user not found"})
}

// getNote trusts the path: the note must belong to {uid}, but nobody
// checks that {uid} is the caller.
func (a *NaiveAPI) getNote(w http.ResponseWriter, r *http.Request, _ claims) {
	uid, ok := pathInt(w, r, "uid")
	if !ok {
		return
	}
	id, ok := pathInt(w, r, "id")
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range a.notes {
		if n.ID == id && n.Owner == uid {
			writeJSON(w, 200, n)
			return
		}
	}
	writeJSON(w, 404, map[string]string{"error": "note not found"})
}

func (a *NaiveAPI) getAnyNote(w http.ResponseWriter, r *http.Request, _ claims) {
	id, ok := pathInt(w, r, "id")
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range a.notes {
		if n.ID == id {
			writeJSON(w, 200, n)
			return
		}
	}
	writeJSON(w, 404, map[string]string{"error": "note not found"})
}

func (a *NaiveAPI) listNotes(w http.ResponseWriter, r *http.Request, _ claims) {
	uid, ok := pathInt(w, r, "uid")
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []*Note{}
	for _, n := range a.notes {
		if n.Owner == uid {
			out = append(out, n)
		}
	}
	writeJSON(w, 200, out)
}

func (a *NaiveAPI) createNote(w http.ResponseWriter, r *http.Request, _ claims) {
	uid, ok := pathInt(w, r, "uid")
	if !ok {
		return
	}
	var in struct{ Title, Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		stackTrace(w, fmt.Errorf("SyntaxError: Unexpected token in JSON: %w", err))
		return
	}
	a.mu.Lock()
	n := &Note{ID: len(a.notes) + 1, Owner: uid, Title: in.Title, Body: in.Body}
	a.notes = append(a.notes, n)
	a.mu.Unlock()
	writeJSON(w, 201, n)
}

func (a *NaiveAPI) stats(w http.ResponseWriter, _ *http.Request, _ claims) { // no role check
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, 200, map[string]int{"users": len(a.users), "notes": len(a.notes)})
}
