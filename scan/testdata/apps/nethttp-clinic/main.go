// Command nethttp-clinic is a deliberately vulnerable clinic API on the
// standard library's ServeMux. Every flaw is listed in manifest.json;
// never deploy it.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type patient struct {
	ID       string `json:"patient_id"`
	Name     string `json:"name"`
	SSNLast4 string `json:"ssn_last4"`
	username string
	password string
	scope    string
}

type appointment struct {
	ID        int    `json:"id"`
	PatientID string `json:"patient_id"`
	Doctor    string `json:"doctor"`
	At        string `json:"at"`
}

var (
	key    *rsa.PrivateKey
	pubPEM []byte

	patients = []patient{
		{"p-1001", "Ada Admin", "0001", "admin", "admin-Passw0rd!", "admin"},
		{"p-1002", "Alice", "1234", "alice", "alice-Passw0rd!", "patient"},
		{"p-1003", "Bob", "9876", "bob", "bob-Passw0rd!", "patient"},
	}
	appointments = []appointment{
		{1, "p-1002", "Dr. Quinn", "2026-12-01T09:00:00Z"},
		{2, "p-1003", "Dr. House", "2026-12-02T10:30:00Z"},
		{3, "p-1001", "Dr. Who", "2026-12-03T15:00:00Z"},
	}

	failMu   sync.Mutex
	failures = map[string][]time.Time{}
)

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

type claims struct {
	PatientID string `json:"patient_id"`
	Scope     string `json:"scope"`
	jwt.RegisteredClaims
}

// keyFor picks the verification key by algorithm. Partner systems sign
// with HS256 using the published key as the shared secret.
func keyFor(t *jwt.Token) (any, error) {
	switch t.Method.(type) {
	case *jwt.SigningMethodRSA:
		return &key.PublicKey, nil
	case *jwt.SigningMethodHMAC:
		return pubPEM, nil
	}
	return nil, fmt.Errorf("unexpected alg %v", t.Header["alg"])
}

func authed(next func(http.ResponseWriter, *http.Request, *claims)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			// Download links and the calendar feed carry the token in the URL.
			tok = r.URL.Query().Get("access_token")
		}
		var c claims
		if _, err := jwt.ParseWithClaims(tok, &c, keyFor); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid token"})
			return
		}
		next(w, r, &c)
	}
}

// tooMany reports whether ip failed to log in five times in the last minute.
func tooMany(ip string, failed bool) bool {
	failMu.Lock()
	defer failMu.Unlock()
	now := time.Now()
	recent := failures[ip][:0]
	for _, t := range failures[ip] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if failed {
		recent = append(recent, now)
	}
	failures[ip] = recent
	return len(recent) >= 5
}

func login(w http.ResponseWriter, r *http.Request) {
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	if tooMany(ip, false) {
		w.Header().Set("Retry-After", "60")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many failed logins"})
		return
	}
	var in struct{ Username, Password string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON"})
		return
	}
	for _, p := range patients {
		if p.username == in.Username && p.password == in.Password {
			c := claims{p.ID, p.scope, jwt.RegisteredClaims{Subject: p.username, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}
			t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
			t.Header["kid"] = "clinic-1"
			s, err := t.SignedString(key)
			if err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "signing failed"})
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"access_token": s, "token_type": "Bearer", "expires_in": 3600})
			return
		}
	}
	tooMany(ip, true)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid username or password"})
}

func jwks(w http.ResponseWriter, r *http.Request) {
	b64 := base64.RawURLEncoding.EncodeToString
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "clinic-1", "use": "sig", "alg": "RS256",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
}

func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func main() {
	var err error
	if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		log.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		log.Fatal(err)
	}
	pubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	api := http.NewServeMux()
	api.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"service": "clinic", "links": map[string]string{
			"token": "/auth/token", "appointments": "/appointments", "search": "/search", "keys": "/.well-known/jwks.json"}})
	})
	api.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, map[string]bool{"ok": true}) })
	api.HandleFunc("POST /auth/token", login)
	api.HandleFunc("GET /.well-known/jwks.json", jwks)
	api.HandleFunc("GET /patients/{patient_id}", authed(func(w http.ResponseWriter, r *http.Request, c *claims) {
		id := r.PathValue("patient_id")
		if id != c.PatientID && c.Scope != "admin" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "not your record"})
			return
		}
		for _, p := range patients {
			if p.ID == id {
				writeJSON(w, http.StatusOK, p)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such patient"})
	}))
	api.HandleFunc("GET /appointments", authed(func(w http.ResponseWriter, r *http.Request, c *claims) {
		pid := c.PatientID
		if q := r.URL.Query().Get("patient_id"); q != "" {
			pid = q
		}
		out := []appointment{}
		for _, a := range appointments {
			if a.PatientID == pid {
				out = append(out, a)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"patient_id": pid, "appointments": out})
	}))
	api.HandleFunc("GET /appointments/{id}", authed(func(w http.ResponseWriter, r *http.Request, c *claims) {
		for _, a := range appointments {
			if fmt.Sprint(a.ID) == r.PathValue("id") && (a.PatientID == c.PatientID || c.Scope == "admin") {
				writeJSON(w, http.StatusOK, a)
				return
			}
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such appointment"})
	}))
	api.HandleFunc("GET /admin/appointments", authed(func(w http.ResponseWriter, r *http.Request, c *claims) {
		if c.Scope != "admin" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "admins only"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"appointments": appointments})
	}))
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Unexpected path: " + r.URL.Path})
	})

	mux := http.NewServeMux()
	mux.Handle("/", secureHeaders(api))
	// The legacy search page predates the API and its headers.
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>Search</title><p>No doctors found for <b>%s</b>.</p>", r.URL.Query().Get("q"))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		failMu.Lock()
		n := len(failures)
		failMu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP clinic_login_failure_sources Addresses with failed logins.\n# TYPE clinic_login_failure_sources gauge\nclinic_login_failure_sources %d\n", n)
	})

	addr := "127.0.0.1:" + os.Getenv("PORT")
	log.Printf("nethttp-clinic listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}
