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
	out := filepath.Join(t.TempDir(), "r.sarif")
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
