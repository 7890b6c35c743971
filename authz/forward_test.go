package authz_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/authz"
)

func spoofed() http.Header {
	h := http.Header{}
	h.Set("X-Rampart-Subject", "admin")
	h.Add("X-Rampart-Subject", "root")
	h["x-rampart-roles"] = []string{"admin"} // non-canonical key straight into the map
	h["X_Rampart_Roles"] = []string{"admin"} // CGI maps this to HTTP_X_RAMPART_ROLES too
	h.Set("X-RAMPART-TENANT", "globex")
	h["X-Rampart-Scopes"] = []string{"admin:all"}
	h.Set("Authorization", "Bearer keep-me")
	h.Set("X-Rampart-Subjects", "keep-me")
	h.Set("X-Rampart", "keep-me")
	return h
}

func TestRewrite(t *testing.T) {
	fwd, err := authz.NewForwarder(authz.ForwardConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		principal *rampart.Principal
		want      map[string][]string
	}{
		{"spoofed headers replaced", alice, map[string][]string{
			"X-Rampart-Subject": {"alice"}, "X-Rampart-Roles": {"user"}, "X-Rampart-Scopes": {"notes:read"}, "X-Rampart-Tenant": {"acme"},
		}},
		{"no principal forwards nothing", nil, map[string][]string{}},
		{"empty fields are not sent", &rampart.Principal{Subject: "svc"}, map[string][]string{"X-Rampart-Subject": {"svc"}}},
		{"header injection in a claim", &rampart.Principal{Subject: "alice\r\nX-Admin: 1", Tenant: "acme\x00"}, map[string][]string{
			"X-Rampart-Subject": {"alice%0D%0AX-Admin:%201"}, "X-Rampart-Tenant": {"acme%00"},
		}},
		{"role that splits the list", &rampart.Principal{Subject: "bob", Roles: []string{"user,admin", "ops"}, Scopes: []string{"a,b"}}, map[string][]string{
			"X-Rampart-Subject": {"bob"}, "X-Rampart-Roles": {"user%2Cadmin,ops"}, "X-Rampart-Scopes": {"a%2Cb"},
		}},
		{"percent cannot collide", &rampart.Principal{Subject: "a%20b"}, map[string][]string{"X-Rampart-Subject": {"a%2520b"}}},
		{"non-ascii subject", &rampart.Principal{Subject: "Jos\u00e9"}, map[string][]string{"X-Rampart-Subject": {"Jos%C3%A9"}}},
	}
	// A proxy's own pass over the headers, then SetInfo.
	viaPass := func(h http.Header, p *rampart.Principal) {
		for k := range h {
			if fwd.IsIdentityHeader(k) {
				delete(h, k)
			}
		}
		_, info := rampart.WithInfo(httptest.NewRequest("GET", "/", nil))
		info.Principal = p
		fwd.SetInfo(h, info)
	}
	for _, tt := range tests {
		for _, via := range []struct {
			name    string
			rewrite func(http.Header, *rampart.Principal)
		}{{"Rewrite", fwd.Rewrite}, {"IsIdentityHeader+SetInfo", viaPass}} {
			t.Run(via.name+"/"+tt.name, func(t *testing.T) {
				h := spoofed()
				via.rewrite(h, tt.principal)
				got := map[string][]string{}
				for k, v := range h {
					if strings.Contains(strings.ToLower(strings.ReplaceAll(k, "_", "-")), "x-rampart-") && v[0] != "keep-me" {
						got[k] = v
					}
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("identity headers = %v, want %v", got, tt.want)
				}
				for _, k := range []string{"Authorization", "X-Rampart-Subjects", "X-Rampart"} {
					if len(h[k]) != 1 {
						t.Fatalf("unrelated header %s touched: %v", k, h[k])
					}
				}
			})
		}
	}
}

