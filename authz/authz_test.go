package authz_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/authz"
)

var (
	alice = &rampart.Principal{
		Subject: "alice", Method: "jwt", Roles: []string{"user"}, Scopes: []string{"notes:read"}, Tenant: "acme",
		Claims: map[string]any{
			"sub": "alice", "uid": float64(42), "big": 1e300, "num": json.Number("7"),
			"org": map[string]any{"id": "acme"}, "aliases": []any{"alice"}, "flag": true, "empty": "",
		},
	}
	admin   = &rampart.Principal{Subject: "root", Method: "jwt", Roles: []string{"admin"}, Tenant: "ops"}
	nobody  = &rampart.Principal{Method: "jwt", Roles: []string{"user"}}
	notesID = &authz.Owner{Param: "id", ExceptRoles: []string{"admin"}}
)

// ps builds path parameters from name, value pairs.
func ps(kv ...string) []rampart.Param {
	out := make([]rampart.Param, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, rampart.Param{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestHandler(t *testing.T) {
	tests := []struct {
		name       string
		cfg        authz.Config
		principal  *rampart.Principal
		params     []rampart.Param
		header     []string // X-Tenant-Id values
		wantStatus int
		wantErr    error
		wantOWASP  string
	}{
		{"role held", authz.Config{Roles: []string{"user", "admin"}}, alice, nil, nil, 200, nil, ""},
		{"role missing", authz.Config{Roles: []string{"admin"}}, alice, nil, nil, 403, authz.ErrRoleMissing, audit.OWASPFunctionAuthz},
		{"role name case trick", authz.Config{Roles: []string{"User"}}, alice, nil, nil, 403, authz.ErrRoleMissing, audit.OWASPFunctionAuthz},
		{"all scopes", authz.Config{Scopes: []string{"notes:read"}}, alice, nil, nil, 200, nil, ""},
		{"one scope missing", authz.Config{Scopes: []string{"notes:read", "notes:write"}}, alice, nil, nil, 403, authz.ErrScopeMissing, audit.OWASPFunctionAuthz},
		{"no principal at all", authz.Config{}, nil, nil, nil, 401, authz.ErrNoPrincipal, audit.OWASPAuth},
		{"empty rule, verified principal", authz.Config{}, alice, nil, nil, 200, nil, ""},

		{"owner reads own note", authz.Config{Owner: notesID}, alice, ps("id", "alice"), nil, 200, nil, ""},
		{"cross-user note", authz.Config{Owner: notesID}, alice, ps("id", "bob"), nil, 403, authz.ErrNotOwner, audit.OWASPBOLA},
		{"owner case trick", authz.Config{Owner: notesID}, alice, ps("id", "Alice"), nil, 403, authz.ErrNotOwner, audit.OWASPBOLA},
		{"owner with trailing space", authz.Config{Owner: notesID}, alice, ps("id", "alice "), nil, 403, authz.ErrNotOwner, audit.OWASPBOLA},
		{"owner param empty", authz.Config{Owner: notesID}, alice, ps("id", ""), nil, 403, authz.ErrNotOwner, audit.OWASPBOLA},
		{"empty subject never owns empty id", authz.Config{Owner: notesID}, nobody, ps("id", ""), nil, 403, authz.ErrOwnerClaim, audit.OWASPBOLA},
		{"admin is excepted", authz.Config{Owner: notesID}, admin, ps("id", "bob"), nil, 200, nil, ""},
		{"owner param missing from route", authz.Config{Owner: notesID}, alice, ps("note", "alice"), nil, 500, authz.ErrParamMissing, audit.OWASPMisconfig},
		{"owner param decoy of another name", authz.Config{Owner: notesID}, alice, ps("ID", "alice", "id", "bob"), nil, 403, authz.ErrNotOwner, audit.OWASPBOLA},
		{"numeric claim matches", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "uid"}}, alice, ps("id", "42"), nil, 200, nil, ""},
		{"numeric claim, leading zero", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "uid"}}, alice, ps("id", "042"), nil, 403, authz.ErrNotOwner, audit.OWASPBOLA},
		{"numeric claim, decimal form", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "uid"}}, alice, ps("id", "42.0"), nil, 403, authz.ErrNotOwner, audit.OWASPBOLA},
		{"json.Number claim", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "num"}}, alice, ps("id", "7"), nil, 200, nil, ""},
		{"huge float claim", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "big"}}, alice, ps("id", "1e300"), nil, 403, authz.ErrOwnerClaim, audit.OWASPBOLA},
		{"claim of wrong type: array", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "aliases"}}, alice, ps("id", "alice"), nil, 403, authz.ErrOwnerClaim, audit.OWASPBOLA},
		{"claim of wrong type: bool", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "flag"}}, alice, ps("id", "true"), nil, 403, authz.ErrOwnerClaim, audit.OWASPBOLA},
		{"claim of wrong type: object", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "org"}}, alice, ps("id", "map[id:acme]"), nil, 403, authz.ErrOwnerClaim, audit.OWASPBOLA},
		{"claim absent", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "user_id"}}, alice, ps("id", ""), nil, 403, authz.ErrOwnerClaim, audit.OWASPBOLA},
		{"claim empty", authz.Config{Owner: &authz.Owner{Param: "id", Claim: "empty"}}, alice, ps("id", ""), nil, 403, authz.ErrOwnerClaim, audit.OWASPBOLA},
		{"nested claim", authz.Config{Owner: &authz.Owner{Param: "org", Claim: "org.id"}}, alice, ps("org", "acme"), nil, 200, nil, ""},
		{"role checked before ownership", authz.Config{Roles: []string{"user"}, Owner: notesID}, admin, ps("id", "bob"), nil, 403, authz.ErrRoleMissing, audit.OWASPFunctionAuthz},

		{"tenant header matches", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, alice, nil, []string{"acme"}, 200, nil, ""},
		{"tenant header spoofed", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, alice, nil, []string{"globex"}, 403, authz.ErrTenantMismatch, audit.OWASPBOLA},
		{"tenant header twice, own first", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, alice, nil, []string{"acme", "globex"}, 403, authz.ErrTenantMissing, audit.OWASPBOLA},
		{"tenant header twice, own last", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, alice, nil, []string{"globex", "acme"}, 403, authz.ErrTenantMissing, audit.OWASPBOLA},
		{"tenant header comma list", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, alice, nil, []string{"acme,globex"}, 403, authz.ErrTenantMismatch, audit.OWASPBOLA},
		{"tenant header absent", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, alice, nil, nil, 403, authz.ErrTenantMissing, audit.OWASPBOLA},
		{"tenant header empty", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, alice, nil, []string{""}, 403, authz.ErrTenantMissing, audit.OWASPBOLA},
		{"principal without tenant", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, nobody, nil, []string{""}, 403, authz.ErrTenantMissing, audit.OWASPBOLA},
		{"principal without tenant, header set", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, nobody, nil, []string{"acme"}, 403, authz.ErrTenantClaim, audit.OWASPBOLA},
		{"tenant param and claim path", authz.Config{Tenant: &authz.Tenant{Param: "tenant", Claim: "org.id"}}, alice, ps("tenant", "acme"), nil, 200, nil, ""},
		{"tenant param mismatch", authz.Config{Tenant: &authz.Tenant{Param: "tenant", Claim: "org.id"}}, alice, ps("tenant", "globex"), nil, 403, authz.ErrTenantMismatch, audit.OWASPBOLA},
		{"tenant param missing", authz.Config{Tenant: &authz.Tenant{Param: "tenant"}}, alice, nil, nil, 500, authz.ErrParamMissing, audit.OWASPMisconfig},
		{"admin is not excepted from tenancy", authz.Config{Tenant: &authz.Tenant{Header: "X-Tenant-Id"}}, admin, nil, []string{"acme"}, 403, authz.ErrTenantMismatch, audit.OWASPBOLA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			cfg := tt.cfg
			cfg.Events = audit.NewLogger(slog.NewJSONHandler(&events, nil))
			a, err := authz.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/api/notes/x", nil)
			for _, v := range tt.header {
				r.Header.Add("X-Tenant-Id", v)
			}
			r, info := rampart.WithInfo(r)
			info.Principal, info.Params = tt.principal, tt.params

			if err := a.Authorize(r.Context(), tt.principal, r); !errors.Is(err, tt.wantErr) && !(err == nil && tt.wantErr == nil) {
				t.Fatalf("Authorize = %v, want %v", err, tt.wantErr)
			}
			reached := false
			w := httptest.NewRecorder()
			a.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })).ServeHTTP(w, r)
			if w.Code != tt.wantStatus || reached != (tt.wantStatus == 200) {
				t.Fatalf("status = %d (next ran: %v), want %d", w.Code, reached, tt.wantStatus)
			}
			if tt.wantStatus == 200 {
				if events.Len() > 0 {
					t.Fatalf("event on success: %s", events.String())
				}
				return
			}
			var d *authz.Denial
			if tt.wantStatus == 403 && (!errors.As(tt.wantErr, &d) || !errors.Is(tt.wantErr, rampart.ErrForbidden)) {
				t.Fatalf("%v is not a Denial wrapping ErrForbidden", tt.wantErr)
			}
			for _, leak := range []string{"owner", "tenant", "role", "scope", "acme", "globex"} {
				if strings.Contains(w.Body.String(), leak) {
					t.Fatalf("body says %q: %s", leak, w.Body)
				}
			}
			var ev map[string]any
			if err := json.Unmarshal(events.Bytes(), &ev); err != nil {
				t.Fatalf("event: %v %q", err, events.String())
			}
			wantReason := strings.TrimPrefix(tt.wantErr.Error(), "authz: ")
			if tt.wantErr == authz.ErrNoPrincipal {
				wantReason = "no principal"
			}
			if ev["event"] != audit.AuthzDenied || ev["reason"] != wantReason || ev["owasp"] != tt.wantOWASP || ev["status"] != float64(tt.wantStatus) {
				t.Fatalf("event = %v", ev)
			}
			challenge := w.Header().Get("WWW-Authenticate")
			switch {
			case tt.wantErr == authz.ErrScopeMissing && challenge != `Bearer realm="rampart", error="insufficient_scope"`,
				tt.wantStatus == 401 && challenge != `Bearer realm="rampart"`,
				tt.wantStatus != 401 && tt.wantErr != authz.ErrScopeMissing && challenge != "":
				t.Fatalf("WWW-Authenticate = %q", challenge)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	_, err := authz.New(authz.Config{
		Roles:  []string{"admin", ""},
		Scopes: []string{"a b"},
		Owner:  &authz.Owner{Claim: "a..b"},
		Tenant: &authz.Tenant{Param: "t", Header: "X-T"},
		Realm:  "x\"y",
	})
	for _, want := range []error{authz.ErrBadName, authz.ErrBadTenant, authz.ErrBadRealm} {
		if !errors.Is(err, want) {
			t.Errorf("missing %v in %v", want, err)
		}
	}
	for _, frag := range []string{"roles[1]", "scopes[0]", "owner.param", "owner.claim"} {
		if err == nil || !strings.Contains(err.Error(), frag) {
			t.Errorf("error does not mention %s: %v", frag, err)
		}
	}
	if _, err := authz.New(authz.Config{Tenant: &authz.Tenant{Header: "X Tenant"}}); !errors.Is(err, authz.ErrBadHeader) {
		t.Fatalf("bad header: %v", err)
	}
	if _, err := authz.New(authz.Config{Tenant: &authz.Tenant{}}); !errors.Is(err, authz.ErrBadTenant) {
		t.Fatalf("empty tenant: %v", err)
	}
}
