package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanCommandExitCodes(t *testing.T) {
	flawed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Powered-By", "Express")
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		http.NotFound(w, r)
	}))
	defer flawed.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "r.sarif")
	notOpenAPI := filepath.Join(dir, "package.json")
	if err := os.WriteFile(notOpenAPI, []byte(`{"name":"shop","version":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"high finding fails", []string{"scan", flawed.URL, "--rps", "500", "--checks", "cors"}, 1},
		{"below threshold passes", []string{"scan", flawed.URL, "--rps", "500", "--checks", "headers", "--fail-on", "high"}, 0},
		{"sarif to file", []string{"scan", flawed.URL, "--rps", "500", "--checks", "headers", "--fail-on", "critical", "--format", "sarif", "--out", out}, 0},
		{"unreachable target", []string{"scan", closed.URL}, 2},
		{"bad format", []string{"scan", flawed.URL, "--format", "pdf"}, 2},
		{"bad identity", []string{"scan", flawed.URL, "--identity", "nobody"}, 2},
		{"no target", []string{"scan"}, 2},
		{"not an OpenAPI document", []string{"scan", flawed.URL, "--openapi", notOpenAPI}, 2},
		{"budget spent is incomplete", []string{"scan", flawed.URL, "--rps", "500", "--checks", "headers", "--fail-on", "critical", "--max-requests", "3"}, 1},
		{"cookie with a scheme", []string{"scan", flawed.URL, "--auth-cookie", "token", "--auth-scheme", "Bearer"}, 2},
		{"header name with a colon", []string{"scan", flawed.URL, "--auth-header", "X-Token:"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := newScanCmd()
			root.SilenceUsage, root.SilenceErrors = true, true
			root.SetArgs(tc.args[1:])
			root.SetOut(new(strings.Builder))
			root.SetErr(new(strings.Builder))
			code := 0
			if err := root.Execute(); err != nil {
				code = 2
				if ee, ok := err.(*exitError); ok {
					code = ee.Code
				}
			}
			if code != tc.want {
				t.Errorf("exit %d, want %d", code, tc.want)
			}
		})
	}
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), `"version": "2.1.0"`) {
		t.Errorf("SARIF file: %v", err)
	}
}

func TestPlacementFlags(t *testing.T) {
	cases := []struct {
		scheme, header, cookie string
		want                   string
	}{
		{"", "", "", ""},
		{"Bearer", "", "", "Authorization: Bearer TOKEN"},
		{"none", "", "", "Authorization: TOKEN"},
		{"", "X-Access-Token", "", "X-Access-Token: TOKEN"},
		{"Token", "X-Auth", "", "X-Auth: Token TOKEN"},
		{"", "", "jwt", "Cookie: jwt=TOKEN"},
	}
	for _, tc := range cases {
		p, err := placement(tc.scheme, tc.header, tc.cookie)
		if err != nil {
			t.Errorf("%+v: %v", tc, err)
			continue
		}
		got := ""
		if p != nil {
			got = p.String()
		}
		if got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc, got, tc.want)
		}
	}
}
