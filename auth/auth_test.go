package auth_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/auth"
	"github.com/rampart-api/rampart/problem"
)

var (
	errExpired  = errors.New("jwt: token expired")
	errIdPDown  = errors.New("introspect: endpoint unavailable: dial tcp 127.0.0.1:9: connection refused")
	alice       = &rampart.Principal{Subject: "alice", Method: "test"}
	noCreds     = auth.Func(func(*http.Request) (*rampart.Principal, error) { return nil, rampart.ErrNoCredentials })
	wrappedNone = auth.Func(func(*http.Request) (*rampart.Principal, error) {
		return nil, fmt.Errorf("apikey: %w", rampart.ErrNoCredentials)
	})
	expired = auth.Func(func(*http.Request) (*rampart.Principal, error) {
		return nil, fmt.Errorf("%w: %w", rampart.ErrInvalidCredentials, errExpired)
	})
	down = auth.Func(func(*http.Request) (*rampart.Principal, error) {
		return nil, fmt.Errorf("introspecting token: %w", errIdPDown)
	})
	ok     = auth.Func(func(*http.Request) (*rampart.Principal, error) { return alice, nil })
	broken = auth.Func(func(*http.Request) (*rampart.Principal, error) { return nil, nil })
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name          string
		chain         []rampart.Authenticator
		wantStatus    int
		wantChallenge string
		wantReason    string
	}{
		{"first verifies", []rampart.Authenticator{ok, expired}, 200, "", ""},
		{"no credentials tries the next", []rampart.Authenticator{noCreds, wrappedNone, ok}, 200, "", ""},
		{"nobody found credentials", []rampart.Authenticator{noCreds, wrappedNone}, 401, `Bearer realm="notes"`, "no credentials"},
		{"invalid stops the chain", []rampart.Authenticator{noCreds, expired, ok}, 401, `Bearer realm="notes", error="invalid_token"`, "jwt: token expired"},
		{"idp down is not bad credentials", []rampart.Authenticator{down, ok}, 503, "", "introspecting token: " + errIdPDown.Error()},
		{"nil principal fails closed", []rampart.Authenticator{broken, ok}, 503, "", auth.ErrNoPrincipal.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			mw, err := auth.New(auth.Config{
				Authenticators: tt.chain,
				Realm:          "notes",
				Events:         audit.NewLogger(slog.NewJSONHandler(&events, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			var got *rampart.Principal
			h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = rampart.PrincipalFrom(r.Context())
			}))
			r := httptest.NewRequest("GET", "/api/notes/1", nil)
			r.Header.Set("Authorization", "Bearer secret-token-value")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if c := w.Header().Get("WWW-Authenticate"); c != tt.wantChallenge {
				t.Fatalf("WWW-Authenticate = %q, want %q", c, tt.wantChallenge)
			}
			if tt.wantStatus == 200 {
				if got != alice {
					t.Fatalf("principal = %v", got)
				}
				if events.Len() != 0 {
					t.Fatalf("event on success: %s", events.String())
				}
				return
			}
			if got != nil {
				t.Fatal("next ran after a refusal")
			}
			for _, leak := range []string{"expired", "jwt", "dial", "127.0.0.1", "secret-token", "introspect"} {
				if strings.Contains(w.Body.String(), leak) {
					t.Fatalf("body says %q: %s", leak, w.Body)
				}
			}
			var ev map[string]any
			if err := json.Unmarshal(events.Bytes(), &ev); err != nil {
				t.Fatalf("event: %v: %q", err, events.String())
			}
			if ev["event"] != audit.AuthFailed || ev["reason"] != tt.wantReason || ev["owasp"] != audit.OWASPAuth || ev["status"] != float64(tt.wantStatus) {
				t.Fatalf("event = %v", ev)
			}
			if _, ok := ev["subject"]; ok {
				t.Fatalf("unverified subject logged: %v", ev)
			}
			if strings.Contains(events.String(), "secret-token") {
				t.Fatal("event carries the token")
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	_, err := auth.New(auth.Config{Authenticators: []rampart.Authenticator{ok, nil}, Realm: "a\"b"})
	if !errors.Is(err, auth.ErrNilAuthenticator) || !errors.Is(err, auth.ErrBadRealm) {
		t.Fatalf("err = %v, want both problems", err)
	}
	if _, err := auth.New(auth.Config{}); !errors.Is(err, auth.ErrNoAuthenticators) {
		t.Fatalf("err = %v", err)
	}
	for _, realm := range []string{"x\r\nSet-Cookie: a=b", `x\`, "caf\u00e9"} {
		if _, err := auth.New(auth.Config{Authenticators: []rampart.Authenticator{ok}, Realm: realm}); !errors.Is(err, auth.ErrBadRealm) {
			t.Errorf("realm %q accepted", realm)
		}
	}
}

func TestCustomErrorHandler(t *testing.T) {
	var seen error
	mw, err := auth.New(auth.Config{
		Authenticators: []rampart.Authenticator{expired},
		ErrorHandler:   func(w http.ResponseWriter, r *http.Request, err error) { seen = err; w.WriteHeader(418) },
	})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	mw.Handler(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 418 || !errors.Is(seen, errExpired) || !errors.Is(seen, rampart.ErrInvalidCredentials) {
		t.Fatalf("code %d, err %v", w.Code, seen)
	}
}

func TestReason(t *testing.T) {
	if got := auth.Reason(fmt.Errorf("%w: %w", rampart.ErrInvalidCredentials, errExpired)); got != "jwt: token expired" {
		t.Fatalf("Reason = %q", got)
	}
	for _, err := range []error{
		rampart.InvalidCredentials(errExpired),
		fmt.Errorf("verifying: %w", rampart.InvalidCredentials(errExpired)),
		&problem.Error{Status: 401, Reason: "jwt: token expired", Err: errors.New("rampart: invalid credentials: other")},
	} {
		if got := auth.Reason(err); got != "jwt: token expired" {
			t.Fatalf("Reason(%v) = %q", err, got)
		}
	}
	if got := auth.Reason(errors.New("rampart: invalid credentials: text only")); got != "rampart: invalid credentials: text only" {
		t.Fatalf("Reason of an untyped error = %q; its text must not be trimmed", got)
	}
	if got := auth.Reason(nil); got != "" {
		t.Fatalf("Reason(nil) = %q", got)
	}
}

type schemed struct {
	auth.Func
	scheme string
}

func (s schemed) Scheme() string { return s.scheme }

func TestChallengeFollowsScheme(t *testing.T) {
	none := auth.Func(func(*http.Request) (*rampart.Principal, error) { return nil, rampart.ErrNoCredentials })
	bad := auth.Func(func(*http.Request) (*rampart.Principal, error) { return nil, rampart.ErrInvalidCredentials })
	tests := []struct {
		name        string
		list        []rampart.Authenticator
		wantNone    string
		wantInvalid string
	}{
		{"bearer by default", []rampart.Authenticator{none}, `Bearer realm="r"`, `Bearer realm="r", error="invalid_token"`},
		{"api key in its own header: no challenge", []rampart.Authenticator{schemed{none, ""}}, "", ""},
		{"raw token: no challenge", []rampart.Authenticator{schemed{bad, ""}}, "", ""},
		{"api key scheme", []rampart.Authenticator{schemed{bad, "ApiKey"}}, `ApiKey realm="r"`, `ApiKey realm="r"`},
		{"bearer then api key, each once", []rampart.Authenticator{schemed{none, "Bearer"}, schemed{none, "ApiKey"}, schemed{none, "bearer"}},
			`Bearer realm="r", ApiKey realm="r"`, `Bearer realm="r", error="invalid_token", ApiKey realm="r"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, invalid := range []bool{false, true} {
				list := tt.list
				if invalid {
					list = append([]rampart.Authenticator{bad}, tt.list...)
					list[0] = replaceWith(tt.list[0], bad)
				}
				a, err := auth.New(auth.Config{Authenticators: list, Realm: "r"})
				if err != nil {
					t.Fatal(err)
				}
				rec := httptest.NewRecorder()
				a.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				want := tt.wantNone
				if invalid {
					want = tt.wantInvalid
				}
				if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") != want || len(rec.Header()["Www-Authenticate"]) > 1 {
					t.Fatalf("invalid=%v: %d %q, want %q", invalid, rec.Code, rec.Header()["Www-Authenticate"], want)
				}
			}
		})
	}
}

// replaceWith keeps a's scheme but makes it refuse credentials.
func replaceWith(a rampart.Authenticator, bad auth.Func) rampart.Authenticator {
	if s, ok := a.(schemed); ok {
		return schemed{bad, s.scheme}
	}
	return bad
}
