package requestid_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/requestid"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		keep bool
	}{
		{"absent", nil, false},
		{"well formed", []string{"abc-123_X.y:z"}, true},
		{"uuid", []string{"3f2b9a0e-4c1d-4e8a-9b7f-2a6c5d8e1f00"}, true},
		{"log forging", []string{"abc\n{\"event\":\"fake\"}"}, false},
		{"spaces", []string{"a b"}, false},
		{"quotes", []string{`a"b`}, false},
		{"too long", []string{strings.Repeat("a", 129)}, false},
		{"max length", []string{strings.Repeat("a", 128)}, true},
		{"two values", []string{"a", "b"}, false},
		{"empty", []string{""}, false},
		{"unicode", []string{"idé"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header[requestid.Header] = tt.in
			var seen, upstream string
			h := requestid.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				seen = rampart.InfoFrom(r.Context()).RequestID
				upstream = r.Header.Get(requestid.Header)
			}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !requestid.Valid(seen) {
				t.Fatalf("id %q not valid", seen)
			}
			if tt.keep != (len(tt.in) > 0 && seen == tt.in[0]) {
				t.Fatalf("id = %q (keep %v)", seen, tt.keep)
			}
			if upstream != seen || w.Header().Get(requestid.Header) != seen {
				t.Fatalf("id not forwarded and returned: %q %q %q", seen, upstream, w.Header().Get(requestid.Header))
			}
		})
	}
}

func TestNewUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := requestid.New()
		if seen[id] || !requestid.Valid(id) {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

// TestNewConcurrent takes ids from many goroutines at once, across many
// blocks: no two are the same, and every one is well formed.
func TestNewConcurrent(t *testing.T) {
	const workers, each = 8, 1000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range ids {
		wg.Go(func() {
			for range each {
				ids[w] = append(ids[w], requestid.New())
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, list := range ids {
		for _, id := range list {
			if seen[id] || !requestid.Valid(id) || len(id) < 18 {
				t.Fatalf("bad or repeated id %q", id)
			}
			seen[id] = true
		}
	}
}

// TestNewAllocations pins that an id costs less than one allocation:
// ids are cut from a block of them.
func TestNewAllocations(t *testing.T) {
	if n := testing.AllocsPerRun(1000, func() { _ = requestid.New() }); n >= 1 && !raceEnabled {
		t.Errorf("New: %v allocations per id, want fewer than one", n)
	}
}

func FuzzValid(f *testing.F) {
	f.Add("abc")
	f.Add("a\nb")
	f.Fuzz(func(t *testing.T, id string) {
		if requestid.Valid(id) && strings.ContainsAny(id, " \r\n\t\"\\{}") {
			t.Fatalf("accepted %q", id)
		}
	})
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = requestid.New()
	}
}