// TestSetInfoAllocations pins that forwarding a verified identity
// through the request's Info takes no value slices from the heap.
func TestSetInfoAllocations(t *testing.T) {
	fwd, err := authz.NewForwarder(authz.ForwardConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	h := http.Header{"Accept": {"*/*"}, "X-Rampart-Subject": {"spoof"}}
	n := testing.AllocsPerRun(100, func() {
		_, info := rampart.WithInfo(r) // a fresh Info each time, as each request has
		info.Principal = alice
		fwd.Strip(h)
		fwd.SetInfo(h, info)
	})
	withInfo := testing.AllocsPerRun(100, func() {
		_, info := rampart.WithInfo(r)
		info.Principal = alice
	})
	if n-withInfo != 0 {
		t.Errorf("SetInfo: %v allocations, want 0", n-withInfo)
	}
	if got := h.Get("X-Rampart-Subject"); got != "alice" {
		t.Errorf("subject %q", got)
	}
}

func TestForwarderConfig(t *testing.T) {
	fwd, err := authz.NewForwarder(authz.ForwardConfig{Subject: "X-User", Roles: "-"})
	if err != nil {
		t.Fatal(err)
	}
	h := spoofed()
	h.Set("x_user", "mallory")
	fwd.Rewrite(h, alice)
	if h.Get("X-User") != "alice" || len(h["X-User"]) != 1 || h.Get("X_user") != "" {
		t.Fatalf("subject header: %v", h)
	}
	roles := 0
	for k := range h {
		if strings.EqualFold(strings.ReplaceAll(k, "_", "-"), "X-Rampart-Roles") {
			roles++
		}
	}
	if roles != 0 {
		t.Fatalf("disabled roles header still passes the client's copy: %v", h)
	}
	if h.Get("X-Rampart-Subject") != "" {
		t.Fatal("default subject header from the client kept after renaming")
	}
	_, err = authz.NewForwarder(authz.ForwardConfig{Subject: "X-Rampart-Roles", Tenant: "Bad Header"})
	if !errors.Is(err, authz.ErrDuplicateHeader) || !errors.Is(err, authz.ErrBadHeader) {
		t.Fatalf("err = %v", err)
	}
}

// An identity header may not be named like one the gateway sets or
// removes on the way to the upstream, in any spelling an upstream reads
// as that header; names that merely resemble one are accepted.
func TestForwarderRefusesReservedNames(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   authz.ForwardConfig
		field string // refused at this field; "" accepted
	}{
		{"forwarding header", authz.ForwardConfig{Subject: "X-Forwarded-For"}, "subject"},
		{"lower case", authz.ForwardConfig{Roles: "x-real-ip"}, "roles"},
		{"underscores", authz.ForwardConfig{Scopes: "X_Forwarded_Host"}, "scopes"},
		{"RFC 7239", authz.ForwardConfig{Tenant: "FORWARDED"}, "tenant"},
		{"forwarded proto", authz.ForwardConfig{Subject: "x_forwarded_PROTO"}, "subject"},
		{"request id", authz.ForwardConfig{Subject: "X-Request-ID"}, "subject"},
		{"trace context", authz.ForwardConfig{Subject: "traceparent"}, "subject"},
		{"trace state", authz.ForwardConfig{Tenant: "TraceState"}, "tenant"},
		{"user agent", authz.ForwardConfig{Subject: "user_agent"}, "subject"},
		{"hop-by-hop", authz.ForwardConfig{Roles: "Connection"}, "roles"},
		{"transfer encoding", authz.ForwardConfig{Roles: "transfer-encoding"}, "roles"},
		{"host", authz.ForwardConfig{Subject: "Host"}, "subject"},
		{"a longer name", authz.ForwardConfig{Subject: "X-Forwarded-For-User"}, ""},
		{"a prefix", authz.ForwardConfig{Subject: "X-Forwarded"}, ""},
		{"a similar name", authz.ForwardConfig{Subject: "X-Real-User"}, ""},
		{"disabled", authz.ForwardConfig{Subject: "-"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := authz.NewForwarder(tt.cfg)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var he *authz.HeaderError
			if !errors.Is(err, authz.ErrReservedHeader) || !errors.As(err, &he) {
				t.Fatalf("err = %v, want ErrReservedHeader", err)
			}
			if he.Field != tt.field || he.Reason == "" {
				t.Fatalf("refused at %q (%q), want %q", he.Field, he.Reason, tt.field)
			}
		})
	}
}

