package concurrency_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"

	"github.com/rampart-api/rampart"
	"github.com/rampart-api/rampart/concurrency"
)

// blocked is a handler whose requests stay in flight until release.
type blocked struct {
	entered chan struct{}
	release chan struct{}
}

func newBlocked() *blocked {
	return &blocked{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *blocked) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.entered <- struct{}{}
	<-b.release
}

func request(ip string) *http.Request {
	r := httptest.NewRequest("GET", "/slow", nil)
	r, info := rampart.WithInfo(r)
	info.ClientIP = netip.MustParseAddr(ip)
	return r
}

// hold starts n requests from ip and waits until they are all in flight.
func hold(h http.Handler, b *blocked, wg *sync.WaitGroup, ip string, n int) {
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.ServeHTTP(httptest.NewRecorder(), request(ip))
		}()
		<-b.entered
	}
}

func TestCaps(t *testing.T) {
	tests := []struct {
		name  string
		cfg   concurrency.Config
		hold  map[string]int
		probe string
		want  int
	}{
		{"client at its cap is refused", concurrency.Config{PerClient: 2}, map[string]int{"203.0.113.7": 2}, "203.0.113.7", 503},
		{"another client is not", concurrency.Config{PerClient: 2}, map[string]int{"203.0.113.7": 2}, "203.0.113.8", 200},
		{"IPv6 neighbours share one /64 budget", concurrency.Config{PerClient: 2}, map[string]int{"2001:db8::1": 1, "2001:db8::2": 1}, "2001:db8::ffff", 503},
		{"upstream full refuses everyone", concurrency.Config{Max: 3}, map[string]int{"203.0.113.7": 1, "198.51.100.1": 2}, "192.0.2.1", 503},
		{"under both caps", concurrency.Config{Max: 3, PerClient: 2}, map[string]int{"203.0.113.7": 1}, "203.0.113.7", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := concurrency.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			b := newBlocked()
			h := l.Handler(b)
			var wg sync.WaitGroup
			for ip, n := range tt.hold {
				hold(h, b, &wg, ip, n)
			}
			w := httptest.NewRecorder()
			done := make(chan struct{})
			go func() {
				h.ServeHTTP(w, request(tt.probe))
				close(done)
			}()
			if tt.want == 200 {
				<-b.entered // admitted: in flight beside the held ones
			} else {
				<-done // refused while the others are held
			}
			close(b.release)
			<-done
			wg.Wait()
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if tt.want == 503 && (w.Header().Get("Retry-After") != "1" || w.Header().Get("Content-Type") != "application/problem+json") {
				t.Fatalf("refusal headers: %v", w.Header())
			}
			if l.InFlight() != 0 {
				t.Fatalf("%d still counted in flight", l.InFlight())
			}
		})
	}
}

func TestSlotsAreReturned(t *testing.T) {
	l, _ := concurrency.New(concurrency.Config{Max: 1, PerClient: 1})
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for i := range 100 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("203.0.113.7"))
		if w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	p := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
	func() {
		defer func() { _ = recover() }()
		p.ServeHTTP(httptest.NewRecorder(), request("203.0.113.7"))
	}()
	if w := httptest.NewRecorder(); func() int { h.ServeHTTP(w, request("203.0.113.7")); return w.Code }() != 200 {
		t.Fatal("a panicking request kept its slot")
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := concurrency.New(concurrency.Config{Max: -1, PerClient: -1, RetryAfter: -1})
	if !errors.Is(err, concurrency.ErrBadValue) || len(err.(interface{ Unwrap() []error }).Unwrap()) != 3 {
		t.Fatalf("err = %v, want three ErrBadValue", err)
	}
}
