package respwriter_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rampart-api/rampart/internal/respwriter"
)

// interimRecorder accepts 1xx statuses as a real server does.
type interimRecorder struct {
	*httptest.ResponseRecorder
	interim []int
}

func (r *interimRecorder) WriteHeader(code int) {
	if code < 200 {
		r.interim = append(r.interim, code)
		return
	}
	r.ResponseRecorder.WriteHeader(code)
}

func TestWriter(t *testing.T) {
	rec := &interimRecorder{ResponseRecorder: httptest.NewRecorder()}
	rw := respwriter.Get(rec)
	defer respwriter.Put(rw)
	rw.WriteHeader(http.StatusEarlyHints) // interim: not final
	if rw.Written() {
		t.Fatal("1xx counted as final")
	}
	_, _ = rw.Write([]byte("hello"))
	rw.WriteHeader(500) // ignored: status already sent
	rw.Flush()
	if rw.Status() != 200 || rw.Bytes() != 5 || len(rec.interim) != 1 {
		t.Fatalf("status %d bytes %d interim %v", rw.Status(), rw.Bytes(), rec.interim)
	}
	if http.NewResponseController(rw).Flush() != nil {
		t.Fatal("ResponseController cannot flush through Unwrap")
	}
}

func BenchmarkGetPut(b *testing.B) {
	rec := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		rw := respwriter.Get(rec)
		respwriter.Put(rw)
	}
}

// unwrapOnly hides its writer's Flush behind Unwrap, as middleware
// wrappers that know only http.ResponseController do.
type unwrapOnly struct{ w http.ResponseWriter }

func (u unwrapOnly) Header() http.Header         { return u.w.Header() }
func (u unwrapOnly) Write(b []byte) (int, error) { return u.w.Write(b) }
func (u unwrapOnly) WriteHeader(code int)        { u.w.WriteHeader(code) }
func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.w }

func TestFlushReachesThroughUnwrap(t *testing.T) {
	rec := httptest.NewRecorder()
	rw := respwriter.Get(unwrapOnly{rec})
	defer respwriter.Put(rw)
	rw.Flush()
	if !rec.Flushed || rw.Status() != http.StatusOK {
		t.Fatalf("flushed %v, status %d", rec.Flushed, rw.Status())
	}
}

// holder holds statuses of 200 and keeps what it is given.
type holder struct {
	asked []int
	held  []byte
}

func (h *holder) Hold(status int) bool {
	h.asked = append(h.asked, status)
	return status == http.StatusOK
}
func (h *holder) Held(p []byte) (int, error) {
	h.held = append(h.held, p...)
	return len(p), nil
}

func TestHolder(t *testing.T) {
	for _, tt := range []struct {
		name        string
		status      int
		wantHolding bool
		wantSent    string
	}{
		{"held: nothing leaves", http.StatusOK, true, ""},
		{"passed: the body streams", http.StatusNotFound, false, "body"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &interimRecorder{ResponseRecorder: httptest.NewRecorder()}
			h := &holder{}
			rw := respwriter.GetHeld(rec, h)
			defer respwriter.Put(rw)
			rw.WriteHeader(http.StatusEarlyHints) // interim: the holder is not asked
			rw.WriteHeader(tt.status)
			rw.WriteHeader(http.StatusTeapot) // ignored
			_, _ = rw.Write([]byte("body"))
			rw.Flush() // must not send a held response
			if len(h.asked) != 1 || h.asked[0] != tt.status || rw.Holding() != tt.wantHolding || rw.Status() != tt.status {
				t.Fatalf("asked %v holding %v status %d", h.asked, rw.Holding(), rw.Status())
			}
			if got := rec.Body.String(); got != tt.wantSent || rec.Flushed == tt.wantHolding {
				t.Fatalf("sent %q flushed %v", got, rec.Flushed)
			}
			if tt.wantHolding && (string(h.held) != "body" || rec.Code != http.StatusOK || len(rec.interim) != 1) {
				t.Fatalf("held %q; recorder saw %d", h.held, rec.Code)
			}
		})
	}
}

func TestPassEndsHolding(t *testing.T) {
	rec := httptest.NewRecorder()
	h := &holder{}
	rw := respwriter.GetHeld(rec, h)
	defer respwriter.Put(rw)
	_, _ = rw.Write([]byte("checked "))
	// The holder gives up checking: it sends the status and what it held.
	rw.Pass()
	rw.Unwrap().WriteHeader(rw.Status())
	_, _ = rw.Unwrap().Write(h.held)
	_, _ = rw.Write([]byte("rest"))
	if rw.Holding() || rec.Body.String() != "checked rest" || rec.Code != http.StatusOK {
		t.Fatalf("holding %v, sent %d %q", rw.Holding(), rec.Code, rec.Body.String())
	}
}
