package demo_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/examples/demo"
)

func start(t *testing.T) *demo.Demo {
	t.Helper()
	d, err := demo.Start(context.Background(), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

type answer struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, method, url, token, origin, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

var helmet = map[string]string{
	"Content-Security-Policy":           "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
	"Cross-Origin-Opener-Policy":        "same-origin",
	"Cross-Origin-Resource-Policy":      "same-origin",
	"Origin-Agent-Cluster":              "?1",
	"Referrer-Policy":                   "no-referrer",
	"Strict-Transport-Security":         "max-age=31536000; includeSubDomains",
	"X-Content-Type-Options":            "nosniff",
	"X-Dns-Prefetch-Control":            "off",
	"X-Download-Options":                "noopen",
	"X-Frame-Options":                   "SAMEORIGIN",
	"X-Permitted-Cross-Domain-Policies": "none",
	"X-Xss-Protection":                  "0",
}

// The naive API shows every flaw; the same requests through the gateway
// show none.
func TestNaiveVersusGateway(t *testing.T) {
	d := start(t)
	alice, admin := d.Tokens["alice"], d.Tokens["admin"]

	t.Run("headers", func(t *testing.T) {
		api := get(t, "GET", d.APIURL+"/api/health", "", "", "")
		gw := get(t, "GET", d.GatewayURL+"/api/health", "", "", "")
		if api.header.Get("X-Powered-By") == "" || api.header.Get("Content-Security-Policy") != "" {
			t.Fatal("naive API is not naive")
		}
		for k, v := range helmet {
			if got := gw.header.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("%s = %q", k, got)
			}
		}
		if gw.header.Get("X-Powered-By") != "" || gw.header.Get("Server") != "" {
			t.Error("banner leaked")
		}
	})

	t.Run("cors", func(t *testing.T) {
		api := get(t, "GET", d.APIURL+"/api/health", "", "https://evil.example", "")
		gw := get(t, "GET", d.GatewayURL+"/api/health", "", "https://evil.example", "")
		ok := get(t, "GET", d.GatewayURL+"/api/health", "", "http://localhost:3000", "")
		if api.header.Get("Access-Control-Allow-Origin") != "https://evil.example" {
			t.Fatal("naive API does not reflect origins")
		}
		if gw.header.Get("Access-Control-Allow-Origin") != "" || gw.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("gateway allowed evil origin: %v", gw.header)
		}
		if ok.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
			t.Fatal("listed origin refused")
		}
	})

	t.Run("errors", func(t *testing.T) {
		api := get(t, "GET", d.APIURL+"/api/users/abc", alice, "", "")
		gw := get(t, "GET", d.GatewayURL+"/api/users/abc", alice, "", "")
		if api.status != 500 || !strings.Contains(api.body, "stack") {
			t.Fatalf("naive API: %d %s", api.status, api.body)
		}
		if strings.Contains(gw.body, "stack") || strings.Contains(gw.body, "Sequelize") || strings.Contains(gw.body, "10.0.3.7") {
			t.Fatalf("gateway leaked: %s", gw.body)
		}
		if gw.header.Get("Content-Type") != "application/problem+json" || gw.status < 400 {
			t.Fatalf("gateway: %d %s", gw.status, gw.body)
		}
	})

	t.Run("forged token", func(t *testing.T) {
		enc := base64.RawURLEncoding.EncodeToString
		forged := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"admin","uid":3,"roles":["admin"]}`)) + "."
		if a := get(t, "GET", d.APIURL+"/api/admin/stats", forged, "", ""); a.status != 200 {
			t.Fatalf("naive API refused a forged token: %d", a.status)
		}
		gw := get(t, "GET", d.GatewayURL+"/api/admin/stats", forged, "", "")
		if gw.status != 401 || !strings.Contains(gw.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Fatalf("gateway: %d %v", gw.status, gw.header)
		}
	})

	t.Run("roles and owners", func(t *testing.T) {
		cases := []struct {
			name, url, token string
			api, gw          int
		}{
			{"no token", "/api/users/1", "", 401, 401},
			{"user in admin area", "/api/admin/stats", alice, 200, 403},
			{"admin in admin area", "/api/admin/stats", admin, 200, 200},
			{"alice reads bob's note", "/api/users/2/notes/2", alice, 200, 403},
			{"alice reads bob's account", "/api/users/2", alice, 200, 403},
			{"alice reads her note", "/api/users/1/notes/1", alice, 200, 200},
			{"admin reads bob's note", "/api/users/2/notes/2", admin, 200, 200},
			{"forgotten endpoint", "/api/notes/2", alice, 200, 404},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if a := get(t, "GET", d.APIURL+c.url, c.token, "", ""); a.status != c.api {
					t.Errorf("naive API %d, want %d", a.status, c.api)
				}
				if g := get(t, "GET", d.GatewayURL+c.url, c.token, "", ""); g.status != c.gw {
					t.Errorf("gateway %d, want %d: %s", g.status, c.gw, g.body)
				}
			})
		}
	})

	t.Run("password hashes", func(t *testing.T) {
		api := get(t, "GET", d.APIURL+"/api/users/1", alice, "", "")
		if !strings.Contains(api.body, "password_hash") {
			t.Fatal("naive API hides hashes")
		}
	})

	t.Run("real login", func(t *testing.T) {
		gw := get(t, "POST", d.GatewayURL+"/api/login", "", "", `{"username":"bob","password":"bob-demo-password"}`)
		var out struct{ Token string }
		if gw.status != 200 || json.Unmarshal([]byte(gw.body), &out) != nil || out.Token == "" {
			t.Fatalf("login: %d %s", gw.status, gw.body)
		}
		if g := get(t, "GET", d.GatewayURL+"/api/users/2/notes", out.Token, "", ""); g.status != 200 {
			t.Fatalf("logged-in bob: %d %s", g.status, g.body)
		}
	})
}

func TestGuide(t *testing.T) {
	d := start(t)
	var b strings.Builder
	if err := d.PrintGuide(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{d.APIURL, d.GatewayURL, d.Tokens["alice"], "curl -si"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("guide lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "console") {
		t.Errorf("guide names a console that is not running:\n%s", b.String())
	}
}

func TestGuideNamesTheConsole(t *testing.T) {
	d, err := demo.Start(context.Background(), demo.Options{AdminListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	var b strings.Builder
	if err := d.PrintGuide(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"security console:             " + d.ConsoleURL, "console token:                " + d.ConsoleToken} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("guide lacks %q:\n%s", want, b.String())
		}
	}
	for _, tc := range []struct {
		name, auth string
		status     int
	}{
		{"no token", "", 401},
		{"another token", "Bearer " + strings.Repeat("A", len(d.ConsoleToken)), 401},
		{"a prefix of the token", "Bearer " + d.ConsoleToken[:10], 401},
		{"the token in another scheme", "Basic " + d.ConsoleToken, 401},
		{"the token", "Bearer " + d.ConsoleToken, 200},
	} {
		req, _ := http.NewRequest("GET", d.ConsoleURL+"api/summary", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, res.StatusCode, tc.status)
		}
	}
}

// The demo config is what `rampart check` should be happy with: no
// errors and no warnings.
func TestConfigIsClean(t *testing.T) {
	if _, diags := config.Load("rampart.yaml"); len(diags) != 0 {
		t.Fatalf("rampart check would say:\n%s", diags)
	}
}
