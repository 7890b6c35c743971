package rampart_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
)

func TestChainOrder(t *testing.T) {
	var trace []string
	mark := func(name string) rampart.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				trace = append(trace, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := rampart.Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		trace = append(trace, "handler")
	}), mark("a"), nil, mark("b"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if got := strings.Join(trace, ","); got != "a,b,handler" {
		t.Fatalf("order = %s, want a,b,handler", got)
	}
}

func TestWithInfoReuses(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if rampart.InfoFrom(r.Context()) != nil {
		t.Fatal("fresh request has Info")
	}
	r1, i1 := rampart.WithInfo(r)
	r2, i2 := rampart.WithInfo(r1)
	if i1 != i2 || r1 != r2 {
		t.Fatal("WithInfo made a second Info")
	}
	i1.Principal = &rampart.Principal{Subject: "alice"}
	if p := rampart.PrincipalFrom(r2.Context()); p == nil || p.Subject != "alice" {
		t.Fatalf("PrincipalFrom = %v", p)
	}
}

func TestPrincipalChecks(t *testing.T) {
	p := &rampart.Principal{Roles: []string{"user"}, Scopes: []string{"notes:read", "notes:write"}}
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"role held", p.HasRole("admin", "user"), true},
		{"role missing", p.HasRole("admin"), false},
		{"no roles asked", p.HasRole(), false},
		{"all scopes", p.HasScopes("notes:read", "notes:write"), true},
		{"one scope missing", p.HasScopes("notes:read", "admin"), false},
		{"nil principal role", (*rampart.Principal)(nil).HasRole("user"), false},
		{"nil principal scopes", (*rampart.Principal)(nil).HasScopes("x"), false},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestInfoParam(t *testing.T) {
	i := &rampart.Info{Params: []rampart.Param{{Name: "id", Value: "42"}}}
	if v, ok := i.Param("id"); !ok || v != "42" {
		t.Fatalf("Param(id) = %q, %v", v, ok)
	}
	if _, ok := i.Param("other"); ok {
		t.Fatal("Param(other) found")
	}
}

func TestInfoHeaderValueSlicesAreIndependent(t *testing.T) {
	_, info := rampart.WithInfo(httptest.NewRequest("GET", "/", nil))
	h := http.Header{}
	var keys []string
	for i := range 20 { // past the Info's own storage
		k := "X-H" + strings.Repeat("x", i)
		keys = append(keys, k)
		h[k] = info.HeaderValue(k)
		if v := h[k]; len(v) != 1 || cap(v) != 1 {
			t.Fatalf("value %d: len %d cap %d, want a capped one-element slice", i, len(v), cap(v))
		}
	}
	// An append must copy, never write into the next header's value.
	h[keys[0]] = append(h[keys[0]], "appended")
	h[keys[3]][0] = "changed in place"
	for i, k := range keys {
		want := k
		if i == 3 {
			want = "changed in place"
		}
		if got := h[k]; got[0] != want || (i != 0 && len(got) != 1) {
			t.Errorf("%s = %q, want [%q]", k, got, want)
		}
	}
	var nilInfo *rampart.Info
	if v := nilInfo.HeaderValue("x"); len(v) != 1 || v[0] != "x" {
		t.Errorf("nil Info: %q", v)
	}
}

func TestWithInfoKeepsOtherContextValues(t *testing.T) {
	type key struct{}
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), key{}, "v"))
	r, info := rampart.WithInfo(r)
	if got := r.Context().Value(key{}); got != "v" {
		t.Errorf("other value = %v", got)
	}
	if rampart.InfoFrom(r.Context()) != info {
		t.Error("InfoFrom does not return the attached Info")
	}
	if r2, again := rampart.WithInfo(r); again != info || r2 != r {
		t.Error("WithInfo attached a second Info")
	}
}

// Text hands out strings from the Info's storage that keep their bytes,
// and allocates once the storage is full, or without an Info.
func TestInfoText(t *testing.T) {
	var info rampart.Info
	buf := []byte("203.0.113.7")
	a := info.Text(buf)
	buf[0] = 'X' // the caller's buffer is its own
	b := info.Text([]byte("for=203.0.113.7;proto=https"))
	if a != "203.0.113.7" || b != "for=203.0.113.7;proto=https" || info.Text(nil) != "" {
		t.Fatalf("texts %q %q", a, b)
	}
	var got []string
	for i := range 20 {
		got = append(got, info.Text([]byte(strings.Repeat(string(rune('a'+i)), 10))))
	}
	for i, s := range got {
		if s != strings.Repeat(string(rune('a'+i)), 10) {
			t.Fatalf("text %d is %q: storage reused", i, s)
		}
	}
	if a != "203.0.113.7" || b != "for=203.0.113.7;proto=https" {
		t.Fatalf("earlier texts changed: %q %q", a, b)
	}
	var none *rampart.Info
	if none.Text([]byte("x")) != "x" {
		t.Fatal("nil Info")
	}
}
