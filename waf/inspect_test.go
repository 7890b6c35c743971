package waf

import (
	"net/http"
	"testing"

	"github.com/corazawaf/coraza/v3/types"
)

var scoreCases = []struct {
	name string
	msg  string
	want int
	ok   bool
}{
	{"CRS message", "Inbound Anomaly Score Exceeded (Total Score: 15)", 15, true},
	{"early blocking message", "Inbound Anomaly Score Exceeded in phase 1 (Total Score: 5)", 5, true},
	{"no marker", "SQL Injection Attack Detected via libinjection", 0, false},
	{"marker without digits", "Total Score: )", 0, false},
	{"negative", "Total Score: -5", 0, false},
	{"empty", "", 0, false},
	{"overlong number is cut, not overflowed", "Total Score: 99999999999999999999999", 999999999, true},
	{"marker at the end", "Total Score: ", 0, false},
}

func TestParseScore(t *testing.T) {
	for _, tt := range scoreCases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseScore(tt.msg)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("parseScore(%q) = %d, %v; want %d, %v", tt.msg, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseScore(f *testing.F) {
	for _, tt := range scoreCases {
		f.Add(tt.msg)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		n, ok := parseScore(msg)
		if n < 0 || (!ok && n != 0) {
			t.Fatalf("parseScore(%q) = %d, %v", msg, n, ok)
		}
	})
}

func TestStatusFor(t *testing.T) {
	tests := []struct {
		name string
		it   types.Interruption
		want int
	}{
		{"anomaly score", types.Interruption{RuleID: 949110, Action: "deny"}, http.StatusForbidden},
		{"early anomaly score", types.Interruption{RuleID: 949111, Action: "deny"}, http.StatusForbidden},
		{"body parse error", types.Interruption{RuleID: 200002, Action: "deny", Status: 400}, http.StatusBadRequest},
		{"multipart strict", types.Interruption{RuleID: 200003, Action: "deny", Status: 400}, http.StatusBadRequest},
		{"argument flood in the query", types.Interruption{RuleID: 200004, Action: "deny", Status: 400}, http.StatusBadRequest},
		{"argument flood in the body", types.Interruption{RuleID: 200005, Action: "deny", Status: 400}, http.StatusBadRequest},
		{"body limit", types.Interruption{Action: "deny", Status: 413}, http.StatusRequestEntityTooLarge},
		{"rule asking for a redirect is still a refusal", types.Interruption{RuleID: 920100, Action: "redirect", Status: 302}, http.StatusForbidden},
		{"rule asking for 200 is still a refusal", types.Interruption{RuleID: 920100, Action: "deny", Status: 200}, http.StatusForbidden},
		{"rule asking for a 500 gets a 403", types.Interruption{RuleID: 901001, Action: "deny", Status: 500}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := statusFor(&tt.it); got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
		})
	}
}
