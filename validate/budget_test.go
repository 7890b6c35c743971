package validate_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart/audit"
	"github.com/rampart-api/rampart/validate"
)

// countingBudget is a budget of max bytes that remembers the most it lent.
type countingBudget struct {
	mu         sync.Mutex
	max, used  int64
	peak, asks int64
}

func (b *countingBudget) Take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asks++
	if b.used+n > b.max {
		return false
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	return true
}

func (b *countingBudget) Release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// chunked writes body in pieces, as a proxy copying an upstream does,
// with a Content-Length that may lie.
func chunked(body, contentLength string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if contentLength != "" {
			w.Header().Set("Content-Length", contentLength)
		}
		for p := range slices(body, 1000) {
			_, _ = w.Write([]byte(p))
		}
	})
}

func slices(s string, n int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

func TestResponseBudget(t *testing.T) {
	leak := `{"id":1,"username":"` + strings.Repeat("a", 20000) + `","email":"a@example.com","role":"user","password_hash":"$2a$10$secrethash"}`
	filtered := `{"email":"a@example.com","id":1,"role":"user","username":"` + strings.Repeat("a", 20000) + `"}`
	tests := []struct {
		name          string
		mode          validate.Mode
		budget        int64
		contentLength string
		wantStatus    int
		wantBody      string
	}{
		{"within the budget", validate.Filter, 64 << 10, "", 200, filtered},
		{"over the budget under filter", validate.Filter, 8 << 10, "", 503, ""},
		{"over the budget under enforce", validate.Enforce, 8 << 10, "", 503, ""},
		{"Content-Length claiming little does not shrink the charge", validate.Filter, 8 << 10, "10", 503, ""},
		{"Content-Length claiming much charges nothing up front", validate.Filter, 64 << 10, "4000000", 200, filtered},
		{"report streams what it cannot hold", validate.Report, 8 << 10, "", 200, leak},
		{"an empty budget refuses the first byte", validate.Filter, 0, "", 503, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events bytes.Buffer
			b := &countingBudget{max: tt.budget}
			v := newValidator(t, "testdata/demo-openapi.yaml", validate.Config{Responses: tt.mode, Budget: b, Events: audit.NewLogger(slog.NewJSONHandler(&events, nil))})
			w := httptest.NewRecorder()
			v.Handler(chunked(leak, tt.contentLength)).ServeHTTP(w, httptest.NewRequest("GET", "/api/users/1", nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Fatalf("body = %.80s…, want %.80s…", w.Body, tt.wantBody)
			}
			if b.peak > b.max || b.used != 0 || b.asks == 0 {
				t.Fatalf("budget: peak %d of %d, %d still used, %d asks", b.peak, b.max, b.used, b.asks)
			}
			if tt.wantStatus == 503 {
				if w.Header().Get("Retry-After") == "" || strings.Contains(w.Body.String(), "secrethash") {
					t.Fatalf("refusal: %v %s", w.Header(), w.Body)
				}
				if !strings.Contains(events.String(), `"reason":"response buffer budget exhausted"`) || !strings.Contains(events.String(), `"owasp":"API4:2023"`) {
					t.Fatalf("events: %s", events.String())
				}
			}
			if tt.mode == validate.Report && !strings.Contains(events.String(), `"reason":"response buffer budget exhausted"`) {
				t.Fatalf("report gave up checking silently: %s", events.String())
			}
		})
	}
}