// IsIdentityHeader answers for every configured name, short or long, in
// any case and with '_' for '-', and for nothing else.
func TestIsIdentityHeader(t *testing.T) {
	long := "X-" + strings.Repeat("Identity-", 8) + "Subject" // 81 bytes
	fwd, err := authz.NewForwarder(authz.ForwardConfig{Subject: long, Tenant: "T"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{long, strings.ToLower(long), strings.ReplaceAll(long, "-", "_"), "t", "T",
		"X-Rampart-Subject", "x_rampart_roles", "X-RAMPART-SCOPES", "X-Rampart-Tenant"} {
		if !fwd.IsIdentityHeader(name) {
			t.Errorf("%q not an identity header", name)
		}
	}
	for _, name := range []string{"", "U", "X-Rampart-Subjects", "X-Rampart-Subjec", long[:len(long)-1] + "x", long + "s", strings.Repeat("a", 64), "Accept", "X-Request-Id"} {
		if fwd.IsIdentityHeader(name) {
			t.Errorf("%q taken for an identity header", name)
		}
	}
}

// The forwarder inside a real httputil.ReverseProxy: the upstream sees only
// the verified identity, and sanitised values pass Go's header checks.
func TestRewriteThroughProxy(t *testing.T) {
	var seen http.Header
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.Header.Clone() }))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)
	fwd, err := authz.NewForwarder(authz.ForwardConfig{})
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		fwd.Rewrite(pr.Out.Header, rampart.PrincipalFrom(pr.In.Context()))
	}}
	for _, p := range []*rampart.Principal{
		{Subject: "alice\r\nX-Admin: 1", Roles: []string{"user"}},
		nil,
	} {
		r := httptest.NewRequest("GET", "/notes", nil)
		r.Header = spoofed()
		r.Header.Set("X-Rampart-Subject", "admin")
		r, info := rampart.WithInfo(r)
		info.Principal = p
		w := httptest.NewRecorder()
		proxy.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("proxy status %d", w.Code)
		}
		wantSub := ""
		if p != nil {
			wantSub = "alice%0D%0AX-Admin:%201"
		}
		if got := seen.Values("X-Rampart-Subject"); wantSub == "" && len(got) != 0 || wantSub != "" && (len(got) != 1 || got[0] != wantSub) {
			t.Fatalf("upstream saw subject %q", got)
		}
		if seen.Get("X-Admin") != "" || seen.Get("X-Rampart-Tenant") != "" || seen.Get("X_rampart_roles") != "" {
			t.Fatalf("upstream saw spoofed headers: %v", seen)
		}
	}
}

func FuzzRewrite(f *testing.F) {
	for _, s := range []string{"alice", "alice\r\nX-Admin: 1", "user,admin", "a%20b", "Jos\u00e9", "", " ", "\x7f"} {
		f.Add(s, s)
	}
	fwd, err := authz.NewForwarder(authz.ForwardConfig{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sub, role string) {
		h := http.Header{}
		fwd.Rewrite(h, &rampart.Principal{Subject: sub, Roles: []string{role, "x"}})
		for k, vs := range h {
			for _, v := range vs {
				for i := 0; i < len(v); i++ {
					if v[i] <= 0x20 || v[i] >= 0x7f {
						t.Fatalf("%s carries byte %#x: %q", k, v[i], v)
					}
				}
			}
		}
		if sub != "" {
			if got, err := url.PathUnescape(h.Get("X-Rampart-Subject")); err != nil || got != sub {
				t.Fatalf("subject %q forwarded as %q (decodes to %q, %v)", sub, h.Get("X-Rampart-Subject"), got, err)
			}
		}
		roles := strings.Split(h.Get("X-Rampart-Roles"), ",")
		if role != "" && len(roles) != 2 || role == "" && len(roles) != 1 {
			t.Fatalf("role %q split into %q", role, roles)
		}
	})
}
