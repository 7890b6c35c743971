package validate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-api/rampart/validate"
)

// validatedAllocBudget is the allocations of one GET the validator checks
// against the note document (an integer path parameter) and whose ~200-byte
// conforming JSON answer it filters, counted without the upstream's own.
// It is a ceiling: lower it when the code gets cheaper, never raise it to
// make a change pass.
const validatedAllocBudget = 4

// discardWriter keeps one header map, cleared between requests, and
// discards the body, as a server's writer costs nothing the validator
// should be charged for.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

func TestAllocationsPerValidatedRequest(t *testing.T) {
	if validate.RaceEnabled {
		t.Skip("sync.Pool drops pooled buffers under the race detector")
	}
	for _, version := range []string{"3.0.3", "3.1.0"} {
		h := noteHandler(t, version)
		w := &discardWriter{h: http.Header{}}
		r := httptest.NewRequest("GET", "/api/notes/42", nil)
		serve := func() {
			clear(w.h)
			w.code = 0
			h.ServeHTTP(w, r)
			if w.code != 200 {
				t.Fatalf("status %d", w.code)
			}
		}
		for range 16 { // warm the pools
			serve()
		}
		n := testing.AllocsPerRun(1000, serve)
		t.Logf("%s: %.0f allocations per request", version, n)
		if n > validatedAllocBudget {
			t.Errorf("%s: %.0f allocations per validated request, budget %d", version, n, validatedAllocBudget)
		}
	}
}
